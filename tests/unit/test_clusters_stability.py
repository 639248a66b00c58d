"""Stable re-clustering (Hungarian relabelling) and the incremental join."""

from __future__ import annotations

import numpy as np

from loket.clusters import ClusterInfo, ClusterParams, Site, form_clusters, nearest_cluster, relabel

CITIES = {
    "Zwolle": (52.5168, 6.0830),
    "Groningen": (53.2194, 6.5665),
    "Eindhoven": (51.4416, 5.4697),
    "Amsterdam": (52.3676, 4.9041),
}


def around(city: str, n: int, kind: str, spread_km: float, seed: int) -> list[Site]:
    rng = np.random.default_rng(seed)
    lat0, lon0 = CITIES[city]
    r = spread_km * np.sqrt(rng.random(n))
    a = rng.random(n) * 2 * np.pi
    lat = lat0 + r * np.sin(a) / 111.2
    lon = lon0 + r * np.cos(a) / (111.2 * np.cos(np.radians(lat0)))
    tag = f"{city[:3].lower()}-{kind[0]}"
    return [Site(f"{tag}{i}", kind, float(lat[i]), float(lon[i]), city) for i in range(n)]  # type: ignore[arg-type]


def regions() -> list[Site]:
    sites: list[Site] = []
    for k, city in enumerate(CITIES):
        sites += around(city, 15, "school", 8.0, seed=k) + around(city, 5, "company", 8.0, seed=50 + k)
    return sites


PARAMS = ClusterParams(max_radius_km=20.0, min_schools=5, max_schools=40)


def test_relabel_keeps_identities_and_reports_exactly_what_moved() -> None:
    sites = regions()
    first = form_clusters(sites, PARAMS)
    keys = {lab: f"K-{name}" for lab, name in enumerate(first.names)}
    old = {sid: keys[lab] for sid, lab in first.labels.items()}
    assert sorted(keys.values()) == [
        "K-Cluster Amsterdam",
        "K-Cluster Eindhoven",
        "K-Cluster Groningen",
        "K-Cluster Zwolle",
    ]

    # Small changes: one Zwolle school moves to Groningen, one Amsterdam school leaves, a new
    # Eindhoven company joins. The re-run may number its clusters differently.
    changed: list[Site] = []
    for s in sites:
        if s.id == "zwo-s3":
            lat, lon = CITIES["Groningen"]
            changed.append(Site(s.id, s.kind, lat + 0.01, lon, "Groningen"))
        elif s.id != "ams-s7":
            changed.append(s)
    lat, lon = CITIES["Eindhoven"]
    changed.insert(0, Site("new-co", "company", lat, lon + 0.01, "Eindhoven"))
    second = form_clusters(changed, PARAMS)
    result = relabel(old, second.labels)

    assert result.moved == [("zwo-s3", "K-Cluster Zwolle", "K-Cluster Groningen")]
    assert result.joined == [("new-co", "K-Cluster Eindhoven")]
    assert result.left == [("ams-s7", "K-Cluster Amsterdam")]
    assert result.new_clusters == [] and result.dissolved == []
    for lab, name in enumerate(second.names):
        assert result.mapping[lab] == f"K-{name}"
    assert all(result.keys[s.id] == old[s.id] for s in changed if s.id in old and s.id != "zwo-s3")


def test_warm_start_from_previous_run_moves_only_what_changed() -> None:
    sites = regions()
    params = ClusterParams(max_radius_km=20.0, min_schools=3, max_schools=8)  # several per city
    first = form_clusters(sites, params)
    old = {sid: f"k{lab}" for sid, lab in first.labels.items()}
    lat, lon = CITIES["Eindhoven"]
    grown = [*sites, Site("late", "school", lat + 0.001, lon, "Eindhoven")]
    second = form_clusters(grown, params, previous=old)
    result = relabel(old, second.labels)
    assert result.new_clusters == [] and result.dissolved == []
    assert [j[0] for j in result.joined] == ["late"]
    assert all(sid.startswith("ein-") for sid, _, _ in result.moved)  # at most local reshuffles
    assert second.measures.schools_beyond_radius == 0 and second.measures.clusters_above_max == 0


