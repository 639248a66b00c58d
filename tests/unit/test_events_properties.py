"""Hypothesis properties of the career-day planner and the greedy baseline on small random events."""

from __future__ import annotations

from collections import Counter
from datetime import date, time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loket import taxonomy
from loket.events import UNPLACED_REASONS, EventInput, Group, Plan, Round, Session, greedy_plan, plan

WORLDS = ["digitaal_media_entertainment", "mens_gezondheid", "hightech_science", "energie"]
LEVELS = ["po", "vmbo", "vmbo-kb", "vmbo-tl", "havo", "havo-3", "vwo", "vwo-4"]


@st.composite
def events(draw: st.DrawFn) -> EventInput:
    n_rounds = draw(st.integers(1, 3))
    rounds = tuple(Round(f"r{k}", date(2025, 3, 11), time(9 + k), time(9 + k, 45)) for k in range(n_rounds))
    ids = [r.id for r in rounds]
    some_rounds = st.lists(st.sampled_from(ids), min_size=0, max_size=n_rounds, unique=True).map(tuple)
    n_companies = draw(st.integers(1, 3))
    sessions = tuple(
        Session(
            f"s{k}",
            f"c{draw(st.integers(0, n_companies - 1))}",
            tuple(draw(st.lists(st.sampled_from(WORLDS), min_size=1, max_size=2, unique=True))),
            tuple(draw(st.lists(st.sampled_from(LEVELS), max_size=2, unique=True))),
            draw(st.integers(10, 60)),
            draw(some_rounds),
        )
        for k in range(draw(st.integers(0, 5)))
    )
    groups = tuple(
        Group(
            f"g{k}",
            f"school{k % 2}",
            draw(st.sampled_from(LEVELS)),
            draw(st.integers(5, 40)),
            draw(some_rounds),
            tuple(draw(st.lists(st.sampled_from(WORLDS), max_size=3, unique=True))),
        )
        for k in range(draw(st.integers(0, 6)))
    )
    return EventInput(rounds, sessions, groups)


def check_hard_rules(ev: EventInput, p: Plan) -> None:
    sessions = {s.id: s for s in ev.sessions}
    groups = {g.id: g for g in ev.groups}
    load: Counter = Counter()
    for a in p.assignments:
        s, g = sessions[a.session], groups[a.group]
        assert a.round in s.rounds and a.round in g.rounds
        assert not s.levels or any(taxonomy.level_matches(g.level, lv) for lv in s.levels)
        load[(a.session, a.round)] += g.pupils
    assert all(n <= sessions[sid].seats_per_round for (sid, _), n in load.items())
    assert max(Counter((a.group, a.round) for a in p.assignments).values(), default=0) <= 1
    seen = Counter((a.group, sessions[a.session].company_id) for a in p.assignments)
    assert max(seen.values(), default=0) <= 1
    # Every group-round is either assigned or reported unplaced with a known reason, never both.
    wanted = {(g.id, r) for g in ev.groups for r in g.rounds}
    assigned = {(a.group, a.round) for a in p.assignments}
    unplaced = {(u.group, u.round) for u in p.unplaced if u.round is not None}
    assert assigned | unplaced == wanted
    assert not assigned & unplaced
    absent = {u.group for u in p.unplaced if u.round is None}
    assert absent == {g.id for g in ev.groups if not g.rounds}
    assert all(u.reason in UNPLACED_REASONS for u in p.unplaced)


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(events())
def test_planner_keeps_the_hard_rules_and_its_bound(ev: EventInput) -> None:
    p = plan(ev, time_limit=20)
    check_hard_rules(ev, p)
    assert p.bound >= p.objective - 1e-6
    assert p.objective >= greedy_plan(ev).objective - 1e-6


@SETTINGS
@given(events())
def test_greedy_keeps_the_hard_rules(ev: EventInput) -> None:
    check_hard_rules(ev, greedy_plan(ev))


@SETTINGS
@given(events())
def test_replanning_the_same_event_keeps_every_assignment(ev: EventInput) -> None:
    first = plan(ev, time_limit=20)
    again = plan(ev, previous=first, time_limit=20)
    check_hard_rules(ev, again)
    assert {(a.group, a.round, a.session) for a in again.assignments} >= {
        (a.group, a.round, a.session) for a in first.assignments
    }
