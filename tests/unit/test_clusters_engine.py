"""Clustering engine on small data over real Dutch coordinates: bounds, companies, pins, names."""

from __future__ import annotations

import numpy as np
import pytest

from loket.clusters import (
    ClusterError,
    ClusterParams,
    Site,
    crossing_share,
    feasible_pairs,
    form_clusters,
    name_clusters,
)
from loket.geo.distance import haversine_km

CITIES = {
    "Zwolle": (52.5168, 6.0830),
    "Groningen": (53.2194, 6.5665),
    "Eindhoven": (51.4416, 5.4697),
    "Amsterdam": (52.3676, 4.9041),
}


def around(city: str, n: int, kind: str, spread_km: float, seed: int, prefix: str = "") -> list[Site]:
    """n sites scattered (uniform in a disc) within spread_km of a real city centre."""
    rng = np.random.default_rng(seed)
    lat0, lon0 = CITIES[city]
    r = spread_km * np.sqrt(rng.random(n))
    a = rng.random(n) * 2 * np.pi
    lat = lat0 + r * np.sin(a) / 111.2
    lon = lon0 + r * np.cos(a) / (111.2 * np.cos(np.radians(lat0)))
    tag = prefix or f"{city[:3].lower()}-{kind[0]}"
    return [Site(f"{tag}{i}", kind, float(lat[i]), float(lon[i]), city) for i in range(n)]  # type: ignore[arg-type]


def four_regions(schools: int = 30, companies: int = 12) -> list[Site]:
    sites: list[Site] = []
    for k, city in enumerate(CITIES):
        sites += around(city, schools, "school", 12.0, seed=k)
        sites += around(city, companies, "company", 12.0, seed=100 + k)
    return sites


def distances_to_centre(sites: list[Site], result) -> dict[str, float]:
    out = {}
    for s in sites:
        lat, lon = result.centres[result.labels[s.id]]
        out[s.id] = float(haversine_km(s.lat, s.lon, lat, lon))
    return out


@pytest.mark.parametrize("method", ["kmeans", "grow"])
def test_radius_and_size_bounds_hold_after_repair(method: str) -> None:
    sites = four_regions()
    params = ClusterParams(max_radius_km=10.0, min_schools=5, max_schools=12, method=method)
    result = form_clusters(sites, params)
    dist = distances_to_centre(sites, result)
    schools = [s for s in sites if s.kind == "school"]
    assert max(dist[s.id] for s in schools) <= 10.0 + 1e-6
    assert all(5 <= n <= 12 for n in result.school_counts)
    m = result.measures
    assert m.schools_beyond_radius == 0 and m.clusters_below_min == 0 and m.clusters_above_max == 0
    assert m.clusters == result.n_clusters >= 4 * 30 // 12
    assert m.schools == 120 and m.companies == 48
    # No cluster mixes two cities 100+ km apart.
    for members in result.members():
        cities = {sid.split("-")[0] for sid in members}
        assert len(cities) == 1


def test_every_cluster_gets_a_company_when_one_is_in_reach() -> None:
    # Ten companies all on the west side of Zwolle; schools in two groups ~7 km apart. Every
    # nearest-centre choice puts all companies in the west, but the east clusters can reach them
    # within 10 km, so none may be left without one.
    lat0, lon0 = CITIES["Zwolle"]
    schools = [Site(f"w{i}", "school", lat0, lon0 - 0.05 - i * 0.001, "Zwolle") for i in range(6)]
    schools += [Site(f"e{i}", "school", lat0, lon0 + 0.05 + i * 0.001, "Zwolle") for i in range(6)]
    companies = [Site(f"c{i}", "company", lat0, lon0 - 0.06 - i * 0.0005, "Zwolle") for i in range(10)]
    params = ClusterParams(max_radius_km=10.0, min_schools=3, max_schools=6)
    result = form_clusters(schools + companies, params)
    assert result.n_clusters >= 2
    assert any(result.labels[f"w{i}"] != result.labels[f"e{j}"] for i in range(6) for j in range(6))
    assert result.measures.schools_without_company == 0
    assert result.measures.clusters_without_company == 0
    for members in result.members():
        assert any(m.startswith("c") for m in members)


def test_cluster_without_company_in_reach_is_reported() -> None:
    sites = around("Groningen", 8, "school", 3.0, seed=1) + around("Eindhoven", 8, "school", 3.0, seed=2)
    sites += around("Eindhoven", 3, "company", 3.0, seed=3)
    result = form_clusters(sites, ClusterParams(max_radius_km=25.0, min_schools=2, max_schools=20))
    assert result.n_clusters == 2
    assert result.measures.schools_without_company == 8
    assert result.measures.companies_beyond_radius == 0


def test_pinned_sites_stay_in_their_cluster() -> None:
    sites = four_regions(20, 5)
    pinned = {"zwo-s0": "Z", "gro-s0": "Z", "ams-c1": "Z", "ein-s3": "E"}
    sites = [
        Site(s.id, s.kind, s.lat, s.lon, s.place, pinned.get(s.id)) if s.id in pinned else s for s in sites
    ]
    result = form_clusters(sites, ClusterParams(max_radius_km=15.0, min_schools=4, max_schools=10))
    z = result.labels["zwo-s0"]
    assert result.labels["gro-s0"] == z == result.labels["ams-c1"]
    assert result.labels["ein-s3"] != z
    assert result.pinned_keys == {z: "Z", result.labels["ein-s3"]: "E"}
    # Pins are exempt from the radius, but every free school still respects it.
    dist = distances_to_centre(sites, result)
    free = [s for s in sites if s.kind == "school" and s.pinned_cluster is None]
    assert max(dist[s.id] for s in free) <= 15.0 + 1e-6


