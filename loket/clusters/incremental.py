"""Incremental join: a new school or company goes to the nearest suitable cluster at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from loket.clusters.geometry import haversine_km
from loket.clusters.model import ClusterInfo, ClusterParams, Site


@dataclass(frozen=True, slots=True)
class Join:
    """Outcome of `nearest_cluster`: the chosen key (None when none suits), distance and reason."""

    key: str | None
    distance_km: float | None
    reason: str


def nearest_cluster(site: Site, clusters: Sequence[ClusterInfo], params: ClusterParams) -> Join:
    """Nearest cluster within the radius that has room for one more school (companies need no room).

    A site pinned to an existing cluster key joins that cluster. Returns `Join(key=None, ...)` with
    a Dutch reason when no cluster suits.
    """
    if site.pinned_cluster is not None:
        for info in clusters:
            if info.key == site.pinned_cluster:
                dist = float(haversine_km(site.lat, site.lon, info.lat, info.lon))
                return Join(info.key, dist, "vastgezet in dit cluster")
        return Join(None, None, f"het vastgezette cluster {site.pinned_cluster!r} bestaat niet")
    if not clusters:
        return Join(None, None, "er zijn nog geen clusters")
    lat = np.array([c.lat for c in clusters], dtype=np.float64)
    lon = np.array([c.lon for c in clusters], dtype=np.float64)
    dist = haversine_km(site.lat, site.lon, lat, lon)
    order = np.argsort(dist, kind="stable").tolist()
    in_reach = [i for i in order if dist[i] <= params.max_radius_km]
    if not in_reach:
        return Join(
            None,
            float(dist[order[0]]),
            f"geen cluster binnen {params.max_radius_km:g} km (dichtstbijzijnde: "
            f"{clusters[order[0]].key} op {dist[order[0]]:.1f} km)",
        )
    if site.kind == "company":
        best = in_reach[0]
        return Join(clusters[best].key, float(dist[best]), "dichtstbijzijnde cluster binnen bereik")
    for i in in_reach:
        if clusters[i].school_count < params.max_schools:
            reason = "dichtstbijzijnde cluster binnen bereik met ruimte"
            return Join(clusters[i].key, float(dist[i]), reason)
    return Join(
        None,
        float(dist[in_reach[0]]),
        f"alle {len(in_reach)} clusters binnen {params.max_radius_km:g} km zijn vol "
        f"(maximaal {params.max_schools} scholen)",
    )
