"""Compose one personal reactivation message: name, organisation, what is new, open items near them.

Schools see open offers of companies near them; companies see open requests of schools near them
(up to three, nearest first, within 50 km). The open items are loaded once per run into numpy
arrays, so composing 10,000 messages costs one query, not 10,000.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

import numpy as np
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from loket.db import db
from loket.mail.delivery import build_message
from loket.mail.outbox import base_domain
from loket.mail.render import absolute_url, render_email
from loket.models import Location, Offer, OutboxMessage, Request, User
from loket.models.mail import QUEUED
from loket.services.reactivation.selection import KIND_REACTIVATION, KIND_REMINDER
from loket.services.reactivation.tokens import issue_reactivation_token, preview_token, unsubscribe_token

NEAR_KM = 50.0
MAX_ITEMS = 3
POOL = 5000  # newest open items considered per side


@dataclass(frozen=True)
class NearItem:
    activity: str
    topic: str
    organisation: str
    city: str
    distance_km: float


class NearbyIndex:
    """Open requests and offers with coordinates, for 'near you' lists in mail."""

    def __init__(self) -> None:
        self._sides = {"school": self._load(Offer), "company": self._load(Request)}

    @staticmethod
    def _load(model) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str, str, str]]]:
        rows = db.session.execute(
            select(
                model.activity, model.topic, Location.lat, Location.lon, Location.city, model.organisation_id
            )
            .join(Location, model.location_id == Location.id)
            .where(model.status == "open")
            .order_by(model.created_at.desc())
            .limit(POOL)
        ).all()
        from loket.models import Organisation

        names = dict(
            db.session.execute(
                select(Organisation.id, Organisation.name).where(
                    Organisation.id.in_({r.organisation_id for r in rows})
                )
            ).all()
        )
        lat = np.radians(np.array([r.lat for r in rows], dtype=float))
        lon = np.radians(np.array([r.lon for r in rows], dtype=float))
        info = [(r.activity, r.topic or "", names.get(r.organisation_id, ""), r.city or "") for r in rows]
        return lat, lon, info

    def near(self, role: str, lat: float | None, lon: float | None, k: int = MAX_ITEMS) -> list[NearItem]:
        """Up to ``k`` open items of the other side within NEAR_KM of (lat, lon), nearest first."""
        side = self._sides.get(role)
        if side is None or lat is None or lon is None or len(side[2]) == 0:
            return []
        lats, lons, info = side
        la, lo = np.radians(lat), np.radians(lon)
        a = np.sin((lats - la) / 2) ** 2 + np.cos(la) * np.cos(lats) * np.sin((lons - lo) / 2) ** 2
        dist = 2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
        order = np.argsort(dist, kind="stable")[:k]
        return [NearItem(*info[i], distance_km=round(float(dist[i]), 1)) for i in order if dist[i] <= NEAR_KM]


def _context(user: User, near: list[NearItem], token: str, reminder: bool) -> dict:
    org = user.organisation
    loc = org.primary_location if org else None
    return {
        "user": user,
        "recipient_name": user.name or "",
        "organisation": org.name if org else "",
        "city": loc.city if loc else "",
        "role": user.role,
        "near": near,
        "reminder": reminder,
        "reactivate_url": absolute_url(_path("reactivation.landing", token=token)),
        "unsubscribe_url": absolute_url(_path("reactivation.unsubscribe", token=unsubscribe_token(user))),
    }


def _path(endpoint: str, **values: str) -> str:
    """A URL path built without a request (CLI, worker): the app's URL map bound to no host."""
    return current_app.url_map.bind("", script_name="/").build(endpoint, values)


def compose(
    user: User, run_id: int | None, index: NearbyIndex, *, reminder: bool = False, dry_run: bool = False
) -> OutboxMessage:
    """One queued OutboxMessage for ``user`` (not added to the session). A real run also adds the
    user's ActionToken to the session; a dry run uses a preview token with no row behind it."""
    org = user.organisation
    loc = org.primary_location if org else None
    near = index.near(user.role, loc.lat if loc else None, loc.lon if loc else None)
    token = preview_token() if dry_run else issue_reactivation_token(user, run_id)
    ctx = _context(user, near, token, reminder)
    template = "reactivation_reminder" if reminder else "reactivation"
    rendered = render_email(template, locale=user.locale or "nl", **ctx)
    headers = {
        "List-Unsubscribe": f"<{ctx['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "X-Loket-Run": str(run_id or 0),
    }
    return OutboxMessage(
        run_id=None if dry_run else run_id,
        user_id=user.id,
        user=user,
        kind=KIND_REMINDER if reminder else KIND_REACTIVATION,
        to_addr=user.email or "",
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        headers=headers,
        message_id=make_msgid(idstring=uuid.uuid4().hex[:12], domain=base_domain()),
        state=QUEUED,
        attempts=0,
    )


def to_email(row: OutboxMessage) -> EmailMessage:
    """The MIME message for a composed row (text with HTML alternative, all headers)."""
    return build_message(row)


def users_with_orgs(ids: list[int]) -> list[User]:
    """Load users with organisation and locations in one round trip (for composing in batches)."""
    from loket.models import Organisation

    return list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(ids))
            .options(joinedload(User.organisation).selectinload(Organisation.locations))
            .order_by(User.id)
        ).unique()
    )
