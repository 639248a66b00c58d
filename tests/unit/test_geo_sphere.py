"""The great-circle tree finds exactly the points within a radius (against haversine, point by point)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from loket.geo.distance import EARTH_RADIUS_KM, haversine_km
from loket.geo.sphere import SphereTree

EDGE_KM = 1e-6  # points this close to the edge may fall either side (callers widen and filter)


def _points(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 2) degrees: most in the Netherlands, some anywhere (poles and the date line included)."""
    nl = np.column_stack([rng.uniform(50.7, 53.6, n), rng.uniform(3.3, 7.3, n)])
    world = np.column_stack([rng.uniform(-90, 90, n), rng.uniform(-180, 180, n)])
    return np.where((rng.random(n) < 0.8)[:, None], nl, world)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), km=st.sampled_from([0.0, 1.0, 25.0, 150.0, 5000.0, 25000.0]))
def test_within_radius_equals_haversine(seed: int, km: float) -> None:
    rng = np.random.default_rng(seed)
    pts, queries = _points(rng, 400), _points(rng, 30)
    tree = SphereTree(np.radians(pts))
    radii = np.full(len(queries), km) * rng.uniform(0.5, 1.5, len(queries))
    found = tree.query_radius(np.radians(queries), radii / EARTH_RADIUS_KM)
    for q, r, got in zip(queries, radii, found, strict=True):
        d = haversine_km(q[0], q[1], pts[:, 0], pts[:, 1])
        inside = set(np.flatnonzero(d <= r - EDGE_KM).tolist())
        maybe = set(np.flatnonzero(np.abs(d - r) < EDGE_KM).tolist())
        assert inside <= set(got.tolist()) <= inside | maybe
        assert list(got) == sorted(got) and got.dtype == np.intp


def test_one_radius_for_all_and_per_point_radii() -> None:
    pts = np.radians([[52.37, 4.89], [52.09, 5.12], [51.92, 4.48]])  # Amsterdam, Utrecht, Rotterdam
    tree = SphereTree(pts)  # A-U 34.9 km, U-R 47.7 km, A-R 57.3 km
    amsterdam, utrecht = tree.query_radius(pts[:2], 40.0 / EARTH_RADIUS_KM)
    assert amsterdam.tolist() == [0, 1] and utrecht.tolist() == [0, 1]
    amsterdam, utrecht = tree.query_radius(pts[:2], np.array([10.0, 50.0]) / EARTH_RADIUS_KM)
    assert amsterdam.tolist() == [0] and utrecht.tolist() == [0, 1, 2]
