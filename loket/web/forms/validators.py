"""Shared WTForms validators (Dutch messages): postcode, BRIN, KvK, password strength.

They call the same checks as the services (``loket.services.accounts``), so a form and a service
never disagree. Use them as ``validators=[DutchPostcode()]``; each also normalises the field's
data (e.g. ``'1234ab'`` -> ``'1234 AB'``) when valid.
"""

from __future__ import annotations

from collections.abc import Callable

from wtforms import Field, Form, SelectChoice
from wtforms.validators import StopValidation, ValidationError

from loket.services.accounts.checks import check_brin, check_kvk, check_password, check_postcode
from loket.web.forms.service_call import checked

__all__ = [
    "Brin",
    "DutchPostcode",
    "EmailAddress",
    "Kvk",
    "PasswordStrength",
    "choices",
]


def choices(pairs) -> list:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class _Check:
    """Run a service check on the field's data; put the normalised value back."""

    check: Callable[[str | None], str | None]
    optional: bool = True

    def __call__(self, form: Form, field: Field) -> None:
        raw = field.data
        if self.optional and not (raw or "").strip():
            field.data = None if raw is None else ""
            return
        field.data = checked(type(self).check, raw)


class DutchPostcode(_Check):
    """A Dutch postcode '1234 AB' (python-stdnum); required unless ``optional=True``."""

    def __init__(self, optional: bool = False) -> None:
        self.optional = optional
        self.field_flags = {} if optional else {"required": True}

    def __call__(self, form: Form, field: Field) -> None:
        if not self.optional and not (field.data or "").strip():
            raise StopValidation("Vul een postcode in, bijvoorbeeld 1234 AB.")
        field.data = checked(check_postcode, field.data) if (field.data or "").strip() else ""


class Brin(_Check):
    """Optional BRIN code (e.g. 05KO or 05KO01), python-stdnum."""

    check = staticmethod(check_brin)


class Kvk(_Check):
    """Optional KvK number: exactly 8 digits."""

    check = staticmethod(check_kvk)


class EmailAddress:
    """A syntactically valid email address (no DNS lookups). Test domains such as ``.test`` are
    accepted only when the app runs with TESTING on."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message or "Dit is geen geldig e-mailadres, bijvoorbeeld naam@school.nl."

    def __call__(self, form: Form, field: Field) -> None:
        from email_validator import EmailNotValidError, validate_email
        from flask import current_app

        value = (field.data or "").strip()
        if not value:
            return
        try:
            validate_email(value, check_deliverability=False, test_environment=current_app.testing)
        except EmailNotValidError as exc:
            raise ValidationError(str(self.message)) from exc


class PasswordStrength:
    """The one password policy of Loket, on a form field: ``loket.services.accounts.check_password``
    (at least 10 characters, not one character repeated, not a well-known password, not the email
    address). Every form that sets a password uses it: registration, reset link, invitation, password
    change and the reactivation page.

    The address to compare with comes from the form's ``email_field`` when it has one, else from
    ``form.policy_email`` (set by the view when the address is known from a link or the session).
    """

    def __init__(self, email_field: str | None = "email") -> None:
        self.email_field = email_field

    def __call__(self, form: Form, field: Field) -> None:
        email = getattr(form, "policy_email", None)
        if self.email_field and self.email_field in form:
            email = form[self.email_field].data
        checked(check_password, field.data, email=email)
