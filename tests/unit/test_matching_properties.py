"""Properties of the matching engine and the assignment, checked against independent slow code."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from loket import taxonomy
from loket.matching import Engine, OfferRecord, RequestRecord, Suggestion, assign, greedy_assign
from loket.matching.naive import feasible_modes, haversine_km, naive_score

CITIES = [(52.37, 4.90), (52.09, 5.12), (52.51, 6.09), (53.22, 6.57), (51.44, 5.48)]
ACTS = taxonomy.activities().codes
LEVELS = taxonomy.levels().codes
SECTORS = taxonomy.sectors().codes
MODES = ["at_school", "at_company", "online"]
TOPICS = ["zonne-energie", "zonnepanelen", "robotica", "programmeren in python", "kassen en tuinbouw", ""]
DAY0 = date(2025, 1, 1)

small_sets = st.lists(st.sampled_from(SECTORS), min_size=0, max_size=2, unique=True)
level_sets = st.lists(st.sampled_from(LEVELS), min_size=1, max_size=3, unique=True)
mode_sets = st.lists(st.sampled_from(MODES), min_size=1, max_size=3, unique=True)


@st.composite
def place(draw: st.DrawFn) -> tuple[float, float]:
    lat, lon = draw(st.sampled_from(CITIES))
    return (lat + draw(st.floats(-0.3, 0.3)), lon + draw(st.floats(-0.3, 0.3)))


@st.composite
def window(draw: st.DrawFn) -> tuple[date, date]:
    a = draw(st.integers(0, 200))
    return DAY0 + timedelta(a), DAY0 + timedelta(a + draw(st.integers(0, 120)))


@st.composite
def offer(draw: st.DrawFn, i: int) -> OfferRecord:
    lat, lon = draw(place())
    e, l_ = draw(window())
    cap = draw(st.integers(0, 3))
    return OfferRecord(
        id=f"O{i}",
        lat=lat,
        lon=lon,
        activity=draw(st.sampled_from(ACTS)),
        sectors=draw(small_sets),
        topic=draw(st.sampled_from(TOPICS)),
        levels=draw(level_sets),
        capacity=cap,
        capacity_left=draw(st.integers(0, cap)),
        earliest=e,
        latest=l_,
        modes=draw(mode_sets),
        radius_km=draw(st.floats(0, 150)),
        active=draw(st.booleans() | st.just(True)),
    )


@st.composite
def request(draw: st.DrawFn, i: int) -> RequestRecord:
    lat, lon = draw(place())
    e, l_ = draw(window())
    return RequestRecord(
        id=f"R{i}",
        lat=lat,
        lon=lon,
        activity=draw(st.sampled_from(ACTS)),
        sectors=draw(small_sets),
        topic=draw(st.sampled_from(TOPICS)),
        levels=draw(level_sets),
        pupils=25,
        earliest=e,
        latest=l_,
        modes=draw(mode_sets),
        max_travel_km=draw(st.floats(0, 150)),
        active=draw(st.booleans() | st.just(True)),
        activities_this_year=draw(st.integers(0, 3)),
    )


@st.composite
def world(draw: st.DrawFn) -> tuple[list[OfferRecord], list[RequestRecord], set[tuple[str, str]]]:
    n_off = draw(st.integers(1, 14))
    n_req = draw(st.integers(1, 6))
    offers = [draw(offer(i)) for i in range(n_off)]
    requests = [draw(request(i)) for i in range(n_req)]
    pairs = [(r.id, o.id) for r in requests for o in offers]
    excluded = set(draw(st.lists(st.sampled_from(pairs), max_size=4)))
    return offers, requests, excluded


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(world())
def test_suggestions_are_exactly_the_feasible_pairs(w: tuple) -> None:
    offers, requests, excluded = w
    engine = Engine(offers)
    by_id = {o.id: o for o in offers}
    got = engine.suggest_all(requests, top_k=len(offers), excluded=excluded)
    for r in requests:
        slow = {o.id for o in offers if feasible_modes(r, o) and (r.id, o.id) not in excluded}
        assert {s.offer_id for s in got[r.id]} == slow
        for s in got[r.id]:
            o = by_id[s.offer_id]
            modes = feasible_modes(r, o)
            assert s.mode in modes
            d = haversine_km(r.lat, r.lon, o.lat, o.lon)
            assert s.distance_km == pytest.approx(d)
            assert 0.0 <= s.score <= 1.0
            # the score is rounded to 0.001; without a topic asked, the topic fit is the sector fit
            assert s.score == pytest.approx(
                naive_score(r, o, d, s.mode, engine.config) + s.contributions["topic"], abs=5.1e-4
            )
            assert engine.explain(r, o.id, excluded).feasible
        top2 = engine.suggest(r, top_k=2, excluded=excluded)  # pruned path must give the same head
        assert [(s.offer_id, s.score) for s in top2] == [(s.offer_id, s.score) for s in got[r.id][:2]]
        scores = [s.score for s in got[r.id]]
        assert scores == sorted(scores, reverse=True)
        keys = [(-s.score, s.distance_km, s.starts_on, s.offer_id) for s in got[r.id]]
        assert keys == sorted(keys)  # ties: distance, then the soonest date, then the id
        assert [s.rank for s in got[r.id]] == list(range(1, len(scores) + 1))
        for o in offers:
            if o.id not in slow:
                assert engine.explain(r, o.id, excluded).failed


@SETTINGS
@given(world())
def test_deterministic_for_same_input(w: tuple) -> None:
    offers, requests, excluded = w
    a = Engine(offers).suggest_all(requests, top_k=5, excluded=excluded)
    b = Engine(list(offers)).suggest_all(requests, top_k=5, excluded=excluded)
    assert {k: [s.to_json() for s in v] for k, v in a.items()} == {
        k: [s.to_json() for s in v] for k, v in b.items()
    }


@SETTINGS
@given(world())
def test_rank_requests_agrees_with_suggest(w: tuple) -> None:
    offers, requests, excluded = w
    engine = Engine(offers)
    for o in offers[:3]:
        ranked = engine.rank_requests(o, requests, top_k=len(requests), excluded=excluded)
        forward = {
            r.id: s.score
            for r in requests
            for s in engine.suggest(r, len(offers), excluded)
            if s.offer_id == o.id
        }
        assert {s.request_id: s.score for s in ranked} == pytest.approx(forward)


def _milp_optimum(cands: dict[str, list[Suggestion]], cap: dict[str, int]) -> float:
    """Independent optimum with an integer program (HiGHS)."""
    pairs = [s for v in cands.values() for s in v if cap.get(s.offer_id, 0) > 0]
    if not pairs:
        return 0.0
    reqs = sorted({s.request_id for s in pairs})
    offs = sorted({s.offer_id for s in pairs})
    a = np.zeros((len(reqs) + len(offs), len(pairs)))
    for j, s in enumerate(pairs):
        a[reqs.index(s.request_id), j] = 1
        a[len(reqs) + offs.index(s.offer_id), j] = 1
    ub = np.array([1] * len(reqs) + [cap[o] for o in offs], dtype=float)
    res = milp(
        c=-np.array([s.score for s in pairs]),
        constraints=LinearConstraint(a, -np.inf, ub),
        integrality=np.ones(len(pairs)),
        bounds=Bounds(0, 1),
    )
    return float(-res.fun)


@st.composite
def candidate_lists(draw: st.DrawFn) -> tuple[dict[str, list[Suggestion]], dict[str, int]]:
    n_req, n_off = draw(st.integers(1, 8)), draw(st.integers(1, 5))
    cap = {f"O{j}": draw(st.integers(0, 3)) for j in range(n_off)}
    cands: dict[str, list[Suggestion]] = {}
    for i in range(n_req):
        chosen = draw(st.lists(st.integers(0, n_off - 1), unique=True, max_size=n_off))
        scores = sorted((draw(st.floats(0.01, 1.0)) for _ in chosen), reverse=True)
        cands[f"R{i}"] = [
            Suggestion(f"R{i}", f"O{j}", k + 1, sc, 1.0, "at_school")
            for k, (j, sc) in enumerate(zip(chosen, scores, strict=True))
        ]
    return cands, cap


@settings(max_examples=150, deadline=None)
@given(candidate_lists())
def test_assignment_is_optimal_feasible_and_beats_greedy(c: tuple) -> None:
    cands, cap = c
    best = assign(cands, cap)
    greedy = greedy_assign(cands, cap)
    for result in (best, greedy):
        used: dict[str, int] = {}
        for s in result.pairs:
            used[s.offer_id] = used.get(s.offer_id, 0) + 1
        assert all(used[o] <= cap[o] for o in used)  # capacity never exceeded
        assert len({s.request_id for s in result.pairs}) == len(result.pairs)  # each request at most once
        assert set(result.unmatched) == set(cands) - {s.request_id for s in result.pairs}
        assert result.total == pytest.approx(sum(s.score for s in result.pairs))
    assert best.total >= greedy.total - 1e-9
    assert best.total == pytest.approx(_milp_optimum(cands, cap), abs=1e-6)


@SETTINGS
@given(world())
def test_engine_assignment_within_capacity(w: tuple) -> None:
    offers, requests, excluded = w
    engine = Engine(offers)
    cands = engine.suggest_all(requests, top_k=5, excluded=excluded)
    cap = engine.capacities()
    best, greedy = assign(cands, cap), greedy_assign(cands, cap)
    for s in best.pairs:
        assert sum(p.offer_id == s.offer_id for p in best.pairs) <= cap[s.offer_id]
        assert (s.request_id, s.offer_id) not in excluded
    assert best.total >= greedy.total - 1e-9
