"""Invitations to a career day: the companies of the event's clusters ranked by sector and distance
fit, a mail per contact with a single-use link, and registering a session through that link.

The rank uses the matching engine's own terms (``loket.matching.MatchConfig``): the sector fit (1
for a sector the schools asked for, ``related_sector_fit`` for a related one) and the distance decay
``exp(-km / distance_scale_km)`` from the venue, weighted by ``w_sector`` and ``w_distance``. What
the schools ask for is the preferences of the groups registered so far, else the sectors of the
open requests of the clusters' schools; with neither, every company has the full sector fit and
distance alone ranks them.

A link stands for one user and one event only (``ActionToken`` purpose ``event_invite``, its jti
kept on the ``EventInvitation`` row). It expires at the end of the registration deadline and is
spent by the session it registers, in the same transaction (one conditional UPDATE).
"""

from __future__ import annotations

import math
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from loket import taxonomy
from loket.db import db, utcnow
from loket.geo import Gazetteer, GeoError, haversine_km
from loket.mail.outbox import queue_email
from loket.mail.render import absolute_url
from loket.matching import MatchConfig
from loket.models import ActionToken, CareerEvent, EventSession, Organisation, Request, User
from loket.models.activities import REQ_OPEN
from loket.models.event_invitations import EventInvitation
from loket.models.users import ARCHIVED, ROLE_COMPANY
from loket.services import ServiceError, audit, policies
from loket.services.events.registration import SessionData, check_open, get_event, register_session
from loket.services.notifications.inbox import reachable
from loket.services.reactivation.tokens import TokenError, spend
from loket.zone import AMSTERDAM as ZONE

PURPOSE = "event_invite"
SALT = "loket-event-invite"


class InvitationError(ServiceError):
    """A link that cannot be used; ``reason`` is invalid, used or expired."""

    def __init__(self, reason: str, message: object) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Candidate:
    """A company of the event's clusters with its fit: score in [0, 1], the sector that fits best
    (``sector_match`` same | related | none | unknown) and the distance to the venue."""

    organisation: Organisation
    rank: int
    score: float
    sector_fit: float
    sector: str | None
    sector_match: str
    distance_km: float | None
    contacts: int
    invited: bool


def wanted_sectors(event: CareerEvent) -> Counter[str]:
    """What the schools ask for: the registered groups' preferences, else the sectors of the open
    requests of the clusters' schools (counted)."""
    wanted: Counter[str] = Counter(code for g in event.groups for code in g.preferences or [])
    if wanted or not event.cluster_ids:
        return wanted
    rows = db.session.scalars(
        select(Request.sectors)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .where(Organisation.cluster_id.in_(event.cluster_ids), Request.status == REQ_OPEN)
    )
    for sectors in rows:
        wanted.update(sectors or [])
    return wanted


def _codes(values: list[str] | None) -> list[str]:
    """Taxonomy codes of stored values (a label or synonym becomes its code; unknown ones are left out)."""
    out = []
    for v in values or []:
        try:
            out.append(taxonomy.sectors().normalise(v))
        except taxonomy.TaxonomyError:
            continue
    return out


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    voc = taxonomy.sectors()
    try:
        return voc.get(a).parent == b or voc.get(b).parent == a
    except taxonomy.TaxonomyError:
        return False


def sector_fit(
    company_sectors: list[str], wanted: Counter[str], config: MatchConfig
) -> tuple[float, str | None, str]:
    """The best fit of a company's sectors to the wanted ones: (fit, the wanted sector, kind)."""
    if not wanted:
        return 1.0, None, "unknown"
    best: tuple[float, int, str | None, str] = (0.0, 0, None, "none")
    own_codes = _codes(company_sectors)
    for want, n in wanted.most_common():
        for own in own_codes:
            if _same(own, want):
                fit, kind = 1.0, "same"
            elif taxonomy.sectors_related(own, want):
                fit, kind = config.related_sector_fit, "related"
            else:
                continue
            if (fit, n) > best[:2]:
                best = (fit, n, want, kind)
    return best[0], best[2], best[3]


def venue_point(event: CareerEvent) -> tuple[float, float] | None:
    """The venue's position from its postcode (the offline gazetteer); None when unknown."""
    try:
        p = Gazetteer.default().lookup_postcode(event.venue_postcode)
    except GeoError:
        return None
    return p.lat, p.lon


def _contacts(org: Organisation) -> list[User]:
    return reachable(u for u in org.users if u.role == ROLE_COMPANY)


