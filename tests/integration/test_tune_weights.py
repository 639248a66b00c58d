"""`loket tune-weights` on decided matches in the real database (simulated managers with a hidden
preference, and without one), the admin page that shows the weights and undoes a learned set."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import select

from loket.db import db
from loket.matching.types import FEATURES
from loket.models import AuditEvent, Match, WeightSet
from loket.services.matching.weights import match_config
from tests.factories import commit
from tests.integration.lifecycle_helpers import login

#: the simulated managers weigh distance twice the topic (the defaults say the opposite)
HIDDEN = {
    "distance": 0.40,
    "sector": 0.15,
    "topic": 0.20,
    "activity": 0.05,
    "level": 0.05,
    "date": 0.05,
    "equity": 0.10,
}


def decided(make, *, signal: bool, n_requests: int = 50, per_request: int = 5) -> None:
    """Matches proposed with random fits; the managers approve the best one or two by their hidden
    preference (or at random without signal) and reject the others."""
    rng = np.random.default_rng(7)
    school = make.school(place="Zwolle")
    company = make.company(place="Zwolle")
    offers = [make.offer(company) for _ in range(per_request)]
    w = np.array([HIDDEN[n] for n in FEATURES])
    for _ in range(n_requests):
        req = make.request(school)
        fits = rng.uniform(0, 1, size=(per_request, len(FEATURES)))
        util = fits @ w + rng.normal(0, 0.03, per_request)
        k = int(rng.integers(1, 3))
        good = set(np.argsort(-util)[:k].tolist()) if signal else set(rng.choice(per_request, k).tolist())
        for i, off in enumerate(offers):
            db.session.add(
                Match(
                    request_id=req.id,
                    offer_id=off.id,
                    status="approved" if i in good else "rejected",
                    score=float(fits[i] @ w),
                    fits=dict(zip(FEATURES, fits[i].round(6).tolist(), strict=True)),
                )
            )
    commit()


def tune(runner, *args: str) -> dict:
    result = runner.invoke(args=["tune-weights", "--json", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)


def test_dry_run_prints_both_weight_sets_and_their_held_out_scores(runner, make):
    decided(make, signal=True)
    doc = tune(runner, "--dry-run")
    assert doc["decisions"] == 250 and doc["groups"] == 50
    assert set(doc["current"]) == set(doc["learned"]) == set(FEATURES)
    assert doc["learned"]["distance"] > doc["learned"]["topic"]  # the hidden preference, recovered
    assert doc["learned_ndcg"] > doc["current_ndcg"] and doc["better"] is True
    assert doc["stored"] is None and db.session.scalar(select(WeightSet)) is None


def test_better_weights_are_stored_used_and_undone_by_an_admin(runner, make, client):
    decided(make, signal=True)
    doc = tune(runner)
    ws = db.session.scalars(select(WeightSet)).one()
    assert doc["stored"] == {"id": ws.id, "version": ws.version}
    assert match_config().weights["distance"] == pytest.approx(ws.weights["distance"], abs=1e-6)
    admin = make.admin()
    commit()
    login(client, admin)
    page = client.get("/beheer/gewichten").get_data(as_text=True)
    assert ws.version in page and "Terugdraaien" in page
    r = client.post(f"/beheer/gewichten/{ws.id}/terugdraaien")  # CSRF is off in the tests
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(WeightSet, ws.id).undone_at is not None
    assert match_config().weights == pytest.approx(type(match_config())().weights)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "weight_set")
    ).all()
    assert sorted(actions) == ["store_weights", "undo_weights"]


def test_decisions_without_signal_store_nothing(runner, make):
    decided(make, signal=False)
    doc = tune(runner)
    assert doc["better"] is False and doc["stored"] is None
    assert db.session.scalar(select(WeightSet)) is None


def test_too_few_decisions(runner, make):
    decided(make, signal=True, n_requests=5)
    doc = tune(runner, "--min-decisions", "200")
    assert doc["learned"] is None and "te weinig" in doc["why"]


def test_only_admins_see_the_weights_page(client, make):
    manager = make.manager()
    commit()
    login(client, manager)
    assert client.get("/beheer/gewichten").status_code == 403
