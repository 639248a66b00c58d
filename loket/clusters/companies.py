"""Company assignment: nearest cluster centre, then at least one company per cluster in reach."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from loket.clusters.geometry import FloatArray, Projection, haversine_km
from loket.clusters.partition import IntArray


def nearest_centre(
    lat: FloatArray, lon: FloatArray, c_lat: FloatArray, c_lon: FloatArray
) -> tuple[IntArray, FloatArray]:
    """Index of the nearest centre (haversine) for every point, and its distance in km."""
    if c_lat.size == 0:
        raise ValueError("no centres")
    proj = Projection(np.concatenate([lat, c_lat]))
    k = min(4, c_lat.size)
    _, nn = cKDTree(proj.xy(c_lat, c_lon)).query(proj.xy(lat, lon), k=k)
    nn = np.asarray(nn, dtype=np.int64).reshape(lat.size, k)
    d = haversine_km(lat[:, None], lon[:, None], c_lat[nn], c_lon[nn])
    best = np.argmin(d, axis=1)
    rows = np.arange(lat.size)
    return nn[rows, best], d[rows, best]


def assign_companies(
    lat: FloatArray,
    lon: FloatArray,
    pinned_label: IntArray,
    c_lat: FloatArray,
    c_lon: FloatArray,
    radius_km: float,
) -> IntArray:
    """Label every company; pinned ones (label >= 0) keep their cluster.

    Then each cluster without a company takes the nearest company within `radius_km` of its
    centre, provided that company is not pinned and its own cluster keeps another company.
    """
    n = lat.size
    if n == 0 or c_lat.size == 0:
        return np.full(n, -1, dtype=np.int64)
    labels, _ = nearest_centre(lat, lon, c_lat, c_lon)
    fixed = pinned_label >= 0
    labels = np.where(fixed, pinned_label, labels)
    counts = np.bincount(labels, minlength=c_lat.size)
    empty = np.flatnonzero(counts == 0)
    if empty.size == 0:
        return labels
    proj = Projection(np.concatenate([lat, c_lat]))
    tree = cKDTree(proj.xy(lat, lon))
    for c in empty.tolist():
        near = np.asarray(
            tree.query_ball_point(proj.xy(c_lat[c], c_lon[c])[0], proj.query_radius(radius_km)),
            dtype=np.int64,
        )
        if near.size == 0:
            continue
        d = haversine_km(lat[near], lon[near], c_lat[c], c_lon[c])
        ok = d <= radius_km
        near, d = near[ok], d[ok]
        for j in near[np.argsort(d, kind="stable")].tolist():
            donor = int(labels[j])
            if not fixed[j] and counts[donor] >= 2:
                labels[j] = c
                counts[donor] -= 1
                counts[c] += 1
                break
    return labels
