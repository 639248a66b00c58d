"""`loket match` through the real CLI on the real database: JSON shape, dry run, no duplicates,
rejected pairs stay out, organisations without an active user are not matched, assignment."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.models import AuditEvent, Match, StoredSuggestion
from tests.factories import commit
from tests.helpers.cli import run_loket

KEYS = {"request", "offer", "rank", "score", "distance_km", "reasons"}


@pytest.fixture
def world(make):
    w = type("W", (), {})()
    w.cluster = make.cluster()
    w.school = make.school(place="Zwolle", external_id="S-ZW")
    make.user(w.school)
    w.school2 = make.school(place="Kampen", external_id="S-KA")
    make.user(w.school2)
    w.sleepy_school = make.school(place="Zwolle", external_id="S-SLAAP")
    make.user(w.sleepy_school, status="dormant")
    for org in (w.school, w.school2):
        org.cluster_id = w.cluster.id
    near = make.company(place="Zwolle", external_id="C-ZW")
    make.user(near)
    mid = make.company(place="Kampen", external_id="C-KA", sectors=("chemie",))
    make.user(mid)
    far = make.company(place="Groningen", external_id="C-GR")
    make.user(far)
    dormant = make.company(place="Zwolle", external_id="C-SLAAP")
    make.user(dormant, status="dormant")
    make.user(dormant, status="invited")
    w.req = make.request(w.school, external_id="R-1", topic="zonne-energie", max_travel_km=30)
    w.req2 = make.request(w.school2, external_id="R-2", topic="windenergie")
    w.sleepy_req = make.request(w.sleepy_school, external_id="R-SLAAP")
    w.near = make.offer(near, external_id="O-NEAR", capacity=1)
    w.mid = make.offer(mid, external_id="O-MID", topic="zonnepanelen")
    w.far = make.offer(far, external_id="O-FAR", radius_km=20, modes=["at_school"])
    w.sleepy = make.offer(dormant, external_id="O-SLAAP")
    commit()
    return w


def run(runner, *args: str, ok: bool = True):
    result = runner.invoke(args=["match", *args])
    if ok:
        assert result.exit_code == 0, (result.output, result.exception)
    return result


def doc_of(result) -> list[dict]:
    return json.loads(result.stdout)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_json_shape_and_ranking(runner, world):
    out = doc_of(run(runner, "--json", "--dry-run"))
    assert out and all(set(d) == KEYS for d in out)
    by_req: dict[str, list[dict]] = {}
    for d in out:
        by_req.setdefault(d["request"], []).append(d)
    assert set(by_req) == {"R-1", "R-2"}  # the dormant school's request is not matched
    r1 = by_req["R-1"]
    assert [d["offer"] for d in r1] == ["O-NEAR", "O-MID"]  # Groningen out of reach, dormant company left out
    assert [d["rank"] for d in r1] == [1, 2] and r1[0]["score"] >= r1[1]["score"]
    assert 0 < r1[0]["score"] <= 1 and r1[0]["distance_km"] == 0.0
    codes = {r["code"]: r["params"] for r in r1[0]["reasons"]}  # reasons as data: code + parameters
    assert codes["same_sector"] == {"sectors": ["energie"]}
    assert r1[1]["distance_km"] == pytest.approx(12.8, abs=1.0)
    assert all(d["offer"] not in ("O-SLAAP", "O-FAR") for d in out)


def test_dry_run_stores_nothing(runner, world):
    result = run(runner, "--dry-run")
    assert "R-1\tO-NEAR\t#1" in result.stdout
    assert "proefrun" in result.stderr
    assert count(Match) == 0 and count(AuditEvent) == 0


def test_stores_proposals_once(runner, world):
    first = doc_of(run(runner, "--json"))
    matches = db.session.scalars(select(Match).order_by(Match.id)).all()
    assert len(matches) == len(first) == 4
    m = next(m for m in matches if (m.request_id, m.offer_id) == (world.req.id, world.near.id))
    assert m.status == "proposed" and m.proposed_by == "engine" and m.cluster_id == world.cluster.id
    assert m.score == pytest.approx(first[0]["score"], abs=1e-3) and m.reasons == first[0]["reasons"]
    assert set(m.breakdown) == {"distance", "sector", "topic", "activity", "level", "date", "equity"}
    assert m.mode == "at_school" and m.distance_km == pytest.approx(0.0)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "match")).all()
    assert sorted(e.object_id for e in events) == sorted(m.id for m in matches)
    assert all(e.action == "propose" and e.to_state == "proposed" for e in events)
    second = run(runner, "--json")
    assert doc_of(second) == first  # same suggestions ...
    assert count(Match) == 4  # ... not stored twice
    assert "0 nieuw voorgesteld, 4 bestonden al" in second.stderr


def test_rejected_pair_is_not_proposed_again(runner, world, make):
    make.match(world.req, world.near, status="rejected", reason="past niet")
    make.match(world.req2, world.mid, status="declined", reason="geen tijd")
    commit()
    out = doc_of(run(runner, "--json"))
    pairs = {(d["request"], d["offer"]) for d in out}
    assert ("R-1", "O-NEAR") not in pairs and ("R-2", "O-MID") not in pairs
    assert ("R-1", "O-MID") in pairs
    assert count(Match) == 2 + len(out)


def test_reactivated_organisation_is_matched_again(runner, world, make):
    assert "O-SLAAP" not in {d["offer"] for d in doc_of(run(runner, "--json", "--dry-run"))}
    make.user(world.sleepy.organisation)  # someone is active again
    commit()
    assert "O-SLAAP" in {d["offer"] for d in doc_of(run(runner, "--json", "--dry-run"))}


def test_single_request_by_external_or_internal_id(runner, world):
    out = doc_of(run(runner, "--request", "R-1", "--top", "1", "--json", "--dry-run"))
    assert [(d["request"], d["offer"], d["rank"]) for d in out] == [("R-1", "O-NEAR", 1)]
    assert doc_of(run(runner, "--request", str(world.req.id), "--top", "1", "--json", "--dry-run")) == out
    bad = run(runner, "--request", "R-BESTAAT-NIET", ok=False)
    assert bad.exit_code != 0 and "Aanvraag 'R-BESTAAT-NIET' bestaat niet" in bad.output


def test_assign_respects_capacity(runner, world):
    result = run(runner, "--assign", "--json")
    out = doc_of(result)
    assert all(set(d) == KEYS for d in out)
    assert len({d["request"] for d in out}) == len(out)  # each request at most once
    assert sum(d["offer"] == "O-NEAR" for d in out) <= 1  # O-NEAR has capacity 1
    assert {d["request"] for d in out} == {"R-1", "R-2"}
    assert "Toewijzing: totaal" in result.stderr and "greedy: totaal" in result.stderr
    assert count(Match) == len(out)


def test_stored_suggestions_follow_changes(world, make):
    """What the pages read follows each committed change, without `loket match` being run."""
    from loket.services.matching import requests_in_reach, suggested_offers

    def offers_for_r1() -> list[int]:
        return [c.obj.id for c in suggested_offers(world.req.id, 10)]

    def stored_for_r1() -> list[int]:
        rows = db.session.scalars(
            select(StoredSuggestion)
            .where(StoredSuggestion.side == "request", StoredSuggestion.request_id == world.req.id)
            .order_by(StoredSuggestion.rank)
        )
        return [r.offer_id for r in rows]

    assert offers_for_r1() == stored_for_r1() == [world.near.id, world.mid.id]
    extra = make.offer(world.near.organisation, external_id="O-EXTRA", topic="zonne-energie")
    commit()
    assert extra.id in offers_for_r1() and extra.id in stored_for_r1()
    for user in world.mid.organisation.users:
        user.status = "dormant"
    commit()
    assert world.mid.id not in offers_for_r1() and world.mid.id not in stored_for_r1()
    world.near.capacity_used = world.near.capacity
    commit()
    assert world.near.id not in offers_for_r1() and world.near.id not in stored_for_r1()
    reqs = [c.obj.id for c in requests_in_reach(extra.id, 10)]
    assert reqs == [world.req.id, world.req2.id]


def test_managers_get_one_notice_per_cluster_per_run(runner, world, make, mailbox):
    from loket.models import Notification

    manager = make.manager(clusters=[world.cluster], email="beheer@example.test")
    admin = make.admin(email="admin@example.test")
    commit()
    run(runner, "--json")
    notes = db.session.scalars(select(Notification).order_by(Notification.user_id)).all()
    by_user = {n.user_id: n for n in notes}
    # are in the managed cluster: one summary notice for its manager, none per pair
    assert set(by_user) == {manager.id}
    assert by_user[manager.id].message.startswith("4 nieuwe voorstellen van de matchmaker in Cluster Zwolle")
    assert by_user[manager.id].link == f"/cluster/goedkeuren?cluster={world.cluster.id}"
    assert len(mailbox.to("beheer@example.test")) == 1 and not mailbox.to(admin.email)
    run(runner, "--json")  # nothing new: nobody is told again
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1


def _timings(result) -> dict:
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith('{"timings"')]
    assert len(lines) == 1, result.stderr
    return json.loads(lines[0])["timings"]


@pytest.mark.parametrize("extra", [("--top", "10"), ("--assign",)])
def test_timings_name_every_phase_and_leave_the_output_alone(runner, world, extra):
    plain = run(runner, "--json", "--dry-run", *extra)
    timed = run(runner, "--json", "--dry-run", "--timings", *extra)
    assert doc_of(timed) == doc_of(plain)  # stdout is the same JSON; the timings go to stderr
    if "--assign" not in extra:
        r1 = [d["offer"] for d in doc_of(timed) if d["request"] == "R-1"]
        assert r1 == ["O-NEAR", "O-MID"]  # the same suggestions as before
    phases = _timings(timed)
    expected = {"load_s", "index_s", "score_s", "write_s", "out_s", "peak_rss_mb", "workers_peak_rss_mb"}
    assert set(phases) == expected | ({"assign_s"} if "--assign" in extra else set())
    assert all(v >= 0 for v in phases.values()) and phases["peak_rss_mb"] > 0
    assert '{"timings"' not in plain.stderr


def test_real_command_runs_without_the_web_layer(app, world, make, mailbox):
    """`loket match` in a process of its own (as people and the nightly job run it) builds its app
    without the web layer (``loket.cli.NO_WEB``: no view module is imported) and still stores,
    audits and tells the managers."""
    from loket.models import Notification

    make.manager(clusters=[world.cluster], email="beheer@example.test")
    commit()
    child = run_loket(app, "match", "--json")
    assert not child.views_loaded
    pairs = {(d["request"], d["offer"]) for d in json.loads(child.stdout)}
    assert ("R-1", "O-NEAR") in pairs and not any("SLAAP" in r or "SLAAP" in o for r, o in pairs)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Match)) == len(pairs)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) >= len(pairs)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
    assert len(mailbox.to("beheer@example.test")) == 1


def test_other_commands_get_the_whole_app(app):
    """Only the commands of ``NO_WEB`` skip the web layer: ``loket routes`` lists every page."""
    child = run_loket(app, "routes")
    assert child.views_loaded
    assert "/beheer/gewichten" in child.stdout and "/loopbaandagen/" in child.stdout