def test_company_only_pin_gets_a_cluster_of_its_own_key() -> None:
    sites = around("Zwolle", 20, "school", 5.0, seed=4) + around("Zwolle", 4, "company", 5.0, seed=5)
    sites.append(Site("pinned-co", "company", 52.52, 6.09, "Zwolle", "K9"))
    result = form_clusters(sites, ClusterParams(min_schools=5, max_schools=10))
    assert result.pinned_keys[result.labels["pinned-co"]] == "K9"


def test_named_after_largest_place_and_deduplicated() -> None:
    sites = [
        Site(f"s{i}", "school", 52.09 + i * 1e-4, 5.12, "Utrecht" if i < 7 else "Zeist") for i in range(10)
    ]
    sites += [
        Site(f"t{i}", "school", 52.50 + i * 1e-4, 6.08, "Zwolle" if i < 3 else "Kampen") for i in range(6)
    ]
    result = form_clusters(sites, ClusterParams(max_radius_km=10.0, min_schools=2, max_schools=20))
    assert sorted(result.names) == ["Cluster Kampen", "Cluster Utrecht"]
    assert result.names[result.labels["s0"]] == "Cluster Utrecht"
    names = name_clusters([["Utrecht"] * 3, ["Utrecht"] * 5 + ["Zeist"], ["Zeist", "Utrecht", "Utrecht"], []])
    assert names == ["Cluster Utrecht 2", "Cluster Utrecht", "Cluster Utrecht 3", "Cluster 4"]
    # A tie between two places goes to the place with more organisations overall.
    assert name_clusters([["Wageningen", "Ede"], ["Ede"]]) == ["Cluster Ede", "Cluster Ede 2"]


@pytest.mark.parametrize("method", ["kmeans", "grow"])
def test_deterministic_for_the_same_input(method: str) -> None:
    sites = four_regions()
    params = ClusterParams(max_radius_km=12.0, min_schools=4, max_schools=15, method=method, random_state=7)
    a, b = form_clusters(sites, params), form_clusters(list(sites), params)
    assert a.labels == b.labels and a.centres == b.centres and a.names == b.names
    assert a.measures == b.measures


def test_crossing_share_from_feasible_pairs() -> None:
    sites = around("Amsterdam", 30, "school", 10.0, seed=8) + around("Amsterdam", 30, "company", 10.0, seed=9)
    pairs = feasible_pairs(sites, within_km=5.0)
    assert len(pairs) > 0
    for s, c in list(pairs)[:50]:
        a = next(x for x in sites if x.id == s)
        b = next(x for x in sites if x.id == c)
        assert a.kind == "school" and b.kind == "company"
        assert haversine_km(a.lat, a.lon, b.lat, b.lon) <= 5.0 + 1e-9
    result = form_clusters(sites, ClusterParams(min_schools=5, max_schools=10), pairs=pairs)
    share = result.measures.crossing_share
    assert share is not None and 0.0 < share < 1.0
    assert share == pytest.approx(crossing_share(list(pairs), result.labels))
    one = {sid: 0 for sid in result.labels}
    assert crossing_share(pairs, one) == 0.0
    assert crossing_share([("x", "y")], one) is None


def test_measures_to_dict_is_plain_json() -> None:
    result = form_clusters(four_regions(10, 3), ClusterParams(min_schools=2, max_schools=10))
    d = result.measures.to_dict()
    assert d["clusters"] == result.n_clusters
    assert {"schools_min", "schools_median", "schools_max", "max_distance_km", "mean_distance_km"} <= set(d)
    assert isinstance(d["max_distance_km"], float)


def test_bad_input_is_refused_with_a_clear_dutch_message() -> None:
    with pytest.raises(ClusterError, match="max_schools .* min_schools"):
        ClusterParams(min_schools=10, max_schools=5)
    with pytest.raises(ClusterError, match="Onbekende clustermethode 'dbscan'"):
        ClusterParams(method="dbscan")
    with pytest.raises(ClusterError, match="max_radius_km moet groter dan 0"):
        ClusterParams(max_radius_km=0)
    with pytest.raises(ClusterError, match="'x1'.*soort 'shop'"):
        form_clusters([Site("x1", "shop", 52.0, 5.0)])  # type: ignore[arg-type]
    with pytest.raises(ClusterError, match="'x2'.*breedtegraad"):
        form_clusters([Site("x2", "school", 95.0, 5.0)])
    with pytest.raises(ClusterError, match="'d'.*meer dan eens"):
        form_clusters([Site("d", "school", 52.0, 5.0), Site("d", "company", 52.0, 5.0)])
    with pytest.raises(ClusterError, match="geen scholen"):
        form_clusters([Site("c", "company", 52.0, 5.0)])
    assert form_clusters([]).n_clusters == 0
