"""Helpers shared by the school and company blueprints: role gate, paging, service calls, proposals.

The two blueprints mirror each other (a school's requests, a company's offers); what differs (texts,
endpoints, services) stays in the blueprint, the mechanics live here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, redirect
from flask_login import current_user

from loket.services import NotFound, PermissionDenied, ServiceError, StaleEdit
from loket.web.forms.activities import ActionForm
from loket.web.inputs import page_arg

# errors rendered as 403/404/409 pages by loket.web.errors, never as a flash
PASS_THROUGH = (StaleEdit, PermissionDenied, NotFound)
FAILED = object()


def only_role(role: str):
    """``before_request`` body: log in first, then only users of ``role`` with an organisation."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role != role or current_user.organisation_id is None:
        abort(403)
    return None


def page_number() -> int:
    return page_arg()


def per_page() -> int:
    return int(current_app.config.get("LOKET_PAGE_SIZE", 25))


def show_error(form, exc: ServiceError) -> None:
    """Put a service error beside its form field, or flash it when it belongs to no field."""
    if form is None or not form.set_service_error(exc):
        flash(exc.message, "error")


def attempt(call: Callable[[], Any], form=None) -> Any:
    """Run a service call; on a ServiceError show it and return FAILED (403/404/409 errors pass)."""
    try:
        return call()
    except PASS_THROUGH:
        raise
    except ServiceError as exc:
        show_error(form, exc)
        return FAILED


def simple_action(fn: Callable[..., Any], obj_id: int, message: str, back: str):
    """A one-button state change (pause/resume) from an ActionForm; back to ``back`` either way."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    version_id = form.version_id.data or None
    if attempt(lambda: fn(current_user, obj_id, version_id=version_id)) is not FAILED:
        flash(message, "success")
    return redirect(back)


def candidate_details(candidates, obj_id: int) -> dict:
    """Score, breakdown and reasons of the suggested candidate ``obj_id`` (empty if not suggested)."""
    found = next((c for c in candidates if c.obj.id == obj_id), None)
    if found is None:
        return {}
    return dict(
        score=found.score,
        breakdown=found.contributions,
        reasons=found.reasons,
        distance_km=found.distance_km,
        mode=found.mode,
    )
