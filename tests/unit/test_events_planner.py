"""The career-day planner on hand-made events: hard constraints, preferences, reasons, re-planning, JSON."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, time

import pytest

from loket import taxonomy
from loket.events import (
    UNPLACED_REASONS,
    Assignment,
    EventInput,
    Group,
    Plan,
    Round,
    Session,
    Weights,
    compare,
    generate,
    greedy_plan,
    lp_bound,
    plan,
)

DAY = date(2025, 3, 11)
A, B, C = "digitaal_media_entertainment", "mens_gezondheid", "hightech_science"


def rnd(rid: object, k: int = 0, day: date = DAY) -> Round:
    return Round(rid, day, time(9 + k, 0), time(9 + k, 45))  # type: ignore[arg-type]


def ses(
    sid: object, company: object, world: str = A, *, levels=("havo",), seats=30, rounds=("r1",)
) -> Session:
    return Session(sid, company, (world,), tuple(levels), seats, tuple(rounds))  # type: ignore[arg-type]


def grp(gid: object, *, level="havo-3", pupils=25, rounds=("r1",), prefs=(A,), school="S1") -> Group:
    return Group(gid, school, level, pupils, tuple(rounds), tuple(prefs))  # type: ignore[arg-type]


def event(rounds, sessions, groups) -> EventInput:
    return EventInput(tuple(rounds), tuple(sessions), tuple(groups))


def violations(ev: EventInput, p: Plan) -> list[str]:
    """Every hard rule a plan breaks, checked from the input alone (independent of the planner)."""
    sessions = {s.id: s for s in ev.sessions}
    groups = {g.id: g for g in ev.groups}
    out: list[str] = []
    load: Counter = Counter()
    per_group_round: Counter = Counter()
    companies: dict[object, list[object]] = defaultdict(list)
    for a in p.assignments:
        s, g = sessions[a.session], groups[a.group]
        load[(a.session, a.round)] += g.pupils
        per_group_round[(a.group, a.round)] += 1
        companies[a.group].append(s.company_id)
        if a.round not in s.rounds:
            out.append(f"{a}: session not present in that round")
        if a.round not in g.rounds:
            out.append(f"{a}: group does not attend that round")
        if s.levels and not any(taxonomy.level_matches(g.level, lv) for lv in s.levels):
            out.append(f"{a}: level {g.level} does not fit {s.levels}")
    for (sid, rid), n in load.items():
        if n > sessions[sid].seats_per_round:
            out.append(f"session {sid} round {rid}: {n} pupils > {sessions[sid].seats_per_round} seats")
    out += [f"group {k[0]} twice in round {k[1]}" for k, n in per_group_round.items() if n > 1]
    out += [f"group {g} sees a company twice" for g, cs in companies.items() if len(cs) != len(set(cs))]
    return out


def sessions_of(p: Plan, group: object) -> dict[object, object]:
    return p.by_group().get(group, {})  # type: ignore[return-value]


# --------------------------------------------------------------------------- hard constraints
def test_seats_are_counted_in_pupils_and_never_exceeded() -> None:
    ev = event(
        [rnd("r1")],
        [ses("s1", "c1", seats=50), ses("s2", "c2", B, seats=30)],
        [grp("g1", pupils=25), grp("g2", pupils=25), grp("g3", pupils=26)],
    )
    p = plan(ev)
    assert violations(ev, p) == []
    # 76 pupils, 80 seats: two groups share the 50 seats, the third takes the 30.
    assert len(p.assignments) == 3
    assert Counter(a.session for a in p.assignments) == {"s1": 2, "s2": 1}
    assert sessions_of(p, "g3")["r1"] == "s2"  # 26 + 25 > 50


def test_levels_fit_through_the_taxonomy() -> None:
    ev = event(
        [rnd("r1")],
        [ses("vmbo", "c1", levels=("vmbo",)), ses("vwo", "c2", levels=("vwo",)), ses("all", "c3", levels=())],
        [grp("kb", level="vmbo-kb"), grp("h3", level="havo-3")],
    )
    p = plan(ev)
    assert violations(ev, p) == []
    assert sessions_of(p, "kb") == {"r1": "vmbo"}  # coarse 'vmbo' fits 'vmbo-kb'
    assert sessions_of(p, "h3") == {"r1": "all"}  # no levels listed: open to every level


def test_a_group_never_sees_the_same_company_twice() -> None:
    rounds = [rnd("r1", 0), rnd("r2", 1)]
    # Company c1 has the only sessions of the group's two favourite worlds.
    ev = event(
        rounds,
        [
            ses("a", "c1", A, rounds=("r1", "r2")),
            ses("b", "c1", B, rounds=("r1", "r2")),
            ses("z", "c2", C, rounds=("r1", "r2")),
        ],
        [grp("g", rounds=("r1", "r2"), prefs=(A, B))],
    )
    p = plan(ev)
    assert violations(ev, p) == []
    seen = sessions_of(p, "g")
    assert len(seen) == 2 and sorted(seen.values()) == ["a", "z"]


def test_each_group_gets_one_session_per_round_it_attends_and_none_in_others() -> None:
    rounds = [rnd("r1", 0), rnd("r2", 1), rnd("r3", 2)]
    sessions = [ses(f"s{k}", f"c{k}", w, rounds=("r1", "r2", "r3")) for k, w in enumerate([A, B, C])]
    ev = event(rounds, sessions, [grp("g1", rounds=("r1", "r3")), grp("g2", rounds=("r2",))])
    p = plan(ev)
    assert violations(ev, p) == []
    assert set(sessions_of(p, "g1")) == {"r1", "r3"}
    assert set(sessions_of(p, "g2")) == {"r2"}
    assert p.unplaced == []


# --------------------------------------------------------------------------- preferences and objective
def test_first_choice_when_there_is_room() -> None:
    ev = event(
        [rnd("r1")],
        [ses("b", "c1", B), ses("a", "c2", A), ses("c", "c3", C)],
        [grp("g", prefs=(A, B, C))],
    )
    assert sessions_of(plan(ev), "g") == {"r1": "a"}


def test_preferences_in_rank_order_over_the_rounds() -> None:
    rounds = [rnd("r1", 0), rnd("r2", 1)]
    all_rounds = ("r1", "r2")
    ev = event(
        rounds,
        [ses(w, f"c{w}", w, rounds=all_rounds) for w in (C, B, A)],
        [grp("g", rounds=all_rounds, prefs=(A, B, C))],
    )
    assert sorted(sessions_of(plan(ev), "g").values()) == sorted([A, B])


def test_the_scarce_first_choice_goes_where_it_counts_most() -> None:
    # One seat-limited session of world A; g1 ranks A first, g2 ranks it third.
    ev = event(
        [rnd("r1")],
        [ses("a", "c1", A, seats=25), ses("b", "c2", B, seats=60)],
        [grp("g1", prefs=(A, B)), grp("g2", prefs=(C, B, A))],
    )
    p = plan(ev)
    assert sessions_of(p, "g1") == {"r1": "a"}
    assert sessions_of(p, "g2") == {"r1": "b"}


def test_distinct_worlds_beat_a_second_session_of_a_seen_world() -> None:
    rounds = [rnd("r1", 0), rnd("r2", 1)]
    both = ("r1", "r2")
    ev = event(
        rounds,
        [ses("a1", "c1", A, rounds=both), ses("a2", "c2", A, rounds=both), ses("b", "c3", B, rounds=both)],
        [grp("g", rounds=both, prefs=(A,))],
    )
    seen = sorted(sessions_of(plan(ev), "g").values())
    assert seen[0] in {"a1", "a2"} and seen[1] == "b"


def test_sessions_are_filled_evenly() -> None:
    ev = event(
        [rnd("r1")],
        [ses("s1", "c1", A, seats=50), ses("s2", "c2", A, seats=50)],
        [grp("g1", pupils=20), grp("g2", pupils=20)],
    )
    p = plan(ev)
    assert sorted(a.session for a in p.assignments) == ["s1", "s2"]
    assert [round(f.ratio, 3) for f in p.fill] == [0.4, 0.4]


def test_objective_follows_the_documented_weights() -> None:
    # One group of 20 in a 40-seat session of its first choice: placed, 1st preference, one world,
    # and the room filled to the round's mean fill (20 / 40 = 0.5).
    w = Weights()
    ev = event([rnd("r1")], [ses("s", "c", A, seats=40)], [grp("g", pupils=20, prefs=(A,))])
    p = plan(ev, weights=w)
    assert p.objective == pytest.approx(w.place + w.rank_score(1) + w.world + w.fill * 0.5)
    assert p.stats["score"]["preference"] == pytest.approx(w.preference[0])
    assert w.rank_score(6) == 0.0


def test_bound_is_at_least_the_objective_and_the_gap_is_reported() -> None:
    ev = generate(7, companies=8, groups=16, pupils=400)
    p = plan(ev)
    assert violations(ev, p) == []
    assert p.bound >= p.objective - 1e-6
    assert p.gap == pytest.approx((p.bound - p.objective) / p.bound)
    assert p.stats["bound_source"] in {"milp_dual_bound", "lp_relaxation"}
    relaxed = lp_bound(ev)
    assert relaxed is not None and relaxed >= p.objective - 1e-6


@pytest.mark.parametrize("strategy", ["search", "exact"])
def test_both_strategies_keep_every_rule_and_never_lose_to_greedy(strategy: str) -> None:
    ev = generate(11, companies=12, groups=30, pupils=750)
    p = plan(ev, strategy=strategy, time_limit=3.0)  # type: ignore[arg-type]
    g = greedy_plan(ev)
    assert p.stats["method"] == strategy
    assert violations(ev, p) == []
    assert p.objective >= g.objective - 1e-6
    assert p.bound >= p.objective - 1e-6
    if strategy == "search":
        assert p.stats["bound_source"] in {"lp_relaxation", "trivial"}  # trivial: LP not done in time


def test_greedy_is_visibly_worse_on_a_small_case() -> None:
    # Greedy gives g1 its first choice (the only session g2 may join); the planner sends g1 to its
    # second choice so that both groups are placed.
    ev = event(
        [rnd("r1")],
        [ses("a", "c1", A, levels=("havo", "vwo"), seats=25), ses("b", "c2", B, levels=("havo",), seats=25)],
        [grp("g1", level="havo-3", prefs=(A, B)), grp("g2", level="vwo-3", prefs=(A,))],
    )
    g = greedy_plan(ev)
    p = plan(ev)
    assert violations(ev, g) == [] and violations(ev, p) == []
    assert [(u.group, u.reason) for u in g.unplaced] == [("g2", "full")]
    assert p.unplaced == []
    assert sessions_of(p, "g1") == {"r1": "b"} and sessions_of(p, "g2") == {"r1": "a"}
    assert p.objective > g.objective


# --------------------------------------------------------------------------- reasons and bad input
def test_unplaced_group_rounds_carry_the_first_reason_that_holds() -> None:
    rounds = [rnd("r1", 0), rnd("r2", 1), rnd("r3", 2), rnd("r4", 3)]
    ev = event(
        rounds,
        [
            ses("vwo", "c1", levels=("vwo",), rounds=("r1",)),  # r1: wrong level for havo
            ses("small", "c2", seats=20, rounds=("r2",)),  # r2: too small for 25 pupils
            ses("x", "c3", seats=30, rounds=("r3", "r4")),  # r3/r4: one company, seen once
        ],
        [grp("g", rounds=("r1", "r2", "r3", "r4"))],
    )
    p = plan(ev)
    reasons = {u.round: u.reason for u in p.unplaced}
    assert reasons.pop("r1") == "no_level"
    assert reasons.pop("r2") == "too_large"
    assert list(reasons.values()) == ["company_seen"]
    assert all(u.reason in UNPLACED_REASONS for u in p.unplaced)


def test_full_and_no_session_reasons() -> None:
    ev = event(
        [rnd("r1", 0), rnd("r2", 1)],
        [ses("s", "c", seats=30, rounds=("r1",))],
        [grp("g1", rounds=("r1", "r2")), grp("g2", rounds=("r1",))],
    )
    p = plan(ev)
    got = sorted((u.group, u.round, u.reason) for u in p.unplaced)
    placed = p.assignments[0].group
    other = "g2" if placed == "g1" else "g1"
    assert ("g1", "r2", "no_session") in got
    assert (other, "r1", "full") in got


@pytest.mark.parametrize("solver", [plan, greedy_plan])
def test_inconsistent_input_is_reported_never_raised(solver) -> None:
    ev = event(
        [rnd("r1", 0), rnd("r1", 1), Round("r9", DAY, time(12), time(11))],
        [
            ses("s1", "c1", seats=30),
            ses("s1", "c2", seats=30),  # duplicate session id
            ses("s2", "c2", seats=0),  # no seats
            ses("s3", "c3", seats=30, rounds=("r1", "nope")),  # unknown round
        ],
        [
            grp("big", pupils=31),  # larger than any session
            grp("ghost", rounds=("r7",)),  # unknown round only
            grp("none", rounds=()),  # attends nothing
            grp("zero", pupils=0),  # no pupils
            grp("many", prefs=(A, B, C, "energie", "chemie", "ict")),  # six preferences
            grp("many", pupils=10),  # duplicate group id
        ],
    )
    p = solver(ev)
    issues = {(i.kind, i.id, i.code) for i in p.issues}
    assert {
        ("round", "r1", "duplicate_id"),
        ("round", "r9", "bad_time"),
        ("session", "s1", "duplicate_id"),
        ("session", "s2", "no_seats"),
        ("session", "s3", "unknown_round"),
        ("group", "big", "too_large"),
        ("group", "ghost", "unknown_round"),
        ("group", "zero", "no_pupils"),
        ("group", "many", "too_many_preferences"),
        ("group", "many", "duplicate_id"),
    } <= issues
    assert all(i.message and i.field for i in p.issues)
    unplaced = {(u.group, u.round): u.reason for u in p.unplaced}
    assert unplaced[("big", "r1")] == "too_large"
    assert unplaced[("ghost", "r7")] == "unknown_round"
    assert unplaced[("none", None)] == "not_available"
    assert unplaced[("zero", "r1")] == "invalid_group"
    assert {a.group for a in p.assignments} == {"many"}
    valid = replace(ev, groups=ev.groups[:5], sessions=(ev.sessions[0], ev.sessions[3]))
    assert violations(valid, p) == []


def test_empty_event_gives_an_empty_plan() -> None:
    p = plan(event([], [], []))
    assert p.assignments == [] and p.unplaced == [] and p.objective == 0.0 and p.bound == 0.0


# --------------------------------------------------------------------------- re-planning
def _moves(old: Plan, new: Plan, forced: set[tuple[object, object]]) -> tuple[int, int]:
    """(forced, unforced) group-rounds that changed session or lost it."""
    ch = compare(old.assignments, new.assignments)
    changed = set(ch.moved) | set(ch.dropped)
    return len(changed & forced), len(changed - forced)


def test_removing_a_session_late_moves_few_groups() -> None:
    ev = generate(5, companies=10, groups=24, pupils=600)
    first = plan(ev, time_limit=60)
    busiest = Counter(a.session for a in first.assignments).most_common(1)[0][0]
    forced = {(a.group, a.round) for a in first.assignments if a.session == busiest}
    later = replace(ev, sessions=tuple(s for s in ev.sessions if s.id != busiest))

    warm = plan(later, previous=first, time_limit=60)
    cold = plan(later, time_limit=60)
    assert violations(later, warm) == []
    n_forced, unforced = _moves(first, warm, forced)
    assert n_forced == len(forced)
    # Staying put never costs a placement, and the warm re-plan moves far fewer groups than
    # planning from scratch (others only move to make room for the displaced ones).
    assert warm.stats["placed"] == cold.stats["placed"]
    _, cold_unforced = _moves(first, cold, forced)
    assert 2 * unforced < cold_unforced
    assert warm.stats["kept"] == len(first.assignments) - n_forced - unforced


def test_adding_a_group_late_keeps_the_others_in_place() -> None:
    ev = generate(6, companies=10, groups=24, pupils=600)
    first = plan(ev, time_limit=60)
    newcomer = replace(ev.groups[0], id="late", school_id="late-school")
    later = replace(ev, groups=(*ev.groups, newcomer))
    warm = plan(later, previous=first, time_limit=60)
    cold = plan(later, time_limit=60)
    assert violations(later, warm) == []
    _, unforced = _moves(first, warm, set())
    _, cold_unforced = _moves(first, cold, set())
    assert warm.stats["placed"] == cold.stats["placed"]
    assert 2 * unforced < cold_unforced
    unplaced_late = [u.round for u in warm.unplaced if u.group == "late"]
    assert sorted([*sessions_of(warm, "late"), *unplaced_late]) == sorted(newcomer.rounds)


def test_previous_may_be_given_as_assignments() -> None:
    ev = generate(5, companies=6, groups=10, pupils=250)
    first = plan(ev)
    again = plan(ev, previous=list(first.assignments))
    assert compare(first.assignments, again.assignments).kept == len(first.assignments)
    assert again.stats["kept"] == len(first.assignments)


# --------------------------------------------------------------------------- JSON
def test_to_json_has_the_cli_shape() -> None:
    ev = event(
        [rnd(1, 0), rnd(2, 1)],
        [ses(10, 100, A, rounds=(1, 2)), ses(11, 101, B, rounds=(1,))],
        [grp(7, rounds=(1, 2), prefs=(A, B)), grp(8, rounds=(3,))],
    )
    p = plan(ev)
    js = p.to_json(42)
    assert json.loads(json.dumps(js)) == js
    assert {"event", "objective", "bound", "assignments", "unplaced"} <= set(js)
    assert js["event"] == 42
    assert js["objective"] == pytest.approx(p.objective) and js["bound"] >= js["objective"]
    assert js["gap"] == pytest.approx(p.gap, abs=1e-6)
    assert sorted((a["group"], a["round"], a["session"]) for a in js["assignments"]) == [
        (7, 1, 11),
        (7, 2, 10),
    ]
    assert all(set(a) == {"group", "round", "session"} for a in js["assignments"])
    assert js["unplaced"] == [
        {"group": 8, "round": 3, "reason": "unknown_round", "params": {}},
    ]
    assert [i["code"] for i in js["issues"]] == ["unknown_round"]


def test_assignment_and_plan_helpers() -> None:
    p = Plan(assignments=[Assignment("g", "r1", "s"), Assignment("g", "r2", "t")])
    assert p.by_group() == {"g": {"r1": "s", "r2": "t"}}
    ch = compare(
        p.assignments, [Assignment("g", "r1", "s"), Assignment("g", "r2", "u"), Assignment("h", "r1", "s")]
    )
    assert (ch.kept, ch.moved, ch.dropped, ch.added) == (1, [("g", "r2")], [], [("h", "r1")])
    assert ch.moved_groups == {"g"}


def test_the_package_imports_no_flask_and_no_orm() -> None:
    import ast
    from pathlib import Path

    import loket.events

    forbidden = (
        "flask",
        "sqlalchemy",
        "loket.models",
        "loket.services",
        "loket.web",
        "loket.db",
        "loket.extensions",
    )
    for path in Path(loket.events.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [m for m in names if m.startswith(forbidden)], path.name
