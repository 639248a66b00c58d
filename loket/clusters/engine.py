"""The single entry point: `form_clusters(sites, params) -> ClusterResult`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np

from loket.clusters.companies import assign_companies, nearest_centre
from loket.clusters.measures import FeasiblePairs, compute_measures, crossing_share
from loket.clusters.methods import METHOD_FUNCS
from loket.clusters.model import ClusterError, ClusterParams, ClusterResult, Site, validate_sites
from loket.clusters.naming import name_clusters
from loket.clusters.partition import IntArray
from loket.clusters.repair import repair

# Capacitated reassignment rounds per method: k-means continues as a capacitated Lloyd iteration;
# region growing keeps its regions and is only split/placed/balanced.
REPAIR_ROUNDS = {"kmeans": 10, "grow": 0}


def form_clusters(
    sites: Sequence[Site],
    params: ClusterParams | None = None,
    *,
    pairs: FeasiblePairs | Iterable[tuple[str, str]] | None = None,
    previous: Mapping[str, Hashable] | None = None,
) -> ClusterResult:
    """Group schools into clusters within the bounds, then attach companies.

    `params.method` chooses the algorithm. Sites pinned to the same key end in one cluster, and
    `result.pinned_keys` says which label carries which key (pass it to `relabel(fixed=...)`).
    With `pairs` (feasible school-company matches) the border-crossing share is measured too.
    With `previous` (site id -> old cluster key) the run warm-starts from the old clusters instead
    of the method's own start: new schools join the nearest old centre and only the repair step
    moves schools, so a re-run after small data changes moves few sites (then call `relabel`).
    """
    params = params or ClusterParams()
    validate_sites(sites)
    schools = [s for s in sites if s.kind == "school"]
    companies = [s for s in sites if s.kind == "company"]
    if not schools:
        if companies:
            raise ClusterError("Er zijn geen scholen: clusters worden rond scholen gevormd.")
        return _empty(params)
    s_lat = np.array([s.lat for s in schools], dtype=np.float64)
    s_lon = np.array([s.lon for s in schools], dtype=np.float64)
    warm = _warm_start(schools, s_lat, s_lon, previous) if previous else None
    labels = warm if warm is not None else METHOD_FUNCS[params.method](s_lat, s_lon, params)
    labels, pinned = _apply_school_pins(schools, labels)
    rounds = 0 if warm is not None else REPAIR_ROUNDS[params.method]  # warm: keep the old borders
    labels = repair(s_lat, s_lon, labels, pinned, params, rounds=rounds)
    k = int(labels.max()) + 1
    centres = np.column_stack(
        [
            np.bincount(labels, weights=s_lat, minlength=k) / np.bincount(labels, minlength=k),
            np.bincount(labels, weights=s_lon, minlength=k) / np.bincount(labels, minlength=k),
        ]
    )
    key_label: dict[str, int] = {}
    for s, lab in zip(schools, labels.tolist(), strict=True):
        if s.pinned_cluster is not None:
            key_label[s.pinned_cluster] = lab
    c_lat = np.array([c.lat for c in companies], dtype=np.float64)
    c_lon = np.array([c.lon for c in companies], dtype=np.float64)
    c_pin, centres = _company_pins(companies, c_lat, c_lon, centres, key_label)
    c_labels = assign_companies(c_lat, c_lon, c_pin, centres[:, 0], centres[:, 1], params.max_radius_km)
    k = centres.shape[0]

    label_of: dict[str, int] = {}
    places: list[list[str]] = [[] for _ in range(k)]
    for s, lab in zip(schools, labels.tolist(), strict=True):
        label_of[s.id] = lab
        places[lab].append(s.place)
    for c, lab in zip(companies, c_labels.tolist(), strict=True):
        label_of[c.id] = lab
        places[lab].append(c.place)
    ordered = {s.id: label_of[s.id] for s in sites}
    measures = compute_measures(
        school_lat=s_lat,
        school_lon=s_lon,
        school_labels=labels,
        company_lat=c_lat,
        company_lon=c_lon,
        company_labels=c_labels,
        centres=centres,
        radius_km=params.max_radius_km,
        min_schools=params.min_schools,
        max_schools=params.max_schools,
        crossing=crossing_share(pairs, ordered) if pairs is not None else None,
    )
    return ClusterResult(
        labels=ordered,
        centres=[(float(a), float(b)) for a, b in centres.tolist()],
        names=name_clusters(places),
        school_counts=np.bincount(labels, minlength=k).tolist(),
        measures=measures,
        method=params.method,
        pinned_keys={lab: key for key, lab in sorted(key_label.items())},
    )


def _warm_start(
    schools: Sequence[Site], s_lat: np.ndarray, s_lon: np.ndarray, previous: Mapping[str, Hashable]
) -> IntArray | None:
    """Initial labels from a previous run; schools it did not know go to the nearest old centre."""
    codes: dict[Hashable, int] = {}
    labels = np.full(len(schools), -1, dtype=np.int64)
    for i, s in enumerate(schools):
        key = previous.get(s.id)
        if key is not None:
            labels[i] = codes.setdefault(key, len(codes))
    known = labels >= 0
    if not known.any():
        return None
    k = len(codes)
    n = np.bincount(labels[known], minlength=k)
    c_lat = np.bincount(labels[known], weights=s_lat[known], minlength=k) / n
    c_lon = np.bincount(labels[known], weights=s_lon[known], minlength=k) / n
    if not known.all():
        nn, _ = nearest_centre(s_lat[~known], s_lon[~known], c_lat, c_lon)
        labels[~known] = nn
    return labels


def _apply_school_pins(schools: Sequence[Site], labels: IntArray) -> tuple[IntArray, np.ndarray]:
    """Put the schools of each pin key together; distinct keys get distinct labels."""
    labels = labels.copy()
    pinned = np.array([s.pinned_cluster is not None for s in schools], dtype=bool)
    by_key: dict[str, list[int]] = {}
    for i, s in enumerate(schools):
        if s.pinned_cluster is not None:
            by_key.setdefault(s.pinned_cluster, []).append(i)
    claimed: set[int] = set()
    next_label = int(labels.max()) + 1
    for key in sorted(by_key):
        idx = by_key[key]
        votes = Counter(int(labels[i]) for i in idx)
        choice = min((lab for lab in votes if lab not in claimed), key=lambda x: (-votes[x], x), default=None)
        if choice is None:
            choice = next_label
            next_label += 1
        claimed.add(choice)
        labels[idx] = choice
    return labels, pinned


def _company_pins(
    companies: Sequence[Site],
    c_lat: np.ndarray,
    c_lon: np.ndarray,
    centres: np.ndarray,
    key_label: dict[str, int],
) -> tuple[IntArray, np.ndarray]:
    """Labels for pinned companies (-1 for free ones); a key without schools takes the nearest
    cluster no other key holds, or a new company-only cluster when every cluster is taken."""
    pin = np.full(len(companies), -1, dtype=np.int64)
    orphan: dict[str, list[int]] = {}
    for j, c in enumerate(companies):
        if c.pinned_cluster is None:
            continue
        if c.pinned_cluster in key_label:
            pin[j] = key_label[c.pinned_cluster]
        else:
            orphan.setdefault(c.pinned_cluster, []).append(j)
    for key in sorted(orphan):
        idx = orphan[key]
        lat, lon = float(c_lat[idx].mean()), float(c_lon[idx].mean())
        taken = set(key_label.values())
        free = [i for i in range(centres.shape[0]) if i not in taken]
        if free:
            nn, _ = nearest_centre(np.array([lat]), np.array([lon]), centres[free, 0], centres[free, 1])
            label = free[int(nn[0])]
        else:
            label = centres.shape[0]
            centres = np.vstack([centres, [[lat, lon]]])
        key_label[key] = label
        pin[idx] = label
    return pin, centres


def _empty(params: ClusterParams) -> ClusterResult:
    empty = np.zeros(0)
    measures = compute_measures(
        school_lat=empty,
        school_lon=empty,
        school_labels=np.zeros(0, dtype=np.int64),
        company_lat=empty,
        company_lon=empty,
        company_labels=np.zeros(0, dtype=np.int64),
        centres=np.zeros((0, 2)),
        radius_km=params.max_radius_km,
        min_schools=params.min_schools,
        max_schools=params.max_schools,
    )
    return ClusterResult(
        labels={}, centres=[], names=[], school_counts=[], measures=measures, method=params.method
    )
