"""Shared by the planner and the greedy baseline: input checks, candidate triples, scoring, reasons."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from loket import taxonomy
from loket.events.types import (
    MAX_PREFERENCES,
    Assignment,
    EventInput,
    Fill,
    Group,
    Id,
    Issue,
    Plan,
    Round,
    Session,
    Unplaced,
    Weights,
)


def level_fits(level: str, session_levels: tuple[str, ...]) -> bool:
    """A group's level fits a session when the session lists no levels or one that matches (taxonomy)."""
    return not session_levels or any(taxonomy.level_matches(level, lv) for lv in session_levels)


@dataclass
class Prepared:
    """The checked input and every possible (group, session, round) triple, as index arrays.

    Candidate ``i`` is group ``cg[i]`` in session ``cs[i]`` during round ``cr[i]`` (indices into
    ``groups``, ``sessions`` and ``round_ids``); it exists only when the session is present in that
    round, the group attends it, the level fits and the group fits in the seats.
    """

    round_ids: list[Id]
    sessions: list[Session]
    groups: list[Group]
    issues: list[Issue]
    pre_unplaced: list[Unplaced]
    cg: np.ndarray
    cs: np.ndarray
    cr: np.ndarray
    #: target fill ratio per round: pupils who can come / seats present, at most 1
    target: np.ndarray
    #: per group: the preference code at each rank (1-based rank = position + 1)
    prefs: list[tuple[str, ...]]
    worlds: list[str]
    #: per candidate: bit k-1 set when its session covers the group's k-th preference
    cmask: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: per session: index of its world in ``world_codes``; per session: index of its company
    sworld: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    scompany: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    round_pos: dict[Id, int] = field(default_factory=dict)
    session_pos: dict[Id, int] = field(default_factory=dict)
    group_pos: dict[Id, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.cg.size)

    def key(self, i: int) -> tuple[Id, Id, Id]:
        """(group id, session id, round id) of candidate ``i``."""
        return (
            self.groups[int(self.cg[i])].id,
            self.sessions[int(self.cs[i])].id,
            self.round_ids[int(self.cr[i])],
        )

    def index(self) -> dict[tuple[Id, Id, Id], int]:
        """(group id, session id, round id) -> candidate index."""
        return {self.key(i): i for i in range(self.n)}

    def pref_ranks(self, gi: int, si: int) -> list[int]:
        """1-based ranks of group ``gi``'s preferences that session ``si`` covers."""
        codes = set(self.sessions[si].sectors)
        return [k + 1 for k, p in enumerate(self.prefs[gi]) if p in codes]


def _dedupe(kind: str, items: Iterable, issues: list[Issue]) -> list:
    seen: set = set()
    out = []
    for it in items:
        if it.id in seen:
            issues.append(Issue(kind, it.id, "id", "duplicate_id", f"{kind} {it.id}: dubbel id, genegeerd"))
            continue
        seen.add(it.id)
        out.append(it)
    return out


def _check_rounds(rounds: Iterable[Round], issues: list[Issue]) -> list[Round]:
    out = _dedupe("round", rounds, issues)
    for r in out:
        if not r.start < r.end:
            issues.append(
                Issue(
                    "round", r.id, "end", "bad_time", f"ronde {r.id}: eindtijd {r.end} ligt niet na {r.start}"
                )
            )
    ordered = sorted(out, key=lambda r: (r.day, r.start))
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.day == b.day and b.start < a.end:
            issues.append(
                Issue(
                    "round", b.id, "start", "overlap", f"ronde {b.id} begint voor ronde {a.id} is afgelopen"
                )
            )
    return ordered


def _check_sessions(sessions: Iterable[Session], known: dict[Id, int], issues: list[Issue]) -> list[Session]:
    out: list[Session] = []
    for s in _dedupe("session", sessions, issues):
        if s.seats_per_round <= 0:
            issues.append(
                Issue(
                    "session",
                    s.id,
                    "seats_per_round",
                    "no_seats",
                    f"sessie {s.id}: aantal plaatsen per ronde moet positief zijn ({s.seats_per_round}); "
                    "sessie niet ingepland",
                )
            )
            continue
        rounds: list[Id] = []
        for r in s.rounds:
            if r not in known:
                issues.append(
                    Issue(
                        "session", s.id, "rounds", "unknown_round", f"sessie {s.id}: ronde {r} bestaat niet"
                    )
                )
            elif r not in rounds:
                rounds.append(r)
        if not rounds:
            issues.append(
                Issue("session", s.id, "rounds", "no_rounds", f"sessie {s.id}: in geen enkele ronde")
            )
        out.append(replace(s, rounds=tuple(rounds)))
    return out