def candidates(actor: User, event_id: int) -> tuple[CareerEvent, list[Candidate]]:
    """The companies of the event's clusters, best fit first (for whoever manages the event)."""
    event = get_event(event_id)
    policies.require(policies.can_manage_event(actor, event))
    config = MatchConfig()
    wanted = wanted_sectors(event)
    venue = venue_point(event)
    invited = set(
        db.session.scalars(
            select(EventInvitation.organisation_id).where(EventInvitation.event_id == event.id)
        )
    )
    orgs = db.session.scalars(
        select(Organisation)
        .where(Organisation.kind == ROLE_COMPANY, Organisation.cluster_id.in_(event.cluster_ids or [-1]))
        .options(selectinload(Organisation.locations), selectinload(Organisation.users))
        .order_by(Organisation.name, Organisation.id)
    )
    scored = []
    w_s, w_d = config.w_sector, config.w_distance
    for org in orgs:
        s_fit, sector, kind = sector_fit(org.sectors, wanted, config)
        loc = org.primary_location
        km = None
        if venue is not None and loc is not None and loc.lat is not None and loc.lon is not None:
            km = round(float(haversine_km(venue[0], venue[1], loc.lat, loc.lon)), 1)
        d_fit = math.exp(-km / config.distance_scale_km) if km is not None else config.online_distance_fit
        score = (w_s * s_fit + w_d * d_fit) / (w_s + w_d)
        scored.append((org, round(score, 4), s_fit, sector, kind, km))
    scored.sort(key=lambda t: (-t[1], t[5] if t[5] is not None else math.inf, t[0].id))
    return event, [
        Candidate(org, i, score, s_fit, sector, kind, km, len(_contacts(org)), org.id in invited)
        for i, (org, score, s_fit, sector, kind, km) in enumerate(scored, start=1)
    ]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _expires(event: CareerEvent) -> datetime:
    """The end of the deadline day in the Netherlands, in UTC."""
    end = datetime.combine(event.registration_deadline + timedelta(days=1), time(0), tzinfo=ZONE)
    return end.astimezone(UTC)


def invitation_path(token: str) -> str:
    return f"/loopbaandagen/uitnodiging/{token}"


def send_invitations(actor: User, event_id: int, organisation_ids: list[int], today: date) -> tuple[int, int]:
    """Invite the chosen companies (not invited before): one mail with a single-use link to each
    contact. Returns (companies invited, mails queued)."""
    event, ranked = candidates(actor, event_id)
    check_open(event, today)
    chosen = {int(i) for i in organisation_ids or []}
    if not chosen:
        raise ServiceError(_l("Kies minstens één bedrijf."), field="organisations")
    by_org = {c.organisation.id: c for c in ranked}
    if not chosen <= set(by_org):
        raise ServiceError(
            _l("Dit bedrijf hoort niet bij de clusters van deze loopbaandag."), field="organisations"
        )
    companies = mails = 0
    for org_id in sorted(chosen, key=lambda i: by_org[i].rank):
        cand = by_org[org_id]
        contacts = _contacts(cand.organisation)
        if cand.invited or not contacts:
            continue
        companies += 1
        for user in contacts:
            jti = secrets.token_urlsafe(24)
            db.session.add(
                ActionToken(
                    jti=jti, purpose=PURPOSE, user_id=user.id, run_id=None, expires_at=_expires(event)
                )
            )
            db.session.add(
                EventInvitation(
                    event_id=event.id,
                    organisation_id=org_id,
                    user_id=user.id,
                    jti=jti,
                    rank=cand.rank,
                    score=cand.score,
                    distance_km=cand.distance_km,
                    invited_by_id=actor.id,
                )
            )
            queue_email(
                user,
                "event_invitation",
                kind="event_invitation",
                event=event,
                organisation=cand.organisation,
                link=absolute_url(invitation_path(_serializer().dumps(jti))),
            )
            mails += 1
    db.session.flush()
    audit.record(actor, "event.invite", event, companies=companies, mails=mails)
    return companies, mails


_INVALID = _l("Deze uitnodigingslink is ongeldig of onvolledig gekopieerd.")
_USED = _l(
    "Met deze uitnodigingslink is al een sessie aangemeld. Log in om je sessies te bekijken of te wijzigen."
)
_EXPIRED = _l("De aanmelding voor deze loopbaandag is gesloten; de uitnodigingslink werkt niet meer.")


def load_invitation(token: str, now: datetime | None = None) -> tuple[EventInvitation, ActionToken]:
    """The invitation and token behind a link, or InvitationError (invalid, used, expired)."""
    try:
        jti = _serializer().loads(token)
    except BadSignature as exc:
        raise InvitationError("invalid", _INVALID) from exc
    row = db.session.scalar(
        select(ActionToken).where(ActionToken.jti == str(jti), ActionToken.purpose == PURPOSE)
    )
    inv = db.session.scalar(select(EventInvitation).where(EventInvitation.jti == str(jti)))
    if row is None or inv is None or inv.user.status == ARCHIVED:
        raise InvitationError("invalid", _INVALID)
    if row.used_at is not None:
        raise InvitationError("used", _USED)
    now = now or utcnow()
    if row.expires_at <= now or get_event(inv.event_id).registration_deadline < now.astimezone(ZONE).date():
        raise InvitationError("expired", _EXPIRED)
    return inv, row


def register_by_invitation(token: str, data: SessionData, today: date) -> EventSession:
    """Register a session as the invited user (no login needed) and spend the link."""
    inv, row = load_invitation(token)
    session = register_session(inv.user, inv.event_id, data, today)
    try:
        spend(row)
    except TokenError as exc:
        raise InvitationError("used", _USED) from exc
    inv.session_id = session.id
    db.session.flush()
    return session
