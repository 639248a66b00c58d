"""Input records, weights and the plan of the career-day planner (plain data, no Flask, no ORM)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

#: Ids are whatever the caller uses (database ints, or strings in tests and benchmarks).
Id = int | str

#: At most this many preferences per group are used (the issue: "up to five").
MAX_PREFERENCES = 5


@dataclass(frozen=True)
class Round:
    """One time slot of the event: a group visits at most one session per round."""

    id: Id
    day: date
    start: time
    end: time


@dataclass(frozen=True)
class Session:
    """A workshop, demonstration or stand of one company.

    ``sectors`` are world/sector codes from the taxonomy; the first one is the session's *world* for
    the distinct-worlds count. ``levels`` are level codes (a coarse ``vmbo`` fits ``vmbo-kb``); an
    empty tuple means open to every level. ``seats_per_round`` counts pupils, not groups.
    """

    id: Id
    company_id: Id
    sectors: tuple[str, ...]
    levels: tuple[str, ...]
    seats_per_round: int
    rounds: tuple[Id, ...]

    @property
    def world(self) -> str:
        """The world used for the distinct-worlds count: the first sector code ('' if none)."""
        return self.sectors[0] if self.sectors else ""


@dataclass(frozen=True)
class Group:
    """A school class: it attends ``rounds`` and names up to five worlds/sectors, most wanted first."""

    id: Id
    school_id: Id
    level: str
    pupils: int
    rounds: tuple[Id, ...]
    preferences: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventInput:
    """Everything the planner needs about one event."""

    rounds: tuple[Round, ...]
    sessions: tuple[Session, ...]
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class Weights:
    """Weights of the objective (maximised); docs/EVENTS.md explains the choice.

    ``place`` per placed group-round dominates everything. ``keep`` (re-planning only) per repeated
    assignment outweighs what any single assignment can gain in preference, world and fill, so a
    late change moves as few groups as possible. ``preference[k-1]`` is earned once per group that
    sees its k-th preference; each rank outweighs the next two together. ``world`` per distinct
    world a group sees; ``fill`` per session-round filled up to its round's mean fill ratio.
    """

    place: float = 1000.0
    keep: float = 40.0
    preference: tuple[float, ...] = (24.0, 14.0, 8.0, 4.0, 2.0)
    world: float = 6.0
    fill: float = 5.0

    def rank_score(self, rank: int) -> float:
        """Score for seeing one's ``rank``-th preference (1-based); 0 beyond the listed ranks."""
        return self.preference[rank - 1] if 1 <= rank <= len(self.preference) else 0.0


@dataclass(frozen=True)
class Assignment:
    """Group ``group`` visits session ``session`` in round ``round``."""

    group: Id
    round: Id
    session: Id

    def to_json(self) -> dict[str, Any]:
        return {"group": self.group, "round": self.round, "session": self.session}


#: Codes of unplaced group-rounds, most basic first (docs/EVENTS.md lists them). The planner gives
#: only the code (and parameters, none so far); the words, in the reader's language, are made at
#: display by ``loket.event_text``.
UNPLACED_REASONS: tuple[str, ...] = (
    "invalid_group",
    "not_available",
    "unknown_round",
    "no_session",
    "no_level",
    "too_large",
    "company_seen",
    "full",
    "not_chosen",
)


@dataclass(frozen=True)
class Unplaced:
    """A group-round without a session (``round`` is None when the group attends no round at all);
    ``reason`` is a stable code of :data:`UNPLACED_REASONS`."""

    group: Id
    round: Id | None
    reason: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"group": self.group, "round": self.round, "reason": self.reason, "params": dict(self.params)}


@dataclass(frozen=True)
class Issue:
    """A problem in the input: what (``kind`` + ``id``), which ``field``, a stable ``code`` and a message."""

    kind: str
    id: Id | None
    field: str
    code: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "field": self.field,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True)
class Fill:
    """Pupils placed in one session during one round, against its seats."""

    session: Id
    round: Id
    pupils: int
    seats: int

    @property
    def ratio(self) -> float:
        return self.pupils / self.seats if self.seats else 0.0


@dataclass
class Plan:
    """The planner's answer: assignments, unplaced group-rounds with reasons, and how good it is.

    ``objective`` is the value of the objective (docs/EVENTS.md) of these assignments; ``bound`` is a
    proven upper bound on the best possible objective (the solver's dual bound, or the LP relaxation);
    ``gap = (bound - objective) / bound``. ``stats`` holds counts and solver details.
    """

    assignments: list[Assignment] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    objective: float = 0.0
    bound: float = 0.0
    gap: float = 0.0
    fill: list[Fill] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    method: str = "milp"

    def by_group(self) -> dict[Id, dict[Id, Id]]:
        """Group id -> {round id: session id}."""
        out: dict[Id, dict[Id, Id]] = {}
        for a in self.assignments:
            out.setdefault(a.group, {})[a.round] = a.session
        return out

    def fill_rates(self) -> list[float]:
        """Fill ratio of every session-round where the session is present."""
        return [f.ratio for f in self.fill]

    def to_json(self, event_id: Id) -> dict[str, Any]:
        """The shape ``loket event plan EVENT_ID --json`` prints (plus gap, status, issues, stats)."""
        return {
            "event": event_id,
            "objective": round(self.objective, 6),
            "bound": round(self.bound, 6),
            "gap": round(self.gap, 6),
            "method": self.method,
            "status": self.stats.get("status", ""),
            "assignments": [a.to_json() for a in self.assignments],
            "unplaced": [u.to_json() for u in self.unplaced],
            "issues": [i.to_json() for i in self.issues],
            "stats": {k: v for k, v in self.stats.items() if isinstance(v, int | float | str | bool)},
        }


@dataclass(frozen=True)
class Changes:
    """What a re-plan changed against a previous plan, per group-round present in both."""

    kept: int
    moved: list[tuple[Id, Id]]
    dropped: list[tuple[Id, Id]]
    added: list[tuple[Id, Id]]

    @property
    def moved_groups(self) -> set[Id]:
        """Groups with at least one group-round moved to another session or dropped."""
        return {g for g, _ in self.moved} | {g for g, _ in self.dropped}


def compare(previous: Iterable[Assignment], new: Iterable[Assignment]) -> Changes:
    """Count kept, moved (other session), dropped (now unplaced) and added group-rounds."""
    old: Mapping[tuple[Id, Id], Id] = {(a.group, a.round): a.session for a in previous}
    cur: Mapping[tuple[Id, Id], Id] = {(a.group, a.round): a.session for a in new}
    kept = sum(1 for k, s in old.items() if cur.get(k) == s)
    moved = [k for k, s in old.items() if k in cur and cur[k] != s]
    dropped = [k for k in old if k not in cur]
    added = [k for k in cur if k not in old]
    return Changes(kept=kept, moved=moved, dropped=dropped, added=added)