def _check_groups(
    groups: Iterable[Group],
    known: dict[Id, int],
    max_seats: int,
    issues: list[Issue],
    unplaced: list[Unplaced],
) -> list[Group]:
    out: list[Group] = []
    level_codes = set(taxonomy.levels().codes)
    for g in _dedupe("group", groups, issues):
        rounds: list[Id] = []
        for r in g.rounds:
            if r not in known:
                issues.append(
                    Issue("group", g.id, "rounds", "unknown_round", f"groep {g.id}: ronde {r} bestaat niet")
                )
                unplaced.append(Unplaced(g.id, r, "unknown_round"))
            elif r not in rounds:
                rounds.append(r)
        if g.pupils <= 0:
            issues.append(
                Issue(
                    "group",
                    g.id,
                    "pupils",
                    "no_pupils",
                    f"groep {g.id}: aantal leerlingen moet positief zijn",
                )
            )
            unplaced.extend(Unplaced(g.id, r, "invalid_group") for r in rounds)
            continue
        if not rounds:
            if not g.rounds:
                unplaced.append(Unplaced(g.id, None, "not_available"))
            continue
        if g.pupils > max_seats:
            issues.append(
                Issue(
                    "group",
                    g.id,
                    "pupils",
                    "too_large",
                    f"groep {g.id}: {g.pupils} leerlingen, meer dan de grootste sessie "
                    f"({max_seats} plaatsen)",
                )
            )
        if g.level not in level_codes:
            issues.append(
                Issue("group", g.id, "level", "unknown_level", f"groep {g.id}: onbekend niveau {g.level!r}")
            )
        prefs: list[str] = []
        for p in g.preferences:
            if p and p not in prefs:
                prefs.append(p)
        if len(prefs) > MAX_PREFERENCES:
            issues.append(
                Issue(
                    "group",
                    g.id,
                    "preferences",
                    "too_many_preferences",
                    f"groep {g.id}: {len(prefs)} voorkeuren, alleen de eerste {MAX_PREFERENCES} tellen",
                )
            )
            prefs = prefs[:MAX_PREFERENCES]
        out.append(replace(g, rounds=tuple(rounds), preferences=tuple(prefs)))
    return out


