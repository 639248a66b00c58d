"""Input checks for a career day: duplicate ids, rounds that do not exist or overlap, sessions
without seats or rounds, groups without pupils, too large, of an unknown level or with too many
preferences. Problems become ``Issue`` records (and unplaced group-rounds), never exceptions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from loket import taxonomy
from loket.events.types import MAX_PREFERENCES, Group, Id, Issue, Round, Session, Unplaced


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


def check_rounds(rounds: Iterable[Round], issues: list[Issue]) -> list[Round]:
    """The rounds without duplicates, in time order; a round that ends before it starts or overlaps
    the one before is an issue."""
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


def check_sessions(sessions: Iterable[Session], known: dict[Id, int], issues: list[Issue]) -> list[Session]:
    """The sessions with seats, each with its known rounds once; the rest are issues."""
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


def check_groups(
    groups: Iterable[Group],
    known: dict[Id, int],
    max_seats: int,
    issues: list[Issue],
    unplaced: list[Unplaced],
) -> list[Group]:
    """The groups that can be placed, with their known rounds and at most MAX_PREFERENCES distinct
    preferences; the rest are issues (and unplaced group-rounds)."""
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
