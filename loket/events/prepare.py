"""Shared by the planner and the greedy baseline: the checked input (``checks``) and every feasible
(group, session, round) candidate triple, as index arrays (``Prepared``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from loket import taxonomy
from loket.events.checks import check_groups, check_rounds, check_sessions
from loket.events.types import EventInput, Group, Id, Issue, Session, Unplaced


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


def prepare(event: EventInput) -> Prepared:
    """Check the input (issues instead of exceptions) and list every feasible (group, session, round)."""
    issues: list[Issue] = []
    pre_unplaced: list[Unplaced] = []
    rounds = check_rounds(event.rounds, issues)
    round_pos = {r.id: k for k, r in enumerate(rounds)}
    sessions = check_sessions(event.sessions, round_pos, issues)
    max_seats = max((s.seats_per_round for s in sessions if s.rounds), default=0)
    groups = check_groups(event.groups, round_pos, max_seats, issues, pre_unplaced)

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
