"""Hypothesis properties of the clustering engine on random Dutch inputs."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loket.clusters import METHODS, ClusterParams, Site, form_clusters
from loket.geo.distance import haversine_km

TOWNS = [(52.5168, 6.0830), (53.2194, 6.5665), (51.4416, 5.4697), (52.3676, 4.9041), (50.8514, 5.6910)]
KM_PER_DEG = 111.2


@st.composite
def scenario(draw: st.DrawFn, compact: bool) -> tuple[list[Site], ClusterParams]:
    radius = draw(st.floats(min_value=3.0, max_value=30.0))
    min_schools = draw(st.integers(min_value=1, max_value=6))
    max_schools = draw(st.integers(min_value=min_schools, max_value=15))
    method = draw(st.sampled_from(METHODS))
    lat0, lon0 = draw(st.sampled_from(TOWNS))
    # compact: every school within 0.45 * radius of one point, so any grouping keeps the radius.
    spread = 0.45 * radius if compact else draw(st.floats(min_value=1.0, max_value=80.0))
    n = draw(st.integers(min_value=1, max_value=40))
    n_comp = draw(st.integers(min_value=0, max_value=8))
    sites: list[Site] = []
    for i in range(n + n_comp):
        r = spread * math.sqrt(draw(st.floats(min_value=0.0, max_value=1.0)))
        a = draw(st.floats(min_value=0.0, max_value=2 * math.pi))
        lat = lat0 + r * math.sin(a) / KM_PER_DEG
        lon = lon0 + r * math.cos(a) / (KM_PER_DEG * math.cos(math.radians(lat0)))
        kind = "school" if i < n else "company"
        sites.append(Site(f"{kind[0]}{i}", kind, lat, lon, f"plaats{i % 3}"))  # type: ignore[arg-type]
    params = ClusterParams(
        max_radius_km=radius, min_schools=min_schools, max_schools=max_schools, method=method
    )
    return sites, params


def _school_distances(sites: list[Site], result) -> list[tuple[float, int]]:
    out = []
    for s in sites:
        if s.kind != "school":
            continue
        label = result.labels[s.id]
        lat, lon = result.centres[label]
        out.append((float(haversine_km(s.lat, s.lon, lat, lon)), result.school_counts[label]))
    return out


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenario(compact=False))
def test_no_school_beyond_the_radius_unless_alone_and_never_above_max(case) -> None:
    sites, params = case
    result = form_clusters(sites, params)
    assert set(result.labels) == {s.id for s in sites}
    for dist, size in _school_distances(sites, result):
        assert dist <= params.max_radius_km + 1e-6 or size == 1
    assert max(result.school_counts) <= params.max_schools
    assert result.measures.schools_beyond_radius == 0
    assert sum(result.school_counts) == sum(s.kind == "school" for s in sites)


@SETTINGS
@given(scenario(compact=True))
def test_sizes_within_bounds_when_feasible(case) -> None:
    sites, params = case
    n = sum(s.kind == "school" for s in sites)
    feasible = any(k * params.min_schools <= n <= k * params.max_schools for k in range(1, n + 1))
    result = form_clusters(sites, params)
    assert max(result.school_counts) <= params.max_schools
    if feasible:
        assert all(params.min_schools <= c <= params.max_schools for c in result.school_counts)
        assert result.measures.clusters_below_min == 0
    companies = [s for s in sites if s.kind == "company"]
    if companies:
        # All companies lie within the radius of every centre here, so no cluster goes without.
        assert result.measures.clusters_without_company == 0 or len(companies) < result.n_clusters