def test_relabel_on_a_split_and_a_dissolved_cluster() -> None:
    old = {f"a{i}": "A" for i in range(10)} | {f"b{i}": "B" for i in range(4)} | {"c0": "C"}
    new = {f"a{i}": (5 if i < 7 else 9) for i in range(10)} | {f"b{i}": 2 for i in range(4)} | {"c0": 2}
    result = relabel(old, new, new_key=lambda label: f"fresh-{label}")
    assert result.mapping == {2: "B", 5: "A", 9: "fresh-9"}
    assert result.new_clusters == ["fresh-9"]
    assert result.dissolved == ["C"]
    assert result.moved == [
        ("a7", "A", "fresh-9"),
        ("a8", "A", "fresh-9"),
        ("a9", "A", "fresh-9"),
        ("c0", "C", "B"),
    ]
    assert result.to_dict()["dissolved"] == ["C"]


def test_relabel_respects_fixed_pinned_keys() -> None:
    old = {"x": "A", "y": "A", "z": "B"}
    new = {"x": 0, "y": 0, "z": 1}
    result = relabel(old, new, fixed={1: "A"})
    assert result.mapping == {0: "new-0", 1: "A"}  # label 0 shares no member with B: a new cluster
    assert result.dissolved == ["B"]
    assert sorted(result.moved) == [("x", "A", "new-0"), ("y", "A", "new-0"), ("z", "B", "A")]


def test_pinned_cluster_keeps_its_key_through_relabel() -> None:
    sites = [Site(s.id, s.kind, s.lat, s.lon, s.place, "Z" if s.id == "zwo-s0" else None) for s in regions()]
    first = form_clusters(sites, PARAMS)
    old = {sid: ("Z" if lab == first.labels["zwo-s0"] else f"k{lab}") for sid, lab in first.labels.items()}
    second = form_clusters([s for s in sites if s.id != "gro-s2"], PARAMS)
    result = relabel(old, second.labels, fixed=second.pinned_keys)
    assert result.keys["zwo-s0"] == "Z"
    assert result.mapping[second.labels["zwo-s0"]] == "Z"
    assert result.moved == [] and result.left == [("gro-s2", old["gro-s2"])]


def test_nearest_cluster_joins_without_a_full_run() -> None:
    result = form_clusters(regions(), PARAMS)
    keys = [n.removeprefix("Cluster ") for n in result.names]
    infos = result.infos(keys)
    lat, lon = CITIES["Zwolle"]
    school = Site("n1", "school", lat + 0.02, lon, "Zwolle")
    join = nearest_cluster(school, infos, PARAMS)
    assert join.key == "Zwolle" and join.distance_km is not None and join.distance_km < 20

    maastricht = Site("n2", "school", 50.8514, 5.6910, "Maastricht")
    far = nearest_cluster(maastricht, infos, PARAMS)
    assert far.key is None and "geen cluster binnen 20 km" in far.reason

    full = [ClusterInfo(i.key, i.lat, i.lon, PARAMS.max_schools) for i in infos]
    assert nearest_cluster(school, full, PARAMS).key is None
    assert "vol" in nearest_cluster(school, full, PARAMS).reason
    company = Site("n3", "company", lat, lon + 0.02, "Zwolle")
    assert nearest_cluster(company, full, PARAMS).key == "Zwolle"  # companies need no room

    pinned = Site("n4", "school", lat, lon, "Zwolle", pinned_cluster="Groningen")
    assert nearest_cluster(pinned, infos, PARAMS).key == "Groningen"
    ghost = Site("n5", "school", lat, lon, "Zwolle", pinned_cluster="Atlantis")
    assert nearest_cluster(ghost, infos, PARAMS).key is None
    assert nearest_cluster(school, [], PARAMS).key is None
