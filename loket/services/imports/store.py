"""Write validated rows in bulk: diff against what exists (by external_id), insert new rows in
batches, update only changed rows, skip unchanged ones. Runs in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, select

from loket.db import db, utcnow
from loket.models import Location, Offer, Organisation, Request, User
from loket.models.users import ACTIVE, DORMANT, INVITED
from loket.services.imports.formats import ActivityRow, OrgRow
from loket.services.imports.parse import Known

BATCH = 2000
ORG_FIELDS = ("name", "brin", "kvk", "levels", "sectors")
LOC_FIELDS = ("postcode", "city", "province", "lat", "lon")
USER_FIELDS = ("name", "status", "last_login_at")


@dataclass(slots=True)
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def status_for(last_login: datetime | None, today: date, inactivity_days: int) -> str:
    """invited without a last login, active within the inactivity period, dormant when older."""
    if last_login is None:
        return INVITED
    return ACTIVE if (today - last_login.date()).days <= inactivity_days else DORMANT


def load_known(with_emails: bool) -> Known:
    """External ids (with their kind) of every organisation, and for org files the users' emails."""
    org_t = Organisation.__table__
    conn = db.session.connection()
    kinds = {
        ext: kind
        for ext, kind in conn.execute(
            select(org_t.c.external_id, org_t.c.kind).where(org_t.c.external_id.is_not(None))
        )
    }
    owners: dict[str, str] = {}
    if with_emails:
        user_t = User.__table__
        q = (
            select(user_t.c.email, org_t.c.external_id)
            .select_from(user_t.outerjoin(org_t, user_t.c.organisation_id == org_t.c.id))
            .where(user_t.c.email.is_not(None))
        )
        owners = {email.lower(): ext or "" for email, ext in conn.execute(q)}
    return Known(org_kinds=kinds, email_owner=owners)


def _updater(table: Table, cols: Sequence[str], bump_version: bool = False) -> Any:
    values: dict[str, Any] = {c: bindparam(f"b_{c}", type_=table.c[c].type) for c in cols}
    if bump_version:
        values["version_id"] = table.c.version_id + 1
    return table.update().where(table.c.id == bindparam("b_id")).values(values)


def _run(stmt: Any, params: list[dict[str, Any]]) -> None:
    if params:
        db.session.connection().execute(stmt, params)


def _chunks(rows: Sequence, size: int = BATCH):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


