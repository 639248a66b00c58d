"""Great-circle distances: vectorised haversine (numpy) and an ellipsoidal geodesic (geopy)."""

from __future__ import annotations

from typing import overload

import numpy as np
from geopy.distance import geodesic
from numpy.typing import ArrayLike, NDArray

from loket.geo.point import Point

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)

LatLon = tuple[float, float]


@overload
def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float: ...
@overload
def haversine_km(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> float | NDArray[np.float64]: ...
def haversine_km(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> float | NDArray[np.float64]:
    """Great-circle distance in km between points given in degrees.

    Arguments broadcast like numpy arrays; with only scalars a plain float is returned.
    """
    p1 = np.radians(np.asarray(lat1, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin(dp / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2.0) ** 2
    d: NDArray[np.float64] = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    if d.ndim == 0:
        return float(d)
    return d


def pairwise_haversine_km(a_latlon: ArrayLike, b_latlon: ArrayLike) -> NDArray[np.float64]:
    """Distance matrix in km: rows are the points of a (n x 2 lat/lon), columns those of b (m x 2).

    Memory is n * m * 8 bytes: block the rows yourself for very large inputs.
    """
    a = np.asarray(a_latlon, dtype=np.float64).reshape(-1, 2)
    b = np.asarray(b_latlon, dtype=np.float64).reshape(-1, 2)
    d = haversine_km(a[:, 0:1], a[:, 1:2], b[None, :, 0], b[None, :, 1])
    return np.asarray(d, dtype=np.float64).reshape(a.shape[0], b.shape[0])


def _latlon(p: Point | LatLon) -> LatLon:
    if isinstance(p, Point):
        return (p.lat, p.lon)
    return (float(p[0]), float(p[1]))


def geodesic_km(p: Point | LatLon, q: Point | LatLon) -> float:
    """Distance in km on the WGS84 ellipsoid (geopy) between two points or (lat, lon) pairs."""
    return float(geodesic(_latlon(p), _latlon(q)).km)
