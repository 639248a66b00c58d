"""A mutable partition of schools into clusters with cheap centre updates and radius checks."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from loket.clusters.geometry import FloatArray, haversine_km

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
# Distances are compared with a small tolerance so that float noise never flags a school.
EPS_KM = 1e-6


class Partition:
    """Schools (lat/lon) split over clusters; a cluster's centre is the mean lat/lon of its schools.

    Pinned schools never move. A cluster is *valid* when every non-pinned school lies within
    `radius_km` (haversine) of the centre.
    """

    def __init__(
        self,
        lat: FloatArray,
        lon: FloatArray,
        labels: IntArray,
        pinned: BoolArray,
        radius_km: float,
    ) -> None:
        self.lat = lat
        self.lon = lon
        self.pinned = pinned
        self.radius_km = radius_km
        self.labels = labels.astype(np.int64).copy()
        n_labels = int(self.labels.max()) + 1 if self.labels.size else 0
        self.members: list[set[int]] = [set() for _ in range(n_labels)]
        self.sum_lat: list[float] = [0.0] * n_labels
        self.sum_lon: list[float] = [0.0] * n_labels
        for i, c in enumerate(self.labels.tolist()):
            if c >= 0:
                self._add(i, c)

    # -- bookkeeping -------------------------------------------------------------------------
    def _add(self, i: int, c: int) -> None:
        self.members[c].add(i)
        self.sum_lat[c] += float(self.lat[i])
        self.sum_lon[c] += float(self.lon[i])
        self.labels[i] = c

    def remove(self, i: int) -> None:
        """Take school `i` out of its cluster (label -1)."""
        c = int(self.labels[i])
        self.members[c].discard(i)
        self.sum_lat[c] -= float(self.lat[i])
        self.sum_lon[c] -= float(self.lon[i])
        self.labels[i] = -1

    def move(self, i: int, to: int) -> None:
        """Move school `i` (or an unassigned one) into cluster `to`."""
        if self.labels[i] >= 0:
            self.remove(i)
        self._add(i, to)

    def new_cluster(self, idx: list[int]) -> int:
        """Open a cluster holding the schools `idx`; returns its label."""
        c = len(self.members)
        self.members.append(set())
        self.sum_lat.append(0.0)
        self.sum_lon.append(0.0)
        for i in idx:
            self.move(i, c)
        return c

    def size(self, c: int) -> int:
        """Number of schools in cluster `c`."""
        return len(self.members[c])

    def live(self) -> list[int]:
        """Labels of non-empty clusters."""
        return [c for c, m in enumerate(self.members) if m]

    def centre(self, c: int) -> tuple[float, float]:
        """Mean lat/lon of cluster `c` (must be non-empty)."""
        n = len(self.members[c])
        return self.sum_lat[c] / n, self.sum_lon[c] / n

    def centres(self, labels: list[int]) -> tuple[FloatArray, FloatArray]:
        """Centres of the given clusters as (lat, lon) arrays."""
        pts = np.array([self.centre(c) for c in labels], dtype=np.float64).reshape(-1, 2)
        return pts[:, 0], pts[:, 1]

    # -- radius checks -----------------------------------------------------------------------
    def _max_free_distance(self, idx: list[int], lat_c: float, lon_c: float) -> float:
        free = [i for i in idx if not self.pinned[i]]
        if not free:
            return 0.0
        arr = np.fromiter(free, dtype=np.int64, count=len(free))
        return float(haversine_km(self.lat[arr], self.lon[arr], lat_c, lon_c).max())

    def is_valid(self, c: int) -> bool:
        """True when every non-pinned school of `c` is within the radius of its centre."""
        if not self.members[c]:
            return True
        lat_c, lon_c = self.centre(c)
        return self._max_free_distance(list(self.members[c]), lat_c, lon_c) <= self.radius_km + EPS_KM

    def valid_with(self, c: int, add: int | None = None, remove: int | None = None) -> bool:
        """Would cluster `c` stay valid after adding and/or removing one school?"""
        idx = set(self.members[c])
        s_lat, s_lon = self.sum_lat[c], self.sum_lon[c]
        if add is not None:
            idx.add(add)
            s_lat += float(self.lat[add])
            s_lon += float(self.lon[add])
        if remove is not None:
            idx.discard(remove)
            s_lat -= float(self.lat[remove])
            s_lon -= float(self.lon[remove])
        if not idx:
            return True
        n = len(idx)
        return self._max_free_distance(list(idx), s_lat / n, s_lon / n) <= self.radius_km + EPS_KM

    def compact(self) -> IntArray:
        """Labels renumbered 0..k-1 in order of each cluster's first school."""
        order: dict[int, int] = {}
        out = np.full(self.labels.shape, -1, dtype=np.int64)
        for i, c in enumerate(self.labels.tolist()):
            if c < 0:
                continue
            if c not in order:
                order[c] = len(order)
            out[i] = order[c]
        return out
