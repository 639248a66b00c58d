"""Which stored suggestion lists a transaction made stale, and their recomputation after its commit.

In the transaction
    ``touch(requests=..., offers=..., orgs=...)`` remembers ids on ``db.session.info``. The services
    need not call it for ORM changes: a flush listener (``install``) touches whatever a flush
    changed that the engine reads: a request or offer (new, edited, paused, resumed, cancelled,
    closed), a match that moves (rejected/declined pairs, capacity and the school's activities
    this year), a user whose status or organisation changes (an organisation goes dormant or comes
    back), a location that moves. Bulk SQL (capacity updates, imports) calls ``touch`` itself.
    Just before the commit the touched owners get a dirty mark (``suggestion_state``) in the same
    transaction, so a crash between commit and recomputation loses nothing.
After the commit
    ``refresh_after_commit()`` (called by the web's after-request commit and the CLI's
    ``@transactional``, like ``deliver_after_commit`` for mail) queues one RQ job with the ids when
    LOKET_REDIS_URL is set (``loket worker`` runs it), or runs ``incremental.process`` inline: one
    request or offer takes milliseconds. More than LOKET_SUGGESTIONS_FULL_AFTER owners in one
    transaction (a big import) turn into one full rebuild instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from loket.db import db, utcnow
from loket.models import Location, Match, Offer, Request, User
from loket.models.activities import OFF_OPEN, REQ_OPEN
from loket.models.matches import CAPACITY_HOLDING_STATES, DECLINED, REJECTED
from loket.models.suggestions import EVERYTHING, FOR_OFFER, FOR_REQUEST, SuggestionState
from loket.services.matching.open_records import chunks
from loket.services.matching.state import upsert_state

log = logging.getLogger(__name__)
PENDING = "loket_suggestions_pending"  # touched in the running transaction
COMMITTING = "loket_suggestions_committing"  # marked, waiting for the commit to succeed
READY = "loket_suggestions_ready"  # committed, waiting for refresh_after_commit()
JOB_TIMEOUT_S = 3600

#: columns whose change alters a request's or offer's pairs
REQUEST_FIELDS = (
    "activity", "topic", "sectors", "levels", "pupils", "earliest", "latest", "modes",
    "max_travel_km", "status", "location_id", "organisation_id",
)  # fmt: skip
OFFER_FIELDS = (
    "activity", "topic", "sectors", "levels", "capacity", "capacity_used", "earliest", "latest",
    "modes", "radius_km", "status", "location_id", "organisation_id",
)  # fmt: skip


@dataclass
class Dirty:
    """Ids whose suggestion lists are stale: requests, offers, organisations (all their open
    requests and offers), requests whose school's other requests change too (equity term)."""

    requests: set[int] = field(default_factory=set)
    offers: set[int] = field(default_factory=set)
    orgs: set[int] = field(default_factory=set)
    schools_of: set[int] = field(default_factory=set)
    everything: bool = False

    def __bool__(self) -> bool:
        return bool(self.requests or self.offers or self.orgs or self.schools_of or self.everything)

    def merge(self, other: Dirty) -> Dirty:
        self.requests |= other.requests
        self.offers |= other.offers
        self.orgs |= other.orgs
        self.schools_of |= other.schools_of
        self.everything = self.everything or other.everything
        return self

    def as_job(self) -> dict[str, Any]:
        return {
            "request_ids": sorted(self.requests),
            "offer_ids": sorted(self.offers),
            "everything": self.everything,
        }


def _bag(session: Session, key: str) -> Dirty:
    bag = session.info.get(key)
    if bag is None:
        bag = session.info[key] = Dirty()
    return bag


def touch(
    *,
    requests: Any = (),
    offers: Any = (),
    orgs: Any = (),
    everything: bool = False,
    session: Session | None = None,
) -> None:
    """Mark the lists of these requests, offers, organisations (or all lists) stale in this transaction."""
    s = session if session is not None else db.session()
    bag = _bag(s, PENDING)
    bag.requests.update(int(i) for i in requests if i is not None)
    bag.offers.update(int(i) for i in offers if i is not None)
    bag.orgs.update(int(i) for i in orgs if i is not None)
    bag.everything = bag.everything or everything


# --------------------------------------------------------------------------- the flush listener
def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[n].history.has_changes() for n in names)


def _old_and_new(obj: Any, name: str) -> set[int]:
    hist = inspect(obj).attrs[name].history
    return {int(v) for v in (*hist.added, *hist.deleted, *hist.unchanged) if v is not None}


def _after_flush(session: Session, flush_context: Any) -> None:
    bag = _bag(session, PENDING)
    for obj in session.new:
        _new_or_gone(bag, obj)
    for obj in session.deleted:
        _new_or_gone(bag, obj)
    for obj in session.dirty:
        if isinstance(obj, Request) and _changed(obj, REQUEST_FIELDS):
            bag.requests.add(obj.id)
        elif isinstance(obj, Offer) and _changed(obj, OFFER_FIELDS):
            bag.offers.add(obj.id)
        elif isinstance(obj, Match) and _changed(obj, ("status",)):
            hist = inspect(obj).attrs.status.history
            before = set(hist.deleted) or set(hist.unchanged)
            after = set(hist.added) or set(hist.unchanged)
            _match(bag, obj, before, after)
        elif isinstance(obj, (User, Location)):
            names = (
                ("status", "organisation_id") if isinstance(obj, User) else ("lat", "lon", "organisation_id")
            )
            if _changed(obj, names):
                bag.orgs |= _old_and_new(obj, "organisation_id")


