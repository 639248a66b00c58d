"""Capacity is never overbooked: N proposals for one offer with capacity k, approved from several
threads at once (each with its own app context, session and connection) on PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from loket.db import db
from loket.models import Match, Offer, User
from loket.services import ServiceError
from loket.services import matches as svc
from tests.integration.lifecycle_helpers import build_world

N, K, THREADS = 12, 4, 6


def test_concurrent_approvals_take_exactly_capacity(app, make, backend):
    if backend != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises the whole database)")
    w = build_world(make)
    offer = make.offer(w.company, capacity=K)
    ids = [svc.propose(w.teacher, make.request(w.school).id, offer.id, source="school").id for _ in range(N)]
    db.session.commit()
    manager_id, offer_id = w.manager.id, offer.id
    barrier = threading.Barrier(THREADS)
    ok: list[int] = []
    refused: list[str] = []
    crashed: list[BaseException] = []
    lock = threading.Lock()

    def worker(chunk: list[int]) -> None:
        try:
            with app.app_context():
                manager = db.session.get(User, manager_id)
                barrier.wait(timeout=10)
                for match_id in chunk:
                    try:
                        svc.approve(manager, match_id)
                        db.session.commit()
                        with lock:
                            ok.append(match_id)
                    except ServiceError as exc:
                        db.session.rollback()
                        with lock:
                            refused.append(exc.message)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            crashed.append(exc)

    chunks = [ids[i::THREADS] for i in range(THREADS)]
    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not crashed, crashed
    assert len(ok) == K
    assert len(refused) == N - K
    assert all("geen capaciteit meer" in m for m in refused)
    db.session.expire_all()
    assert db.session.get(Offer, offer_id).capacity_used == K
    approved = db.session.query(Match).filter(Match.offer_id == offer_id, Match.status == "approved").count()
    assert approved == K
