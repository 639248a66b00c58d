"""Haversine (numpy, vectorised) and geodesic (geopy) distances against known Dutch distances."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from loket.geo import EARTH_RADIUS_KM, Point, geodesic_km, haversine_km, pairwise_haversine_km

AMSTERDAM = (52.3676, 4.9041)  # Dam square
ROTTERDAM = (51.9244, 4.4777)  # city centre
GRONINGEN = (53.2194, 6.5665)  # Grote Markt
MAASTRICHT = (50.8514, 5.6910)  # Vrijthof
UTRECHT = (52.0907, 5.1214)
EINDHOVEN = (51.4416, 5.4697)

# Straight-line references: Amsterdam-Rotterdam ~57 km; Groningen-Maastricht ~270 km (Δlat 2.37° is
# 263 km north-south plus ~60 km east-west, so "250-260 km" is too short); Utrecht-Eindhoven ~76 km.
REFERENCES = [
    (AMSTERDAM, ROTTERDAM, 57.3),
    (GRONINGEN, MAASTRICHT, 270.2),
    (UTRECHT, EINDHOVEN, 76.1),
]


@pytest.mark.parametrize(("a", "b", "km"), REFERENCES)
def test_haversine_matches_known_distances(a: tuple[float, float], b: tuple[float, float], km: float) -> None:
    d = haversine_km(a[0], a[1], b[0], b[1])
    assert isinstance(d, float)
    assert d == pytest.approx(km, rel=0.005)


@pytest.mark.parametrize(("a", "b", "km"), REFERENCES)
def test_geodesic_matches_known_distances(a: tuple[float, float], b: tuple[float, float], km: float) -> None:
    assert geodesic_km(a, b) == pytest.approx(km, rel=0.002)
    pa = Point(a[0], a[1], "a", "Utrecht", "place")
    assert geodesic_km(pa, b) == pytest.approx(geodesic_km(a, b))


def test_haversine_basic_properties() -> None:
    assert haversine_km(52.0, 5.0, 52.0, 5.0) == 0.0
    # one degree of latitude along a meridian = R * pi / 180
    assert haversine_km(52.0, 5.0, 53.0, 5.0) == pytest.approx(EARTH_RADIUS_KM * np.pi / 180)
    assert haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(EARTH_RADIUS_KM * np.pi)
    assert EARTH_RADIUS_KM == 6371.0088


def test_haversine_broadcasts() -> None:
    lats = np.array([AMSTERDAM[0], GRONINGEN[0], UTRECHT[0]])
    lons = np.array([AMSTERDAM[1], GRONINGEN[1], UTRECHT[1]])
    d = haversine_km(lats, lons, ROTTERDAM[0], ROTTERDAM[1])
    assert isinstance(d, np.ndarray) and d.shape == (3,)
    assert d[0] == pytest.approx(57.3, rel=0.005)


def test_pairwise_matrix() -> None:
    a = np.array([AMSTERDAM, GRONINGEN])
    b = np.array([ROTTERDAM, MAASTRICHT, UTRECHT])
    m = pairwise_haversine_km(a, b)
    assert m.shape == (2, 3)
    assert m[0, 0] == pytest.approx(57.3, rel=0.005)
    assert m[1, 1] == pytest.approx(270.2, rel=0.005)
    assert pairwise_haversine_km(a, a).diagonal() == pytest.approx([0.0, 0.0])
    assert pairwise_haversine_km(np.empty((0, 2)), b).shape == (0, 3)


def test_haversine_and_geodesic_agree_within_half_a_percent() -> None:
    pts = [AMSTERDAM, ROTTERDAM, GRONINGEN, MAASTRICHT, UTRECHT, EINDHOVEN]
    for p in pts:
        for q in pts:
            if p != q:
                assert haversine_km(*p, *q) == pytest.approx(geodesic_km(p, q), rel=0.005)


NL_LAT = st.floats(50.7, 53.6, allow_nan=False)
NL_LON = st.floats(3.3, 7.3, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    a=arrays(np.float64, st.integers(1, 20), elements=NL_LAT),
    data=st.data(),
)
def test_vectorised_equals_scalar(a: np.ndarray, data: st.DataObject) -> None:
    n = a.shape[0]
    lon1 = data.draw(arrays(np.float64, n, elements=NL_LON))
    lat2 = data.draw(arrays(np.float64, n, elements=NL_LAT))
    lon2 = data.draw(arrays(np.float64, n, elements=NL_LON))
    vec = haversine_km(a, lon1, lat2, lon2)
    scalar = [haversine_km(float(a[i]), float(lon1[i]), float(lat2[i]), float(lon2[i])) for i in range(n)]
    np.testing.assert_allclose(vec, scalar, rtol=1e-12, atol=1e-9)
    # and the matrix version agrees with both, and is symmetric in its arguments
    pa, pb = np.column_stack([a, lon1]), np.column_stack([lat2, lon2])
    m = pairwise_haversine_km(pa, pb)
    np.testing.assert_allclose(np.diagonal(m), scalar, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(m, pairwise_haversine_km(pb, pa).T, rtol=1e-12, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(lat1=NL_LAT, lon1=NL_LON, lat2=NL_LAT, lon2=NL_LON, lat3=NL_LAT, lon3=NL_LON)
def test_triangle_inequality(
    lat1: float, lon1: float, lat2: float, lon2: float, lat3: float, lon3: float
) -> None:
    ab = haversine_km(lat1, lon1, lat2, lon2)
    bc = haversine_km(lat2, lon2, lat3, lon3)
    ac = haversine_km(lat1, lon1, lat3, lon3)
    assert ac <= ab + bc + 1e-9