# -------------------------------------------------------------------------- organisations
def write_orgs(
    rows: Sequence[OrgRow],
    *,
    today: date,
    inactivity_days: int,
    dry_run: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> Counts:
    """Create or update organisations, their primary location and contact user."""
    org_t, loc_t, user_t = Organisation.__table__, Location.__table__, User.__table__
    conn = db.session.connection()
    kind = rows[0].kind if rows else "school"
    orgs = {
        r.external_id: r
        for r in conn.execute(
            select(org_t.c.id, org_t.c.external_id, *(org_t.c[c] for c in ORG_FIELDS)).where(
                org_t.c.kind == kind, org_t.c.external_id.is_not(None)
            )
        )
    }
    locs: dict[int, Any] = {}
    for r in conn.execute(
        select(loc_t.c.id, loc_t.c.organisation_id, *(loc_t.c[c] for c in LOC_FIELDS))
        .join(org_t, org_t.c.id == loc_t.c.organisation_id)
        .where(org_t.c.kind == kind)
        .order_by(loc_t.c.id)
    ):
        locs.setdefault(r.organisation_id, r)
    users = {
        r.email.lower(): r
        for r in conn.execute(
            select(user_t.c.id, user_t.c.email, user_t.c.organisation_id, *(user_t.c[c] for c in USER_FIELDS))
            .select_from(user_t.join(org_t, org_t.c.id == user_t.c.organisation_id))
            .where(org_t.c.kind == kind, user_t.c.email.is_not(None))
        )
    }
    org_upd = _updater(org_t, (*ORG_FIELDS, "updated_at"), bump_version=True)
    loc_upd = _updater(loc_t, LOC_FIELDS)
    user_upd = _updater(user_t, USER_FIELDS)
    counts = Counts()
    now = utcnow()
    for chunk in _chunks(rows):
        new_orgs: list[OrgRow] = []
        org_p, loc_new, loc_p, user_new, user_p = [], [], [], [], []
        for r in chunk:
            old = orgs.get(r.external_id)
            if old is None:
                new_orgs.append(r)
                continue
            changed = False
            want = {"name": r.name, "brin": r.brin, "kvk": r.kvk, "levels": r.levels, "sectors": r.sectors}
            if any(getattr(old, c) != want[c] for c in ORG_FIELDS):
                org_p.append({"b_id": old.id, "b_updated_at": now, **{f"b_{c}": v for c, v in want.items()}})
                changed = True
            loc = locs.get(old.id)
            if loc is None:
                loc_new.append(_location(r, old.id))
                changed = True
            elif _loc_changed(loc, r):
                loc_p.append({"b_id": loc.id, **{f"b_{c}": getattr(r, c) for c in LOC_FIELDS}})
                changed = True
            user = users.get(r.contact_email)
            if user is None:
                user_new.append(_user(r, old.id, today, inactivity_days, now))
                changed = True
            else:
                want_u = _user_update(user, r, today, inactivity_days)
                if want_u is not None:
                    user_p.append({"b_id": user.id, **{f"b_{c}": v for c, v in want_u.items()}})
                    changed = True
            if changed:
                counts.updated += 1
            else:
                counts.unchanged += 1
        counts.created += len(new_orgs)
        if not dry_run:
            if new_orgs:
                conn.execute(org_t.insert(), [_org(r, now) for r in new_orgs])
                ids = dict(
                    conn.execute(
                        select(org_t.c.external_id, org_t.c.id).where(
                            org_t.c.external_id.in_([r.external_id for r in new_orgs])
                        )
                    ).all()
                )
                for r in new_orgs:
                    loc_new.append(_location(r, ids[r.external_id]))
                    user_new.append(_user(r, ids[r.external_id], today, inactivity_days, now))
            _run(org_upd, org_p)
            _run(loc_t.insert(), loc_new)
            _run(loc_upd, loc_p)
            _run(user_t.insert(), user_new)
            _run(user_upd, user_p)
        if on_progress is not None:
            on_progress(len(chunk))
    return counts


def _org(r: OrgRow, now: datetime) -> dict[str, Any]:
    return {
        "kind": r.kind,
        "external_id": r.external_id,
        "name": r.name,
        "brin": r.brin,
        "kvk": r.kvk,
        "levels": r.levels,
        "sectors": r.sectors,
        "cluster_id": None,
        "cluster_pinned": False,
        "created_at": now,
        "updated_at": now,
        "version_id": 1,
    }


def _location(r: OrgRow, org_id: int) -> dict[str, Any]:
    return {
        "organisation_id": org_id,
        "name": None,
        "postcode": r.postcode,
        "city": r.city,
        "province": r.province,
        "lat": r.lat,
        "lon": r.lon,
        "precision": "pc4",
    }


def _loc_changed(loc: Any, r: OrgRow) -> bool:
    return (
        loc.postcode != r.postcode
        or loc.city != r.city
        or loc.province != r.province
        or abs(loc.lat - r.lat) > 1e-9
        or abs(loc.lon - r.lon) > 1e-9
    )


def _user(r: OrgRow, org_id: int, today: date, days: int, now: datetime) -> dict[str, Any]:
    return {
        "email": r.contact_email,
        "name": r.contact_name,
        "password_hash": None,
        "role": r.kind,
        "status": status_for(r.last_login, today, days),
        "organisation_id": org_id,
        "locale": "nl",
        "notify_mode": "immediate",
        "last_login_at": r.last_login,
        "created_at": now,
        "security_stamp": 0,
    }


def _user_update(user: Any, r: OrgRow, today: date, days: int) -> dict[str, Any] | None:
    """New values for an existing contact user, or None when nothing changes.

    An empty last_login in the file leaves the user's status and last login alone; a later login
    in Loket itself wins over an older one in the file.
    """
    name = r.contact_name if r.contact_name else user.name
    last, status = user.last_login_at, user.status
    if r.last_login is not None:
        last = max(user.last_login_at, r.last_login) if user.last_login_at else r.last_login
        status = status_for(last, today, days)
    want = {"name": name, "status": status, "last_login_at": last}
    if all(getattr(user, c) == want[c] for c in USER_FIELDS):
        return None
    return want


# -------------------------------------------------------------------------- requests / offers
def write_activities(
    rows: Sequence[ActivityRow],
    *,
    dry_run: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> Counts:
    """Create or update requests (schools) or offers (companies) at the organisation's primary location."""
    kind = rows[0].kind if rows else "request"
    table = (Request if kind == "request" else Offer).__table__
    amount, km = ("pupils", "max_travel_km") if kind == "request" else ("capacity", "radius_km")
    fields = (
        "organisation_id", "location_id", "activity", "topic", "sectors", "levels", amount,
        "earliest", "latest", "modes", km,
    )  # fmt: skip
    if any(r.description is not None for r in rows):  # the file has the optional column
        fields = (*fields, "description")
    org_t, loc_t = Organisation.__table__, Location.__table__
    conn = db.session.connection()
    org_ids = dict(
        conn.execute(select(org_t.c.external_id, org_t.c.id).where(org_t.c.external_id.is_not(None))).all()
    )
    primary = dict(
        conn.execute(
            select(loc_t.c.organisation_id, func.min(loc_t.c.id)).group_by(loc_t.c.organisation_id)
        ).all()
    )
    existing = {
        r.external_id: r
        for r in conn.execute(
            select(table.c.id, table.c.external_id, *(table.c[c] for c in fields)).where(
                table.c.external_id.is_not(None)
            )
        )
    }
    upd = _updater(table, (*fields, "updated_at"), bump_version=True)
    counts = Counts()
    now = utcnow()
    for chunk in _chunks(rows):
        new, changed = [], []
        for r in chunk:
            org_id = org_ids[r.org_external_id]
            want = {
                "organisation_id": org_id,
                "location_id": primary.get(org_id),
                "activity": r.activity,
                "topic": r.topic,
                "sectors": r.sectors,
                "levels": r.levels,
                amount: r.amount,
                "earliest": r.earliest,
                "latest": r.latest,
                "modes": r.modes,
                km: r.distance_km,
            }
            if "description" in fields:
                want["description"] = r.description or ""
            old = existing.get(r.external_id)
            if old is None:
                new.append(
                    {
                        "external_id": r.external_id,
                        "created_by_id": None,
                        "status": "open",
                        "created_at": now,
                        "updated_at": now,
                        "version_id": 1,
                        **({"capacity_used": 0} if kind == "offer" else {}),
                        **want,
                    }
                )
            elif any(getattr(old, c) != want[c] for c in fields):
                changed.append(
                    {"b_id": old.id, "b_updated_at": now, **{f"b_{c}": v for c, v in want.items()}}
                )
            else:
                counts.unchanged += 1
        counts.created += len(new)
        counts.updated += len(changed)
        if not dry_run:
            _run(table.insert(), new)
            _run(upd, changed)
        if on_progress is not None:
            on_progress(len(chunk))
    return counts