def _new_or_gone(bag: Dirty, obj: Any) -> None:
    if isinstance(obj, Request):
        bag.requests.add(obj.id)
    elif isinstance(obj, Offer):
        bag.offers.add(obj.id)
    elif isinstance(obj, Match):
        _match(bag, obj, set(), {obj.status})
    elif isinstance(obj, (User, Location)) and obj.organisation_id is not None:
        bag.orgs.add(obj.organisation_id)


def _match(bag: Dirty, m: Match, before: set, after: set) -> None:
    """A match's status matters for the pair (rejected/declined pairs are excluded), the offer's
    capacity and the school's activities this year (both through capacity-holding states)."""
    holding = set(CAPACITY_HOLDING_STATES)
    shut = {REJECTED, DECLINED}
    if bool(before & holding) != bool(after & holding):
        bag.schools_of.add(m.request_id)
    elif not ((before | after) & (holding | shut)):
        return  # proposed <-> cancelled / expired: the pair's suggestion stays as it is
    bag.requests.add(m.request_id)
    bag.offers.add(m.offer_id)


# --------------------------------------------------------------------------- marks in the transaction
def _full_after() -> int:
    return int(current_app.config["LOKET_SUGGESTIONS_FULL_AFTER"])


def _expand(session: Session, bag: Dirty) -> Dirty:
    """Organisations and schools -> their open requests and offers (queried in this transaction)."""
    out = Dirty(set(bag.requests), set(bag.offers), everything=bag.everything)
    schools: set[int] = set()
    for part in chunks(bag.schools_of):
        schools |= set(session.scalars(select(Request.organisation_id).where(Request.id.in_(part))))
    for part in chunks(bag.orgs | schools):
        out.requests |= set(
            session.scalars(
                select(Request.id).where(Request.organisation_id.in_(part), Request.status == REQ_OPEN)
            )
        )
    for part in chunks(bag.orgs):
        out.offers |= set(
            session.scalars(select(Offer.id).where(Offer.organisation_id.in_(part), Offer.status == OFF_OPEN))
        )
    if len(out.requests) + len(out.offers) > _full_after():
        return Dirty(everything=True)
    return out


def _mark(session: Session, dirty: Dirty) -> None:
    """Dirty marks for the touched lists, written in the transaction that changed them."""
    now = utcnow()
    keys = [(FOR_REQUEST, i) for i in sorted(dirty.requests)] + [(FOR_OFFER, i) for i in sorted(dirty.offers)]
    if dirty.everything:
        keys = [(EVERYTHING, 0)]
    t = SuggestionState.__table__
    upsert_state(
        [{"side": s, "owner_id": i, "dirty_since": now, "touched_at": now, "touches": 1} for s, i in keys],
        {
            "dirty_since": func.coalesce(t.c.dirty_since, now),
            "touched_at": lambda stmt: stmt.excluded.touched_at,
            "touches": t.c.touches + 1,
        },
    )


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()  # let the flush listener see the last changes
    bag = session.info.pop(PENDING, None)
    if not bag:
        return
    dirty = _expand(session, bag)
    if dirty:
        _mark(session, dirty)
        _bag(session, COMMITTING).merge(dirty)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    committed = session.info.pop(COMMITTING, None)
    if committed:
        _bag(session, READY).merge(committed)


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the whole transaction is gone, and its changes with it
        session.info.pop(PENDING, None)
        session.info.pop(COMMITTING, None)


def install() -> None:
    """Listen on the app's sessions (idempotent; called by ``create_app``)."""
    target = db.session
    for name, fn in (
        ("after_flush", _after_flush),
        ("before_commit", _before_commit),
        ("after_commit", _after_commit),
        ("after_soft_rollback", _after_soft_rollback),
    ):
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)


# --------------------------------------------------------------------------- after the commit
def take_ready(session: Session | None = None) -> Dirty:
    """The committed, not yet handled changes of this session (and forget them)."""
    s = session if session is not None else db.session()
    return s.info.pop(READY, None) or Dirty()


def enqueue(dirty: Dirty) -> str:
    """Queue one RQ job with the ids (queue LOKET_RQ_QUEUE); returns the job id."""
    from redis import Redis
    from rq import Queue

    app = current_app
    queue = Queue(app.config["LOKET_RQ_QUEUE"], connection=Redis.from_url(app.config["LOKET_REDIS_URL"]))
    job = queue.enqueue(
        "loket.services.matching.refresh.run_job", kwargs=dirty.as_job(), job_timeout=JOB_TIMEOUT_S
    )
    return job.id


def refresh_after_commit() -> dict[str, Any] | None:
    """Called right after a request/CLI commit: get the lists it made stale recomputed, in the RQ
    worker when Redis is configured (inline when queueing fails), else here and now. Never raises:
    what fails stays marked dirty for ``loket match --refresh --dirty`` (or the nightly rebuild)."""
    dirty = take_ready()
    if not dirty:
        return None
    if current_app.config["LOKET_REDIS_URL"]:
        try:
            return {"queued": enqueue(dirty)}
        except Exception:  # noqa: BLE001 - Redis away: do the work here instead
            log.warning("suggesties: wachtrij niet bereikbaar, nu zelf bijwerken", exc_info=True)
    from loket.services.matching.incremental import process
    from loket.services.matching.rebuild import refresh_all

    try:
        if dirty.everything:
            return {"full": refresh_all()}
        return process(dirty.requests, dirty.offers)
    except Exception:  # noqa: BLE001 - never break the page after its commit
        log.exception("suggesties: bijwerken na commit mislukt (blijft gemarkeerd)")
        db.session.rollback()
        return None
