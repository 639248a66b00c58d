"""Distances and a local metric projection for clustering (km)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from loket.geo.distance import EARTH_RADIUS_KM, haversine_km

# Reference latitude for the equirectangular projection: the middle of the Netherlands.
NL_REFERENCE_LAT = 52.1

FloatArray = NDArray[np.float64]

__all__ = ["EARTH_RADIUS_KM", "FloatArray", "Projection", "haversine_km", "project_km", "unproject_km"]


def project_km(lat: ArrayLike, lon: ArrayLike, ref_lat: float = NL_REFERENCE_LAT) -> FloatArray:
    """Equirectangular projection to (x, y) km around `ref_lat` (within ~3% over the Netherlands).

    The projection is linear in lat/lon, so the mean of projected points is the projection of the
    mean lat/lon: a cluster centre is simply the mean latitude and longitude of its schools.
    """
    lat_a = np.asarray(lat, dtype=np.float64)
    lon_a = np.asarray(lon, dtype=np.float64)
    k = np.pi / 180.0 * EARTH_RADIUS_KM
    x = lon_a * k * np.cos(np.radians(ref_lat))
    y = lat_a * k
    return np.column_stack([x, y])


def unproject_km(xy: FloatArray, ref_lat: float = NL_REFERENCE_LAT) -> tuple[FloatArray, FloatArray]:
    """Inverse of `project_km`: returns (lat, lon) arrays."""
    k = np.pi / 180.0 * EARTH_RADIUS_KM
    lon = xy[:, 0] / (k * np.cos(np.radians(ref_lat)))
    lat = xy[:, 1] / k
    return lat, lon


class Projection:
    """Equirectangular projection fitted to a data set, with the factor that bounds its distortion."""

    def __init__(self, lat: ArrayLike) -> None:
        lat_a = np.asarray(lat, dtype=np.float64)
        lo, hi = (float(lat_a.min()), float(lat_a.max())) if lat_a.size else (NL_REFERENCE_LAT,) * 2
        lo, hi = max(lo, -85.0), min(hi, 85.0)
        self.ref_lat = (lo + hi) / 2.0
        c_ref = np.cos(np.radians(self.ref_lat))
        c_max = 1.0 if lo <= 0.0 <= hi else max(np.cos(np.radians(lo)), np.cos(np.radians(hi)))
        # Projected distance >= true distance / factor for every pair inside the latitude band.
        self.factor = float(max(c_max / c_ref, 1.0)) * 1.01

    def xy(self, lat: ArrayLike, lon: ArrayLike) -> FloatArray:
        """Project to km."""
        return project_km(lat, lon, self.ref_lat)

    def query_radius(self, km: float) -> float:
        """Projected radius that contains every point within `km` (haversine)."""
        return km * self.factor + 0.01
