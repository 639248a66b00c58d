"""The objective of a set of chosen candidate triples, term by term, counted the way the MILP counts
it (docs/EVENTS.md), and the candidates that repeat a previous plan (the ``keep`` term)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from loket.events.prepare import Prepared
from loket.events.types import MAX_PREFERENCES, Assignment, Weights


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
