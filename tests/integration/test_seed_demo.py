"""`loket seed-demo` and `loket demo-logins`: realistic data over real places, every role, demo
logins that really log in, matching demo request/offers in one region, --if-empty is a no-op."""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy import func, select

from loket import taxonomy
from loket.db import db
from loket.geo import Gazetteer
from loket.models import Cluster, Location, Offer, Organisation, Request, User
from loket.services import demo


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def seed(runner, *extra: str):
    result = runner.invoke(args=["seed-demo", "--schools", "40", "--companies", "120", "--seed", "7", *extra])
    assert result.exit_code == 0, result.stderr
    return result


def test_seed_demo_creates_every_role_and_real_places(runner):
    seed(runner)
    assert count(Organisation, Organisation.kind == "school") == 40
    assert count(Organisation, Organisation.kind == "company") == 120
    assert count(Request, Request.status == "open") == 40
    assert count(Offer, Offer.status == "open") == 120
    roles = set(db.session.scalars(select(User.role).distinct()))
    assert roles == {"school", "company", "cluster_manager", "admin"}
    statuses = {s: count(User, User.status == s) for s in ("active", "dormant", "invited")}
    assert all(n > 0 for n in statuses.values()), statuses
    dormant = db.session.scalars(select(User).where(User.status == "dormant")).all()
    assert all(u.last_login_at is not None for u in dormant)
    places = {p.name for p in Gazetteer.default().places()}
    for loc in db.session.scalars(select(Location)):
        assert loc.city in places and loc.province
        Gazetteer.default().lookup_postcode(loc.postcode)  # resolvable again
    po = count(Organisation, Organisation.kind == "school", Organisation.brin.is_not(None))
    assert po == 40  # every school has a BRIN-like code
    for off in db.session.scalars(select(Offer)):
        assert off.latest >= off.earliest and off.capacity >= 1
        taxonomy.activities().get(off.activity)


def test_demo_logins_log_in(runner, client, auth):
    seed(runner)
    result = runner.invoke(args=["demo-logins"])
    assert result.exit_code == 0
    for email in ("school@loket.demo", "bedrijf@loket.demo", "beheerder@loket.demo", "admin@loket.demo"):
        assert email in result.stdout
        resp = auth.login(email, demo.DEMO_PASSWORD)
        assert resp.status_code == 302, (email, resp.status_code)
        auth.logout()
    assert "loket-demo" in result.stdout


def test_demo_school_company_and_manager_share_a_region(runner):
    seed(runner)
    school = db.session.scalar(select(User).where(User.email == "school@loket.demo")).organisation
    company = db.session.scalar(select(User).where(User.email == "bedrijf@loket.demo")).organisation
    manager = db.session.scalar(select(User).where(User.email == "beheerder@loket.demo"))
    assert school.primary_location.city == "Zwolle" and company.primary_location.city == "Zwolle"
    assert school.cluster_id is not None
    assert {c.id for c in manager.managed_clusters} >= {school.cluster_id, company.cluster_id}
    req = db.session.scalar(select(Request).where(Request.organisation_id == school.id))
    offers = db.session.scalars(select(Offer).where(Offer.organisation_id == company.id)).all()
    assert req is not None and offers
    match = [o for o in offers if o.activity == req.activity]
    assert match
    o = match[0]
    assert set(o.sectors) & set(req.sectors)
    assert taxonomy.levels_overlap(req.levels, o.levels)
    assert set(o.modes) & set(req.modes)
    assert o.earliest <= req.latest and req.earliest <= o.latest
    assert count(Cluster) >= 1
    assert count(Organisation, Organisation.cluster_id.is_(None)) == 0


def test_if_empty_is_a_no_op_the_second_time(runner):
    seed(runner)
    before = {m.__name__: count(m) for m in (Organisation, User, Request, Offer, Cluster)}
    result = seed(runner, "--if-empty")
    assert "overgeslagen" in result.stderr
    assert {m.__name__: count(m) for m in (Organisation, User, Request, Offer, Cluster)} == before


def test_same_seed_same_data():
    def rows(seed: int):
        gen = demo.DemoGenerator(np.random.default_rng(seed), Gazetteer.default(), date(2026, 11, 1))
        return [gen.school(i) for i in range(30)] + [gen.company(i) for i in range(30)]

    assert rows(3) == rows(3)
    assert rows(3) != rows(4)
    schools = rows(3)[:30]
    assert sum(s.levels == ["po"] for s in schools) >= 15  # mostly primary schools


def test_school_year_dates():
    assert demo.school_year(date(2026, 11, 28)) == (date(2026, 8, 25), date(2027, 7, 10))
    assert demo.school_year(date(2027, 3, 1)) == (date(2026, 8, 25), date(2027, 7, 10))


def test_demo_decisions_feed_tune_weights(runner):
    """The demo has decided matches (the demo managers' taste), so `loket tune-weights --dry-run
    --json` prints both weight sets and their held-out scores, and stores nothing."""
    import json

    from loket.models import Match, WeightSet

    seed(runner)
    assert count(Match, Match.status == "approved") > 0 and count(Match, Match.status == "rejected") > 0
    assert count(Match, Match.fits.is_(None)) == 0
    result = runner.invoke(args=["tune-weights", "--dry-run", "--json", "--min-decisions", "20"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["decisions"] == count(Match) and doc["current"] and doc["learned"]
    assert doc["current_ndcg"] is not None and doc["learned_ndcg"] is not None
    assert doc["stored"] is None and count(WeightSet) == 0
    assert set(doc["bounds"]) == set(doc["current"])  # the admin's bounds, per feature
    for c in doc["clusters"]:  # each cluster with decisions: tuned (enough of them) or why not
        assert c["stored"] is None and c["why"] and c["decisions"] > 0
        if c["learned"] is not None:
            assert c["current_ndcg"] is not None and c["learned_ndcg"] is not None


def test_demo_career_day_is_planned_published_and_seen_by_each_role(runner, client, auth):
    """`make run` shows a career day: the demo manager's, planned and published, with sessions of
    the cluster's companies and groups of its schools; the public page and the manager's grid show it."""
    from loket.models import CareerEvent, EventAssignment, EventGroup, EventSession

    result = seed(runner)
    assert "loopbaandag" in result.stderr
    event = db.session.scalars(select(CareerEvent)).one()
    assert event.published and event.planned_at is not None
    assert event.registration_deadline > date.today()
    assert count(EventSession, EventSession.event_id == event.id) >= 2
    assert count(EventGroup, EventGroup.event_id == event.id) >= 1
    assert count(EventAssignment, EventAssignment.event_id == event.id) > 0
    assert not event.plan_summary.get("unplaced")
    assert client.get(f"/loopbaandagen/{event.id}").status_code == 200  # public, no login
    auth.login("beheerder@loket.demo", demo.DEMO_PASSWORD)
    grid = client.get(f"/loopbaandagen/{event.id}/beheer")
    assert grid.status_code == 200 and event.name in grid.get_data(as_text=True)