def prepare(event: EventInput) -> Prepared:
    """Check the input (issues instead of exceptions) and list every feasible (group, session, round)."""
    issues: list[Issue] = []
    pre_unplaced: list[Unplaced] = []
    rounds = _check_rounds(event.rounds, issues)
    round_pos = {r.id: k for k, r in enumerate(rounds)}
    sessions = _check_sessions(event.sessions, round_pos, issues)
    max_seats = max((s.seats_per_round for s in sessions if s.rounds), default=0)
    groups = _check_groups(event.groups, round_pos, max_seats, issues, pre_unplaced)

    fit_cache: dict[tuple[str, tuple[str, ...]], bool] = {}
    cg: list[int] = []
    cs: list[int] = []
    cr: list[int] = []
    for gi, g in enumerate(groups):
        g_rounds = {round_pos[r] for r in g.rounds}
        for si, s in enumerate(sessions):
            if s.seats_per_round < g.pupils:
                continue
            key = (g.level, s.levels)
            if key not in fit_cache:
                fit_cache[key] = level_fits(g.level, s.levels)
            if not fit_cache[key]:
                continue
            for r in s.rounds:
                ri = round_pos[r]
                if ri in g_rounds:
                    cg.append(gi)
                    cs.append(si)
                    cr.append(ri)
    cg_a = np.asarray(cg, dtype=np.int64)
    cs_a = np.asarray(cs, dtype=np.int64)
    cr_a = np.asarray(cr, dtype=np.int64)
    masks: dict[tuple[int, int], int] = {}
    for gi, si in zip(cg, cs, strict=True):
        if (gi, si) not in masks:
            codes = set(sessions[si].sectors)
            masks[(gi, si)] = sum(1 << k for k, p in enumerate(groups[gi].preferences) if p in codes)
    cmask = np.fromiter(
        (masks[(gi, si)] for gi, si in zip(cg, cs, strict=True)), dtype=np.int64, count=len(cg)
    )
    world_codes = list(dict.fromkeys(s.world for s in sessions))
    company_codes = list(dict.fromkeys(s.company_id for s in sessions))
    sworld = np.array([world_codes.index(s.world) for s in sessions], dtype=np.int64)
    scompany = np.array([company_codes.index(s.company_id) for s in sessions], dtype=np.int64)

    # Target fill per round: pupils of groups with a candidate in that round over the seats present.
    n_r = len(rounds)
    seats = np.zeros(n_r)
    for s in sessions:
        for r in s.rounds:
            seats[round_pos[r]] += s.seats_per_round
    demand = np.zeros(n_r)
    pupils = np.array([g.pupils for g in groups], dtype=float)
    if cg_a.size:
        pairs = np.unique(cg_a * max(n_r, 1) + cr_a)
        np.add.at(demand, pairs % max(n_r, 1), pupils[pairs // max(n_r, 1)])
    target = np.minimum(1.0, np.divide(demand, seats, out=np.zeros(n_r), where=seats > 0))

    return Prepared(
        round_ids=[r.id for r in rounds],
        sessions=sessions,
        groups=groups,
        issues=issues,
        pre_unplaced=pre_unplaced,
        cg=cg_a,
        cs=cs_a,
        cr=cr_a,
        target=target,
        prefs=[g.preferences for g in groups],
        worlds=[s.world for s in sessions],
        cmask=cmask,
        sworld=sworld,
        scompany=scompany,
        round_pos=round_pos,
        session_pos={s.id: k for k, s in enumerate(sessions)},
        group_pos={g.id: k for k, g in enumerate(groups)},
    )


@dataclass(frozen=True)
class Score:
    """The objective of a set of chosen candidates, term by term (each already multiplied by its weight)."""

    place: float
    preference: float
    world: float
    fill: float
    keep: float

    @property
    def total(self) -> float:
        return self.place + self.preference + self.world + self.fill + self.keep

    def to_json(self) -> dict[str, float]:
        return {
            k: round(getattr(self, k), 6) for k in ("place", "preference", "world", "fill", "keep", "total")
        }


def evaluate(
    prep: Prepared, chosen: Iterable[int], weights: Weights, keep: frozenset[int] = frozenset()
) -> Score:
    """Objective of the chosen candidate indices, computed the way the MILP counts it."""
    idx = np.unique(np.fromiter(chosen, dtype=np.int64))
    g, s, r = prep.cg[idx], prep.cs[idx], prep.cr[idx]
    n_g, n_r = len(prep.groups), max(len(prep.round_ids), 1)
    covered = np.zeros(n_g, dtype=np.int64)
    np.bitwise_or.at(covered, g, prep.cmask[idx])
    preference = sum(
        weights.rank_score(k + 1) * int(np.count_nonzero((covered >> k) & 1)) for k in range(MAX_PREFERENCES)
    )
    worlds = np.unique(g * (int(prep.sworld.max(initial=0)) + 1) + prep.sworld[s]).size
    pupils = np.array([gr.pupils for gr in prep.groups], dtype=float)
    seats = np.array([se.seats_per_round for se in prep.sessions], dtype=float)
    keys, inv = np.unique(s * n_r + r, return_inverse=True)
    load = np.bincount(inv, weights=pupils[g], minlength=keys.size)
    fill = float(np.minimum(prep.target[keys % n_r], load / seats[keys // n_r]).sum()) if keys.size else 0.0
    kept = int(np.isin(idx, np.fromiter(keep, dtype=np.int64, count=len(keep))).sum()) if keep else 0
    return Score(
        place=weights.place * idx.size,
        preference=preference,
        world=weights.world * worlds,
        fill=weights.fill * fill,
        keep=weights.keep * kept,
    )


def keep_set(prep: Prepared, previous: Iterable[Assignment] | None) -> frozenset[int]:
    """Candidate indices that repeat an assignment of the previous plan."""
    if not previous:
        return frozenset()
    index = prep.index()
    return frozenset(
        index[(a.group, a.session, a.round)] for a in previous if (a.group, a.session, a.round) in index
    )


def _reason(prep: Prepared, gi: int, ri: int, assigned: dict[int, dict[int, int]], load: dict) -> str:
    """Why group ``gi`` has no session in round ``ri`` (the first reason that holds)."""
    g = prep.groups[gi]
    present = [si for si, s in enumerate(prep.sessions) if prep.round_ids[ri] in s.rounds]
    if not present:
        return "no_session"
    fitting = [si for si in present if level_fits(g.level, prep.sessions[si].levels)]
    if not fitting:
        return "no_level"
    fitting = [si for si in fitting if prep.sessions[si].seats_per_round >= g.pupils]
    if not fitting:
        return "too_large"
    companies = {prep.sessions[si].company_id for si in assigned.get(gi, {}).values()}
    fitting = [si for si in fitting if prep.sessions[si].company_id not in companies]
    if not fitting:
        return "company_seen"
    if all(load.get((si, ri), 0) + g.pupils > prep.sessions[si].seats_per_round for si in fitting):
        return "full"
    return "not_chosen"


def finish(
    prep: Prepared,
    chosen: Iterable[int],
    weights: Weights,
    *,
    keep: frozenset[int],
    bound: float | None,
    method: str,
    stats: dict,
) -> Plan:
    """Turn chosen candidate indices into a Plan: assignments in round order, reasons, fill, figures."""
    idx = sorted(set(chosen), key=lambda i: (int(prep.cg[i]), int(prep.cr[i])))
    assigned: dict[int, dict[int, int]] = defaultdict(dict)
    load: dict[tuple[int, int], int] = defaultdict(int)
    for i in idx:
        gi, si, ri = int(prep.cg[i]), int(prep.cs[i]), int(prep.cr[i])
        assigned[gi][ri] = si
        load[(si, ri)] += prep.groups[gi].pupils
    assignments = [Assignment(*_gr(prep, i)) for i in idx]
    unplaced = list(prep.pre_unplaced)
    group_rounds = 0
    for gi, g in enumerate(prep.groups):
        for r in sorted(g.rounds, key=prep.round_pos.__getitem__):
            ri = prep.round_pos[r]
            group_rounds += 1
            if ri not in assigned.get(gi, {}):
                unplaced.append(Unplaced(g.id, r, _reason(prep, gi, ri, assigned, load)))
    fill = [
        Fill(s.id, r, load.get((si, prep.round_pos[r]), 0), s.seats_per_round)
        for si, s in enumerate(prep.sessions)
        for r in s.rounds
    ]
    score = evaluate(prep, idx, weights, keep)
    objective = score.total
    ub = max(objective, bound) if bound is not None else objective
    gap = (ub - objective) / abs(ub) if ub else 0.0
    groups_with_prefs = [gi for gi, p in enumerate(prep.prefs) if p]
    first = sum(
        1
        for gi in groups_with_prefs
        if any(1 in prep.pref_ranks(gi, si) for si in assigned.get(gi, {}).values())
    )
    worlds = [
        len({prep.worlds[si] for si in assigned.get(gi, {}).values()}) for gi in range(len(prep.groups))
    ]
    ratios = [f.ratio for f in fill]
    out_stats = {
        "groups": len(prep.groups),
        "sessions": len(prep.sessions),
        "rounds": len(prep.round_ids),
        "candidates": prep.n,
        "group_rounds": group_rounds,
        "placed": len(assignments),
        "unplaced": len(unplaced),
        "kept": len(keep.intersection(idx)),
        "first_choice_share": round(first / len(groups_with_prefs), 4) if groups_with_prefs else 0.0,
        "distinct_worlds_mean": round(float(np.mean(worlds)), 4) if worlds else 0.0,
        "fill_min": round(min(ratios), 4) if ratios else 0.0,
        "fill_mean": round(float(np.mean(ratios)), 4) if ratios else 0.0,
        "fill_max": round(max(ratios), 4) if ratios else 0.0,
        "score": score.to_json(),
    }
    out_stats.update(stats)
    return Plan(
        assignments=assignments,
        unplaced=unplaced,
        objective=objective,
        bound=ub,
        gap=gap,
        fill=fill,
        issues=list(prep.issues),
        stats=out_stats,
        method=method,
    )


def _gr(prep: Prepared, i: int) -> tuple[Id, Id, Id]:
    g, s, r = prep.key(i)
    return g, r, s
