"""The order of suggestions: score (rounded to SCORE_QUANTUM by the features) descending, then the
distance (unknown last), then the soonest date both sides are available, then the id. The stored
lists keep the same order (:func:`sort_key`, used by ``loket.services.matching.patch``)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
from numpy.typing import NDArray

Key = tuple[float, float, int, str]


def sort_key(score: float, distance_km: float | None, starts_on: date | None, other: int | str) -> Key:
    """One suggestion's place in this order, for lists kept outside the engine: score (rounded by
    the engine) descending, then distance (unknown last), then the soonest date, then the id as
    text ascending."""
    d = math.inf if distance_km is None else distance_km
    return (-score, d, starts_on.toordinal() if starts_on is not None else 0, str(other))


def top(
    score: NDArray[np.float64],
    dist: NDArray[np.float64],
    start: NDArray[np.int64],
    tiebreak: NDArray[np.int64],
    top_k: int | None,
) -> NDArray[np.intp]:
    """Indices of the best ``top_k`` scores, best first; equal (rounded) scores are ordered by distance
    (unknown last), then the soonest possible date, then ``tiebreak`` (the id order), ascending."""
    n = len(score)
    if top_k is not None and top_k <= 0:
        return np.zeros(0, dtype=np.intp)
    idx = np.arange(n)
    if top_k is not None and n > 2 * top_k:
        kth = np.partition(score, n - top_k)[n - top_k]
        idx = np.flatnonzero(score >= kth)
    d = np.nan_to_num(np.broadcast_to(dist, score.shape)[idx], nan=np.inf)
    st = np.broadcast_to(start, score.shape)[idx]
    order = idx[np.lexsort((tiebreak[idx], st, d, -score[idx]))]
    return order if top_k is None else order[:top_k]
