"""The one way a ServiceError reaches a form: beside its field.

In a view, after the form validated:

    saved = attempt(lambda: offers.update_offer(current_user, offer_id, form.to_data()), form)
    if saved is FAILED:
        return render_template(...), 422   # the message stands beside its field, or is flashed

Forms validate all their fields before the view calls the service, so every field error shows at
once; the service's error joins them. PermissionDenied, NotFound and StaleEdit are not caught: they
become the 403/404/409 pages of ``loket.web.errors``.

In a WTForms validator that runs a service's own check (postcode, password, ...):

    field.data = checked(check_postcode, field.data)   # a ServiceError becomes a ValidationError
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from flask import flash
from wtforms import Form
from wtforms.validators import ValidationError

from loket.db import db
from loket.services import NotFound, PermissionDenied, ServiceError, StaleEdit

# rendered as 403/404/409 pages by loket.web.errors, never beside a field or as a flash
PASS_THROUGH: Final = (PermissionDenied, NotFound, StaleEdit)


class _Failed:
    def __repr__(self) -> str:
        return "FAILED"


FAILED: Final = _Failed()


def show_error(form: Form | None, exc: ServiceError, field: str | None = None) -> None:
    """Put ``exc`` beside the field it names when ``form`` has that field, else beside ``field``
    (the form's catch-all field, e.g. a reason), else flash it as an error for the whole page."""
    name = exc.field if form is not None and exc.field and exc.field in form else field
    if form is not None and name and name in form:
        target = form[name]
        target.errors = [*target.errors, exc.message]
    else:
        flash(exc.message, "error")


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


def checked(check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Inside a validator: ``check(*args, **kwargs)``, its ServiceError raised as the field's
    ValidationError (so a form and a service never disagree on a rule)."""
    try:
        return check(*args, **kwargs)
    except ServiceError as exc:
        raise ValidationError(exc.message) from exc
