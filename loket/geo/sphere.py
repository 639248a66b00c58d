"""Points on the sphere in a k-d tree: which points lie within a great-circle radius of a place.

The answer of a haversine ball tree, from scipy's ``cKDTree`` over unit vectors: the straight chord
between two points on the unit sphere grows with the angle between them (``2 sin(angle / 2)``), so a
ball of that chord around a point holds exactly the points within the angle. Without scikit-learn,
whose import alone costs the matching engine's every process about half a second.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree


def unit_vectors(lat_lon_rad: ArrayLike) -> NDArray[np.float64]:
    """(n, 3) unit vectors of (n, 2) latitudes and longitudes in radians."""
    pts = np.asarray(lat_lon_rad, dtype=np.float64).reshape(-1, 2)
    lat, lon = pts[:, 0], pts[:, 1]
    cos_lat = np.cos(lat)
    return np.column_stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)])


class SphereTree:
    """Neighbours within an angle, for points given as (latitude, longitude) in radians."""

    def __init__(self, lat_lon_rad: ArrayLike) -> None:
        self._tree = cKDTree(unit_vectors(lat_lon_rad))

    def query_radius(self, lat_lon_rad: ArrayLike, r: ArrayLike) -> list[NDArray[np.intp]]:
        """For every query point, the sorted indices of the tree's points within angle ``r`` (radians:
        one per query point, or one for all). Points exactly on the edge may fall either side: callers
        widen the radius a little and filter on the exact distance."""
        queries = unit_vectors(lat_lon_rad)
        angle = np.minimum(np.broadcast_to(np.asarray(r, dtype=np.float64), (len(queries),)), np.pi)
        chord = 2.0 * np.sin(angle / 2.0)
        found = self._tree.query_ball_point(queries, chord, return_sorted=True)
        return [np.asarray(f, dtype=np.intp) for f in found]
