"""Activity requests by schools: create, edit, pause, resume, cancel.

Each function checks permissions (policies), validates, changes state, writes the audit log and
flushes; the request/CLI boundary commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from loket.db import db
from loket.labels import STATUS_LABELS
from loket.models import Match, Request, User
from loket.models.activities import (
    DESCRIPTION_MAX,
    DURATION_MAX,
    REQ_CANCELLED,
    REQ_MATCHED,
    REQ_OPEN,
    REQ_PAUSED,
)
from loket.models.matches import OPEN_MATCH_STATES
from loket.services import NotFound, ServiceError, policies
from loket.services.activities import rules, state

EDITABLE_STATES = (REQ_OPEN, REQ_PAUSED)


@dataclass
class RequestData:
    """What a school fills in for a request (values as codes or labels; validated by the service)."""

    activity: str
    sectors: list[str]
    levels: list[str]
    pupils: int
    earliest: date | None
    latest: date | None
    modes: list[str]
    max_travel_km: float
    topic: str = ""
    description: str = ""
    duration_minutes: int | None = None
    vog_required: bool = False


def validate(data: RequestData, today: date | None = None, *, earliest_may_be_past: bool = False) -> dict:
    """Return the normalised column values, or raise ServiceErrors naming every field that is wrong."""
    checks = rules.Checks()
    values = rules.shared_values(
        checks, data, today or date.today(), earliest_may_be_past=earliest_may_be_past
    )
    pupils = checks.run(
        rules.number, data.pupils, "pupils", 1, 400, _l("Het aantal leerlingen moet tussen 1 en 400 liggen.")
    )
    travel = checks.run(
        rules.number,
        data.max_travel_km,
        "max_travel_km",
        0,
        200,
        _l("De reisafstand moet tussen 0 en 200 km liggen."),
        whole=False,
    )
    extra = checks.run(substance, data)
    checks.done()
    return {**values, "pupils": int(pupils), "max_travel_km": float(travel), **(extra or {})}  # type: ignore[arg-type]


def substance(data: RequestData) -> dict:
    """The request's description and details, normalised (ServiceError naming the field)."""
    return {
        "description": rules.long_text(data.description, "description", DESCRIPTION_MAX),
        "duration_minutes": rules.optional_whole(
            data.duration_minutes,
            "duration_minutes",
            5,
            DURATION_MAX,
            _l("De duur moet tussen 5 en %(max)s minuten liggen.", max=DURATION_MAX),
        ),
        "vog_required": bool(data.vog_required),
    }


def get(request_id: int) -> Request:
    req = db.session.get(Request, request_id)
    if req is None:
        raise NotFound(_l("Deze aanvraag bestaat niet (meer)."))
    return req


def get_for_view(actor: User | None, request_id: int) -> Request:
    """The request, if ``actor`` may see it (else NotFound / PermissionDenied)."""
    req = get(request_id)
    policies.require(policies.can_view_request(actor, req))
    return req


def get_for_edit(actor: User | None, request_id: int) -> Request:
    """The request, if ``actor`` belongs to its school."""
    req = get(request_id)
    policies.require(policies.can_edit_request(actor, req))
    return req


def create_request(actor: User, data: RequestData, *, today: date | None = None) -> Request:
    """Post a new open request for the actor's school."""
    policies.require(policies.can_create_request(actor), _l("Alleen scholen kunnen een aanvraag plaatsen."))
    rules.require_verified(actor)
    values = validate(data, today)
    org = actor.organisation
    req = Request(
        organisation_id=org.id,
        location_id=org.primary_location.id if org.primary_location else None,
        created_by_id=actor.id,
        status=REQ_OPEN,
        **values,
    )
    return state.add(actor, req, "request.created", REQ_OPEN)


def update_request(
    actor: User,
    request_id: int,
    data: RequestData,
    *,
    version_id: int | str | None,
    today: date | None = None,
) -> Request:
    """Edit an open or paused request; refuses an edit on an outdated copy (StaleEdit)."""
    req = get_for_edit(actor, request_id)
    rules.check_version(req, version_id, required=True)
    if req.status not in EDITABLE_STATES:
        raise ServiceError(
            _l(
                "Een aanvraag met status '%(status)s' kan niet meer worden gewijzigd.",
                status=STATUS_LABELS.get(req.status, req.status),
            )
        )
    # an existing request may keep a start date that has passed in the meantime
    values = validate(data, today, earliest_may_be_past=data.earliest == req.earliest)
    state.apply_edit(actor, req, values, "request.edited")
    return req


def _transition(
    actor: User,
    request_id: int,
    allowed_from: tuple[str, ...],
    to: str,
    action: str,
    *,
    version_id: int | str | None = None,
    reason: str | None = None,
) -> Request:
    req = get_for_edit(actor, request_id)
    return state.transition(
        actor,
        req,
        allowed_from,
        to,
        action,
        refused=_l("Deze aanvraag heeft status '%(status)s'; dat kan nu niet."),
        version_id=version_id,
        reason=reason,
    )


def pause_request(actor: User, request_id: int, *, version_id: int | str | None = None) -> Request:
    """Take an open request out of the pool for a while (no new suggestions or proposals)."""
    return _transition(actor, request_id, (REQ_OPEN,), REQ_PAUSED, "request.paused", version_id=version_id)


def resume_request(actor: User, request_id: int, *, version_id: int | str | None = None) -> Request:
    """Put a paused request back in the pool."""
    return _transition(actor, request_id, (REQ_PAUSED,), REQ_OPEN, "request.resumed", version_id=version_id)


def cancel_request(
    actor: User, request_id: int, *, reason: str | None = None, version_id: int | str | None = None
) -> Request:
    """Cancel a request; its open matches are cancelled too (their capacity goes back)."""
    req = get_for_edit(actor, request_id)
    rules.check_version(req, version_id)
    if req.status not in (REQ_OPEN, REQ_PAUSED, REQ_MATCHED):
        raise ServiceError(
            _l(
                "Deze aanvraag heeft status '%(status)s' en kan niet worden geannuleerd.",
                status=STATUS_LABELS.get(req.status, req.status),
            )
        )
    reason = (reason or "").strip() or "Aanvraag geannuleerd door de school."
    open_ids = db.session.scalars(
        select(Match.id).where(Match.request_id == req.id, Match.status.in_(OPEN_MATCH_STATES))
    ).all()
    if open_ids:
        from loket.services import matches as match_service

        for match_id in open_ids:
            match_service.cancel(actor, match_id, reason)
    allowed = (REQ_OPEN, REQ_PAUSED, REQ_MATCHED)
    return _transition(actor, request_id, allowed, REQ_CANCELLED, "request.cancelled", reason=reason)
