"""The one way a ServiceError reaches a form: beside its field, every error at once.

Services check a whole input in one pass and raise ``ServiceErrors`` (one ServiceError per broken
rule, each naming its field; ``loket.services.activities.rules.Checks`` collects them). A form
whose fields depend on each other (dates, numbers, bounds) runs the same service check while it
validates, by overriding ``LoketForm.rules()``:

    class RequestForm(LoketForm):
        def rules(self) -> None:
            requests.validate(self.to_data())      # raises ServiceErrors

``LoketForm.validate()`` calls ``rules()`` after the field validators even when they failed, and
:func:`check_rules` puts each ServiceError beside its field (a field that already has its own error
keeps only that one). So one submit shows every field error: pupils 0, a past start and an end
before the start appear together.

In a view, after the form validated:

    saved = attempt(lambda: offers.update_offer(current_user, offer_id, form.to_data()), form)
    if saved is FAILED:
        return render_template(...), 422   # the messages stand beside their fields, or are flashed

The service checks again (it is the layer that decides); what only it can know (an address
already taken, capacity already promised) joins the form's errors. PermissionDenied, NotFound and
StaleEdit are not caught: they become the 403/404/409 pages of ``loket.web.errors``.

In a WTForms validator that runs a service's own check on one field (postcode, password, ...):

    field.data = checked(check_postcode, field.data)   # a ServiceError becomes a ValidationError
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from flask import flash
from wtforms import Form
from wtforms.validators import ValidationError

from loket.db import db
from loket.services import NotFound, PermissionDenied, ServiceError, ServiceErrors, StaleEdit

# rendered as 403/404/409 pages by loket.web.errors, never beside a field or as a flash
PASS_THROUGH: Final = (PermissionDenied, NotFound, StaleEdit)


class _Failed:
    def __repr__(self) -> str:
        return "FAILED"


FAILED: Final = _Failed()


def show_error(
    form: Form | None, exc: ServiceError, field: str | None = None, *, keep_first: bool = False
) -> None:
    """Put ``exc`` (each error of a ``ServiceErrors``) beside the field it names when ``form`` has
    that field, else beside ``field`` (the form's catch-all field, e.g. a reason), else flash it as
    an error for the whole page. ``keep_first``: a field that already has an error gets no second."""
    for err in exc.errors if isinstance(exc, ServiceErrors) else [exc]:
        name = err.field if form is not None and err.field and err.field in form else field
        if form is not None and name and name in form:
            target = form[name]
            if keep_first and target.errors:
                continue
            if err.message not in target.errors:
                target.errors = [*target.errors, err.message]
        else:
            flash(err.message, "error")


def attempt(
    call: Callable[[], Any],
    form: Form | None = None,
    *,
    field: str | None = None,
    reraise: tuple[type[ServiceError], ...] = (),
) -> Any:
    """Run ``call()``; its result, or FAILED after a ServiceError, which is shown with
    :func:`show_error` after the half-done change is rolled back. ``reraise`` names more
    ServiceError kinds the view handles itself (e.g. an expired link)."""
    try:
        return call()
    except PASS_THROUGH + reraise:
        raise
    except ServiceError as exc:
        db.session.rollback()
        show_error(form, exc, field)
        return FAILED


def check_rules(form: Form, rules: Callable[[], Any]) -> bool:
    """While ``form`` validates: run ``rules()`` (a service's own checks on the form's data) and
    show its ServiceError(s) beside their fields, except where a field already has an error.
    True when the rules passed."""
    try:
        rules()
    except PASS_THROUGH:
        raise
    except ServiceError as exc:
        show_error(form, exc, keep_first=True)
        return False
    return True


def checked(check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Inside a validator: ``check(*args, **kwargs)``, its ServiceError raised as the field's
    ValidationError (so a form and a service never disagree on a rule)."""
    try:
        return check(*args, **kwargs)
    except ServiceError as exc:
        raise ValidationError(exc.message) from exc
