"""Quality measures of a clustering run, and feasible school-company pairs for the border measure."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import NDArray
from sklearn.neighbors import BallTree

from loket.clusters.geometry import EARTH_RADIUS_KM, FloatArray, haversine_km
from loket.clusters.model import Site
from loket.clusters.partition import EPS_KM, IntArray


@dataclass(frozen=True, slots=True)
class ClusterMeasures:
    """What one run achieved; `to_dict()` is the JSON form."""

    clusters: int
    schools: int
    companies: int
    schools_min: int
    schools_median: float
    schools_max: int
    members_min: int
    members_median: float
    members_max: int
    max_distance_km: float
    mean_distance_km: float
    schools_beyond_radius: int
    schools_without_company: int
    clusters_without_company: int
    clusters_below_min: int
    clusters_above_max: int
    companies_beyond_radius: int
    crossing_share: float | None = None

    def to_dict(self) -> dict[str, float | int | None]:
        """Plain dict with rounded distances."""
        out = asdict(self)
        for key in ("schools_median", "members_median", "max_distance_km", "mean_distance_km"):
            out[key] = round(float(out[key]), 3)
        if out["crossing_share"] is not None:
            out["crossing_share"] = round(float(out["crossing_share"]), 4)
        return out


def compute_measures(
    *,
    school_lat: FloatArray,
    school_lon: FloatArray,
    school_labels: IntArray,
    company_lat: FloatArray,
    company_lon: FloatArray,
    company_labels: IntArray,
    centres: FloatArray,
    radius_km: float,
    min_schools: int,
    max_schools: int,
    crossing: float | None = None,
) -> ClusterMeasures:
    """Measures from label arrays and centres (k x 2 array of lat, lon)."""
    k = centres.shape[0]
    s_counts = np.bincount(school_labels, minlength=k) if k else np.zeros(0, dtype=np.int64)
    c_counts = np.bincount(company_labels, minlength=k) if k else np.zeros(0, dtype=np.int64)
    members = s_counts + c_counts
    if school_labels.size:
        ds = haversine_km(school_lat, school_lon, centres[school_labels, 0], centres[school_labels, 1])
    else:
        ds = np.zeros(0)
    if company_labels.size:
        dc = haversine_km(company_lat, company_lon, centres[company_labels, 0], centres[company_labels, 1])
    else:
        dc = np.zeros(0)
    with_school = s_counts > 0
    no_company = (c_counts == 0) & with_school
    return ClusterMeasures(
        clusters=int(k),
        schools=int(school_labels.size),
        companies=int(company_labels.size),
        schools_min=int(s_counts.min()) if k else 0,
        schools_median=float(np.median(s_counts)) if k else 0.0,
        schools_max=int(s_counts.max()) if k else 0,
        members_min=int(members.min()) if k else 0,
        members_median=float(np.median(members)) if k else 0.0,
        members_max=int(members.max()) if k else 0,
        max_distance_km=float(ds.max()) if ds.size else 0.0,
        mean_distance_km=float(ds.mean()) if ds.size else 0.0,
        schools_beyond_radius=int((ds > radius_km + EPS_KM).sum()),
        schools_without_company=int(s_counts[no_company].sum()),
        clusters_without_company=int(no_company.sum()),
        clusters_below_min=int(((s_counts < min_schools) & with_school).sum()),
        clusters_above_max=int((s_counts > max_schools).sum()),
        companies_beyond_radius=int((dc > radius_km + EPS_KM).sum()),
        crossing_share=crossing,
    )


@dataclass(frozen=True, slots=True)
class FeasiblePairs:
    """School-company pairs as index arrays into `school_ids` / `company_ids`; iterates as id pairs."""

    school_ids: Sequence[str]
    company_ids: Sequence[str]
    school_idx: NDArray[np.int64]
    company_idx: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.school_idx.size)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for s, c in zip(self.school_idx.tolist(), self.company_idx.tolist(), strict=True):
            yield self.school_ids[s], self.company_ids[c]


def feasible_pairs(sites: Sequence[Site], within_km: float, chunk: int = 2000) -> FeasiblePairs:
    """Estimate feasible matches: every school-company pair within `within_km` (BallTree, haversine)."""
    schools = [s for s in sites if s.kind == "school"]
    companies = [s for s in sites if s.kind == "company"]
    s_idx: list[NDArray[np.int64]] = []
    c_idx: list[NDArray[np.int64]] = []
    if schools and companies:
        tree = BallTree(np.radians([[c.lat, c.lon] for c in companies]), metric="haversine")
        s_rad = np.radians([[s.lat, s.lon] for s in schools])
        for start in range(0, len(schools), chunk):
            hits = tree.query_radius(s_rad[start : start + chunk], within_km / EARTH_RADIUS_KM)
            lengths = np.fromiter((h.size for h in hits), dtype=np.int64, count=len(hits))
            s_idx.append(np.repeat(np.arange(start, start + len(hits), dtype=np.int64), lengths))
            c_idx.append(np.concatenate(hits).astype(np.int64) if lengths.sum() else np.zeros(0, np.int64))
    return FeasiblePairs(
        school_ids=[s.id for s in schools],
        company_ids=[c.id for c in companies],
        school_idx=np.concatenate(s_idx) if s_idx else np.zeros(0, dtype=np.int64),
        company_idx=np.concatenate(c_idx) if c_idx else np.zeros(0, dtype=np.int64),
    )


def crossing_share(
    pairs: FeasiblePairs | Iterable[tuple[str, str]], labels: Mapping[str, int | str]
) -> float | None:
    """Share of feasible (school_id, company_id) pairs whose two sites lie in different clusters.

    Pairs naming a site without a label are skipped; None when no pair is left.
    """
    if isinstance(pairs, FeasiblePairs):
        if len(pairs) == 0:
            return None
        codes: dict[int | str, int] = {}

        def code(site_id: str) -> int:
            key = labels.get(site_id)
            return -1 if key is None else codes.setdefault(key, len(codes))

        s_lab = np.array([code(i) for i in pairs.school_ids], dtype=np.int64)[pairs.school_idx]
        c_lab = np.array([code(i) for i in pairs.company_ids], dtype=np.int64)[pairs.company_idx]
        known = (s_lab >= 0) & (c_lab >= 0)
        if not known.any():
            return None
        return float(np.mean(s_lab[known] != c_lab[known]))
    total = crossed = 0
    for school_id, company_id in pairs:
        a, b = labels.get(school_id), labels.get(company_id)
        if a is None or b is None:
            continue
        total += 1
        crossed += a != b
    return crossed / total if total else None
