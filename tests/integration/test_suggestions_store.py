"""Stored suggestions: after each change made through the services and committed at the app's
boundary, the stored lists equal what a full rebuild (`loket match --refresh`) stores on the same
data, row for row (rank, score, breakdown, reasons, distance, mode). K is small here (3) so that
lists are full and both ways of upkeep are used: patching a list in place, and recomputing it."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.models import Match, Offer, Organisation, Request, StoredSuggestion, SuggestionState
from loket.services import matches as match_service
from loket.services.activities import offers as offer_service
from loket.services.activities import requests as request_service
from loket.services.activities.offers import OfferData
from loket.services.activities.requests import RequestData
from loket.services.matching import staleness_seconds, weight_sets
from tests.factories import commit

K = 3
CITIES = ["Zwolle", "Kampen", "Deventer", "Zwolle", "Utrecht", "Amsterdam", "Zwolle", "Kampen"]
ACTS = ["gastles", "gastles", "workshop", "rolmodel", "online_gastles", "bedrijfsbezoek", "meeloopdag"]
LEVELS = [["havo"], ["vwo"], ["havo", "vwo"], ["vmbo"], ["vmbo", "havo"]]
MODES = [["at_school"], ["at_company"], ["at_school", "online"], ["online"], ["at_school", "at_company"]]
TOPICS = ["zonne-energie", "windmolens bouwen", "robotica", "programmeren", "waterstof", "bruggen"]


@pytest.fixture
def small_k(app):
    old = app.config.get("LOKET_SUGGESTIONS_TOP")
    app.config["LOKET_SUGGESTIONS_TOP"] = K
    yield K
    app.config["LOKET_SUGGESTIONS_TOP"] = old


def build_world(make, seed: int = 7):
    """Schools and companies in a few places with varied requests and offers; a manager (admin)."""
    rng = random.Random(seed)
    today = date.today()
    w = type("World", (), {})()
    w.admin = make.admin(email="admin@loket.test")
    w.schools, w.companies, w.teachers, w.hr = [], [], {}, {}
    for i, city in enumerate(CITIES):
        school = make.school(name=f"School {i} {city}", place=city, levels=("havo", "vwo", "vmbo"))
        w.teachers[school.id] = make.user(school, email=f"school{i}@example.test")
        w.schools.append(school)
        for j in range(2):
            start = today + timedelta(days=rng.randint(5, 40))
            make.request(
                school,
                activity=rng.choice(ACTS),
                topic=rng.choice(TOPICS),
                sectors=[rng.choice(["energie", "hightech", "chemie"])],
                levels=rng.choice(LEVELS),
                earliest=start,
                latest=start + timedelta(days=rng.randint(20, 90)),
                modes=rng.choice(MODES),
                max_travel_km=float(rng.choice([15, 30, 60])),
                external_id=f"R-{i}-{j}",
            )
    for i, city in enumerate(CITIES + ["Deventer", "Utrecht"]):
        company = make.company(
            name=f"Bedrijf {i} {city}", place=city, sectors=(rng.choice(["energie", "hightech"]),)
        )
        w.hr[company.id] = make.user(company, email=f"bedrijf{i}@example.test")
        w.companies.append(company)
        for j in range(2):
            start = today + timedelta(days=rng.randint(0, 30))
            make.offer(
                company,
                activity=rng.choice(ACTS),
                topic=rng.choice(TOPICS),
                sectors=[rng.choice(["energie", "hightech", "chemie"])],
                levels=rng.choice(LEVELS),
                capacity=rng.randint(1, 3),
                earliest=start,
                latest=start + timedelta(days=rng.randint(30, 150)),
                modes=rng.choice(MODES),
                radius_km=float(rng.choice([20, 40, 80])),
                external_id=f"O-{i}-{j}",
            )
    commit()
    return w


def stored() -> list[tuple]:
    """Every stored row as comparable values (floats exact), in a fixed order."""
    rows = db.session.execute(
        select(
            StoredSuggestion.side,
            StoredSuggestion.request_id,
            StoredSuggestion.offer_id,
            StoredSuggestion.rank,
            StoredSuggestion.score,
            StoredSuggestion.breakdown,
            StoredSuggestion.reasons,
            StoredSuggestion.distance_km,
            StoredSuggestion.mode,
            StoredSuggestion.weights_version,
        )
    ).all()
    return sorted(
        (r[0], r[1], r[2], r[3], r[4], json.dumps(r[5], sort_keys=True), tuple(r[6]), r[7], r[8], r[9])
        for r in rows
    )


def rebuilt(runner) -> list[tuple]:
    result = runner.invoke(args=["match", "--refresh", "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert json.loads(result.stdout)["staleness_seconds"] == 0
    return stored()


def assert_same_as_rebuild(runner) -> list[tuple]:
    db.session.expire_all()
    assert staleness_seconds() == 0.0, "a change is still waiting"
    incremental = stored()
    full = rebuilt(runner)
    assert incremental == full
    return full


def list_of(side: str, owner: int) -> list[int]:
    col, other = (
        (StoredSuggestion.request_id, StoredSuggestion.offer_id)
        if side == "request"
        else (StoredSuggestion.offer_id, StoredSuggestion.request_id)
    )
    return list(
        db.session.scalars(
            select(other).where(StoredSuggestion.side == side, col == owner).order_by(StoredSuggestion.rank)
        )
    )


def most_suggested_offer() -> Offer:
    offer_id, _ = db.session.execute(
        select(StoredSuggestion.offer_id, func.count())
        .where(StoredSuggestion.side == "request")
        .group_by(StoredSuggestion.offer_id)
        .order_by(func.count().desc(), StoredSuggestion.offer_id)
    ).first()
    return db.session.get(Offer, offer_id)


# --------------------------------------------------------------------------- the scenarios
def test_built_up_row_by_row_equals_a_rebuild(small_k, make, runner):
    build_world(make)
    rows = assert_same_as_rebuild(runner)
    assert len(rows) > 40
    full_lists = db.session.execute(
        select(StoredSuggestion.request_id)
        .where(StoredSuggestion.side == "request")
        .group_by(StoredSuggestion.request_id)
        .having(func.count() == K)
    ).all()
    assert len(full_lists) >= 4  # the scenarios below meet full lists


def test_new_offer_reaches_the_fitting_requests(small_k, make, runner):
    w = build_world(make)
    before = rebuilt(runner)
    company = w.companies[0]  # in Zwolle
    offer = offer_service.publish_offer(
        w.hr[company.id],
        OfferData(
            activity="gastles",
            sectors=["energie", "hightech", "chemie"],
            levels=["havo", "vwo", "vmbo"],
            capacity=5,
            earliest=date.today(),
            latest=date.today() + timedelta(days=200),
            modes=["at_school", "at_company", "online"],
            radius_km=80,
            topic="zonne-energie",
        ),
    )
    commit()
    after = assert_same_as_rebuild(runner)
    assert after != before
    in_lists = [r for r in after if r[0] == "request" and r[2] == offer.id]
    assert len(in_lists) >= 3, "the new offer is among the best offers of several requests"
    assert list_of("offer", offer.id), "and has requests in reach of its own"


def test_paused_offer_leaves_every_list(small_k, make, runner):
    w = build_world(make)
    rebuilt(runner)
    offer = most_suggested_offer()
    assert len([r for r in stored() if r[0] == "request" and r[2] == offer.id]) >= 2
    offer_service.pause_offer(w.hr[offer.organisation_id], offer.id)
    commit()
    after = assert_same_as_rebuild(runner)
    assert not [r for r in after if r[2] == offer.id]


def test_capacity_reached_through_approvals(small_k, make, runner):
    w = build_world(make)
    rebuilt(runner)
    offer = most_suggested_offer()
    takers = list_of("offer", offer.id)
    assert len(takers) >= offer.capacity
    for request_id in takers[: offer.capacity]:
        req = db.session.get(Request, request_id)
        match = match_service.propose(w.teachers[req.organisation_id], req.id, offer.id, source="school")
        commit()
        match_service.approve(w.admin, match.id)
        commit()
        assert_same_as_rebuild(runner)
    db.session.refresh(offer)
    assert offer.capacity_left == 0
    assert not [r for r in stored() if r[2] == offer.id]


def test_organisation_gone_dormant_and_back(small_k, make, runner):
    build_world(make)
    rebuilt(runner)
    offer = most_suggested_offer()
    company = offer.organisation
    for user in company.users:
        user.status = "dormant"
    commit()
    after = assert_same_as_rebuild(runner)
    gone = set(db.session.scalars(select(Offer.id).where(Offer.organisation_id == company.id)))
    assert not [r for r in after if r[2] in gone]
    for user in company.users:
        user.status = "active"
    commit()
    back = assert_same_as_rebuild(runner)
    assert [r for r in back if r[2] == offer.id]


def test_request_edited_paused_resumed_cancelled(small_k, make, runner):
    w = build_world(make)
    rebuilt(runner)
    req = db.session.scalars(select(Request).where(Request.external_id == "R-0-0")).one()
    teacher = w.teachers[req.organisation_id]
    data = RequestData(
        activity="gastles",
        sectors=["energie"],
        levels=["havo", "vwo"],
        pupils=30,
        earliest=req.earliest,
        latest=req.latest + timedelta(days=60),
        modes=["at_school", "at_company", "online"],
        max_travel_km=60,
        topic="zonne-energie en windmolens",
    )
    request_service.update_request(teacher, req.id, data, version_id=req.version_id)
    commit()
    assert_same_as_rebuild(runner)
    assert list_of("request", req.id)
    request_service.pause_request(teacher, req.id)
    commit()
    assert not [r for r in assert_same_as_rebuild(runner) if r[1] == req.id]
    request_service.resume_request(teacher, req.id)
    commit()
    assert [r for r in assert_same_as_rebuild(runner) if r[1] == req.id]
    request_service.cancel_request(teacher, req.id, reason="Gaat niet door")
    commit()
    assert not [r for r in assert_same_as_rebuild(runner) if r[1] == req.id]


def test_rejected_pair_is_never_suggested_again(small_k, make, runner):
    w = build_world(make)
    rebuilt(runner)
    offer = most_suggested_offer()
    request_id = list_of("offer", offer.id)[0]
    req = db.session.get(Request, request_id)
    match = match_service.propose(w.teachers[req.organisation_id], req.id, offer.id, source="school")
    commit()
    match_service.reject(w.admin, match.id, "Past niet")
    commit()
    after = assert_same_as_rebuild(runner)
    assert not [r for r in after if (r[1], r[2]) == (req.id, offer.id)]


def test_a_cluster_weight_set_scores_its_requests_on_both_sides(small_k, make, runner):
    """A cluster's own weights score its requests (in their lists and in the offers' lists, mixed
    with requests scored nationally); storing, a change meanwhile and undoing all equal a rebuild."""
    w = build_world(make)
    cluster = make.cluster(
        "Cluster IJssel", members=[s for s in w.schools if s.name.endswith(("Zwolle", "Kampen"))]
    )
    commit()
    national = rebuilt(runner)
    own = {
        "distance": 0.1,
        "sector": 0.1,
        "topic": 0.5,
        "activity": 0.1,
        "level": 0.08,
        "date": 0.02,
        "equity": 0.1,
    }
    ws = weight_sets.store(own, {}, w.admin, cluster_id=cluster.id)
    commit()
    rows = assert_same_as_rebuild(runner)
    in_cluster = set(
        db.session.scalars(
            select(Request.id).join(Request.organisation).where(Organisation.cluster_id == cluster.id)
        )
    )
    assert {r[9] for r in rows if r[1] in in_cluster} == {ws.version}
    assert ws.version not in {r[9] for r in rows if r[1] not in in_cluster}
    assert [r for r in rows if r[1] not in in_cluster] == [r for r in national if r[1] not in in_cluster]
    assert [r[:5] for r in rows if r[1] in in_cluster] != [r[:5] for r in national if r[1] in in_cluster]
    mixed = {r[2] for r in rows if r[0] == "offer" and r[9] == ws.version} & {
        r[2] for r in rows if r[0] == "offer" and r[9] != ws.version
    }
    assert mixed, "some offer lists hold requests scored both ways"
    offer = most_suggested_offer()
    offer_service.pause_offer(w.hr[offer.organisation_id], offer.id)
    commit()
    assert_same_as_rebuild(runner)
    weight_sets.undo(w.admin, ws.id)
    commit()
    assert ws.version not in {r[9] for r in assert_same_as_rebuild(runner)}


# --------------------------------------------------------------------------- freshness
def test_marks_left_behind_are_picked_up_by_refresh_dirty(small_k, make, runner):
    """A commit whose after-commit work never ran (a killed worker) leaves dirty marks: the
    staleness shows it, and `loket match --refresh --dirty` works them in."""
    w = build_world(make)
    rebuilt(runner)
    offer = most_suggested_offer()
    offer.topic = "iets heel anders"
    offer.status = "paused"
    db.session.commit()  # no refresh_after_commit(): the process "died" here
    db.session.info.clear()
    marked = db.session.get(SuggestionState, ("offer", offer.id))
    assert marked.dirty_since is not None and staleness_seconds() >= 0.0
    assert [r for r in stored() if r[2] == offer.id]  # still the old lists
    result = runner.invoke(args=["match", "--refresh", "--dirty", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["offers"] == 1
    assert_same_as_rebuild(runner)
    assert not [r for r in stored() if r[2] == offer.id]
    assert w.admin.id


def test_a_rolled_back_change_marks_nothing(small_k, make, runner):
    build_world(make)
    rebuilt(runner)
    offer = most_suggested_offer()
    offer.status = "paused"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(SuggestionState.dirty_since.is_not(None))) == 0


def test_refresh_cli_refuses_mixed_options(runner):
    for args in (["--refresh", "--assign"], ["--refresh", "--dry-run"], ["--dirty"]):
        result = runner.invoke(args=["match", *args])
        assert result.exit_code == 2 and "--" in result.output


def test_refresh_cli_reports_progress_and_counts(make, runner):
    build_world(make)
    result = runner.invoke(args=["match", "--refresh"])
    assert result.exit_code == 0, result.output
    assert "Suggesties opnieuw berekend: 16 aanvragen" in result.stderr
    n = db.session.scalar(select(func.count()).select_from(StoredSuggestion))
    assert f"{n} regels (top 20" in result.stderr
    assert db.session.scalar(select(func.count()).select_from(Match)) == 0  # no proposals made


def test_imports_keep_the_suggestions_current(runner, tmp_path):
    """`loket import` writes in bulk (no ORM): it marks what it changed itself, and the command's
    commit brings the lists up to date, as a rebuild would."""
    from pathlib import Path

    data = Path(__file__).resolve().parents[1] / "data"
    for kind in ("schools", "companies", "requests", "offers"):
        result = runner.invoke(args=["import", kind, str(data / f"{kind}.csv"), "--today", "2025-01-10"])
        assert result.exit_code == 0, (kind, result.output)
    assert staleness_seconds() == 0.0
    rows = stored()
    assert rows, "the imported requests have suggestions"
    assert rows == rebuilt(runner)
    # a second import that changes one offer's topic updates its pairs
    changed = tmp_path / "offers.csv"
    text = (data / "offers.csv").read_text()
    changed.write_text(text.replace("Hoe werkt een warmtepomp?", "Warmtepompen en de energietransitie"))
    assert runner.invoke(args=["import", "offers", str(changed)]).exit_code == 0
    after = stored()
    assert after != rows and after == rebuilt(runner)
