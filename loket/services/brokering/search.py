"""The broker's search: for one request its candidate offers (or for one offer with places left its
candidate requests), the feasible ones scored with reasons, the near misses with why not.

Stored suggestions come first (``loket.services.matching.suggestions``); a live search around the
owner adds what they do not hold and the near misses. The live search is bounded: one bounding box
of the widest radius (the owner's reach, at least ``LOKET_BROKER_SEARCH_KM``, plus the widening),
dates within ``LOKET_BROKER_DATE_SLACK_DAYS``, at most ``LOKET_BROKER_MAX_CANDIDATES`` rows per
query, nearest first; the engine's filters (``whynot``) decide what is feasible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from loket.db import db
from loket.geo.distance import haversine_km
from loket.matching import Engine
from loket.matching.encode import encode
from loket.matching.features import check
from loket.models import Match, Offer, Request, User
from loket.models.activities import OFF_OPEN, REQ_OPEN
from loket.services import NotFound, policies
from loket.services.brokering.whynot import Miss, misses
from loket.services.matching import cluster_weights
from loket.services.matching.candidates import activities_for, box_around, online_cond
from loket.services.matching.open_records import (
    excluded_pairs,
    offer_records,
    request_records,
    select_any_place,
)
from loket.services.matching.suggestions import requests_in_reach, suggested_offers

WIDEN_KM = (0, 10, 25, 50)


@dataclass(frozen=True)
class Widen:
    """How far the manager widens the search: extra km, compatible activities, online anywhere."""

    extra_km: int = 0
    related: bool = False
    online: bool = False


@dataclass
class Option:
    """One candidate (an offer for a request, a request for an offer)."""

    obj: Any
    score: float | None = None
    reasons: list[str] = field(default_factory=list)
    distance_km: float | None = None
    mode: str | None = None
    stored: bool = False
    misses: list[Miss] = field(default_factory=list)
    match: Match | None = None

    @property
    def feasible(self) -> bool:
        return not self.misses

    @property
    def proposable(self) -> bool:
        """Feasible and the pair has no match yet (or only a cancelled or expired one)."""
        return self.feasible and (self.match is None or self.match.status in ("cancelled", "expired"))


@dataclass
class Brokerage:
    """What the broker page shows: the owner, the candidates (best first) and the near misses."""

    owner: Any
    widen: Widen
    candidates: list[Option]
    near_misses: list[Option]
    reach_km: float
    limit: int


def _settings() -> tuple[float, int, int]:
    cfg = current_app.config
    return (
        float(cfg["LOKET_BROKER_SEARCH_KM"]),
        int(cfg["LOKET_BROKER_MAX_CANDIDATES"]),
        int(cfg["LOKET_BROKER_DATE_SLACK_DAYS"]),
    )


def _nearby(model, where: list, lat, lon, reach_km: float, online: bool, limit: int) -> list:
    """Rows of ``model`` in the box of ``reach_km`` around (lat, lon), nearest first, and (when
    ``online``) the rows that may happen online anywhere: at most ``limit`` of each."""
    rows: list = []
    box = box_around([(lat, lon, reach_km)]) if lat is not None else None
    if box is not None:
        sub = select_any_place(model, *where).subquery()
        scale = math.cos(math.radians(lat))
        dist = (sub.c.lat - lat) * (sub.c.lat - lat) + (sub.c.lon - lon) * (sub.c.lon - lon) * scale * scale
        stmt = (
            select(sub)
            .where(sub.c.lat.between(box[0], box[1]), sub.c.lon.between(box[2], box[3]))
            .order_by(dist, sub.c.id)
            .limit(limit)
        )
        rows += db.session.execute(stmt).all()
    if online:
        sub = select_any_place(model, *where, online_cond(model)).subquery()
        rows += db.session.execute(select(sub).order_by(sub.c.id).limit(limit)).all()
    return rows


def _load(model, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    stmt = (
        select(model)
        .where(model.id.in_(ids))
        .options(selectinload(model.organisation), selectinload(model.location))
    )
    return {o.id: o for o in db.session.scalars(stmt)}


def _pair_matches(col, owner_id: int) -> dict[int, Match]:
    other = Match.offer_id if col is Match.request_id else Match.request_id
    stmt = select(Match).where(col == owner_id)
    return {getattr(m, other.key): m for m in db.session.scalars(stmt)}


def _sorted(options: list[Option]) -> tuple[list[Option], list[Option]]:
    feasible = [o for o in options if o.feasible]
    stored = [o for o in feasible if o.stored]
    live = sorted((o for o in feasible if not o.stored), key=lambda o: (-(o.score or 0.0), o.obj.id))
    near = sorted(
        (o for o in options if not o.feasible),
        key=lambda o: (len(o.misses), o.distance_km if o.distance_km is not None else 1e9, o.obj.id),
    )
    return stored + live, near


def _live_option(
    row: Any, s: Any, ch: Any, d: Any, j: int, *, excluded: bool, req: Any, offer: Any,
    owner_is_request: bool, match: Match | None,
) -> Option | None:  # fmt: skip
    """Candidate ``j`` of a live search: scored by the engine (``s``), or a near miss with the filters it
    failed and by how much; None when it is neither (feasible but outside the engine's list)."""
    ok = {k: bool(v[j]) for k, v in ch.ok.items()}
    ok["excluded"] = not excluded
    dist = float(d[j]) if np.isfinite(d[j]) else None
    found: list[Miss] = []
    if s is None:
        found = misses(
            ok, req=req, offer=offer, distance_km=dist or 0.0, shared=int(ch.shared[j]),
            owner_is_request=owner_is_request,
        )  # fmt: skip
        if not found:
            return None
    return Option(
        row,
        s.score if s else None,
        list(s.reasons) if s else [],
        s.distance_km if s else dist,
        s.mode if s else None,
        False,
        found,
        match,
    )


def owner_for(user: User, kind: str, owner_id: int) -> Request | Offer:
    """The request (``kind="request"``) or offer the broker works from, if this user may (else
    NotFound / PermissionDenied)."""
    model = Request if kind == "request" else Offer
    owner = db.session.get(model, owner_id)
    if owner is None:
        raise NotFound()
    allowed = (
        policies.can_broker_request(user, owner)
        if isinstance(owner, Request)
        else policies.can_broker_offer(user, owner)
    )
    policies.require(allowed)
    return owner


# --------------------------------------------------------------------------- a request's offers
def broker_request(
    user: User, request_id: int, widen: Widen = Widen(), today: date | None = None
) -> Brokerage:
    """Candidate offers for a request and the near misses, for its cluster's managers and admins."""
    req = owner_for(user, "request", request_id)
    base_km, limit, slack = _settings()
    today = today or date.today()
    (row,) = db.session.execute(select_any_place(Request, Request.id == req.id)).all() or [None]
    recs = request_records([row], today).records if row is not None else []
    reach = max(req.max_travel_km or 0.0, base_km) + widen.extra_km
    if not recs or req.status != REQ_OPEN:
        return Brokerage(req, widen, [], [], reach, limit)
    rec = recs[0]
    acts = activities_for([req.activity], offers_for_requests=True) if widen.related else [req.activity]
    where = [
        Offer.status == OFF_OPEN,
        Offer.activity.in_(acts),
        Offer.earliest <= req.latest + timedelta(days=slack),
        Offer.latest >= req.earliest - timedelta(days=slack),
    ]
    online = widen.online or "online" in req.modes
    offers = offer_records(_nearby(Offer, where, rec.lat, rec.lon, reach, online, limit)).records
    matches = _pair_matches(Match.request_id, req.id)
    stored = suggested_offers(req.id, top_k=int(current_app.config["LOKET_SUGGESTIONS_TOP"]))
    options = {
        c.obj.id: Option(c.obj, c.score, c.reasons, c.distance_km, c.mode, True, [], c.match) for c in stored
    }
    rows = _load(Offer, {int(o.id) for o in offers} - set(options))
    if offers:
        engine = Engine(offers, cluster_weights.config_for_request(req))  # the request's weights
        rq = encode([rec], engine.vocab)
        d = haversine_km(rq.lat, rq.lon, engine.table.lat, engine.table.lon)
        ch = check(rq, engine.table, d, engine.vocab)
        excl = excluded_pairs(request_ids=[req.id])
        scored = {s.offer_id: s for s in engine.suggest(rec, top_k=len(offers), excluded=excl)}
        for j, o in enumerate(offers):
            oid = int(o.id)
            if oid in options or oid not in rows:
                continue
            live = _live_option(
                rows[oid], scored.get(o.id), ch, d, j, excluded=(str(req.id), o.id) in excl,
                req=rec, offer=o, owner_is_request=True, match=matches.get(oid),
            )  # fmt: skip
            if live is not None:
                options[oid] = live
    for oid, opt in options.items():
        opt.match = matches.get(oid, opt.match)
    cands, near = _sorted(list(options.values()))
    return Brokerage(req, widen, cands, near[:limit], reach, limit)


# --------------------------------------------------------------------------- an offer's requests
def broker_offer(user: User, offer_id: int, widen: Widen = Widen(), today: date | None = None) -> Brokerage:
    """Requests in reach of an offer with places left and the near misses, for its cluster's managers."""
    offer = owner_for(user, "offer", offer_id)
    base_km, limit, slack = _settings()
    today = today or date.today()
    (row,) = db.session.execute(select_any_place(Offer, Offer.id == offer.id)).all() or [None]
    recs = offer_records([row]).records if row is not None else []
    reach = max(offer.radius_km or 0.0, base_km) + widen.extra_km
    if not recs or offer.status != OFF_OPEN:
        return Brokerage(offer, widen, [], [], reach, limit)
    rec = recs[0]
    acts = activities_for([offer.activity], offers_for_requests=False) if widen.related else [offer.activity]
    where = [
        Request.status == REQ_OPEN,
        Request.activity.in_(acts),
        Request.earliest <= offer.latest + timedelta(days=slack),
        Request.latest >= offer.earliest - timedelta(days=slack),
    ]
    online = widen.online or "online" in offer.modes
    reqs = request_records(_nearby(Request, where, rec.lat, rec.lon, reach, online, limit), today).records
    matches = _pair_matches(Match.offer_id, offer.id)
    stored = requests_in_reach(offer.id, top_k=int(current_app.config["LOKET_SUGGESTIONS_TOP"]))
    options = {
        c.obj.id: Option(c.obj, c.score, c.reasons, c.distance_km, c.mode, True, [], c.match) for c in stored
    }
    rows = _load(Request, {int(r.id) for r in reqs} - set(options))
    if reqs:
        engine = Engine([rec])
        rt = encode(reqs, engine.vocab)
        d = haversine_km(rt.lat, rt.lon, engine.table.lat, engine.table.lon)
        ch = check(rt, engine.table, d, engine.vocab)
        excl = excluded_pairs(offer_ids=[offer.id])
        ranked = cluster_weights.rank_requests(rec, reqs, cluster_weights.load(), excl)  # each its own
        scored = {s.request_id: s for s in ranked}
        for i, r in enumerate(reqs):
            rid = int(r.id)
            if rid in options or rid not in rows:
                continue
            live = _live_option(
                rows[rid], scored.get(r.id), ch, d, i, excluded=(r.id, str(offer.id)) in excl,
                req=r, offer=rec, owner_is_request=False, match=matches.get(rid),
            )  # fmt: skip
            if live is not None:
                options[rid] = live
    for rid, opt in options.items():
        opt.match = matches.get(rid, opt.match)
    cands, near = _sorted(list(options.values()))
    return Brokerage(offer, widen, cands, near[:limit], reach, limit)
