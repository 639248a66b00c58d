"""Input and output types of the clustering engine, and input validation."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from loket.clusters.measures import ClusterMeasures

SiteKind = Literal["school", "company"]
METHODS: tuple[str, ...] = ("kmeans", "grow")
DEFAULT_METHOD = "kmeans"


class ClusterError(ValueError):
    """Invalid input for the clustering engine (message in Dutch, names the field)."""


@dataclass(frozen=True, slots=True)
class Site:
    """One school or company location to cluster."""

    id: str
    kind: SiteKind
    lat: float
    lon: float
    place: str = ""
    pinned_cluster: str | None = None

    @property
    def is_school(self) -> bool:
        """True for a school location."""
        return self.kind == "school"


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """Bounds an admin sets for a clustering run."""

    max_radius_km: float = 25.0
    min_schools: int = 10
    max_schools: int = 150
    method: str = DEFAULT_METHOD
    random_state: int = 0

    def __post_init__(self) -> None:
        if not (isinstance(self.max_radius_km, int | float) and math.isfinite(self.max_radius_km)):
            raise ClusterError(f"max_radius_km moet een getal zijn, niet {self.max_radius_km!r}.")
        if self.max_radius_km <= 0:
            raise ClusterError(f"max_radius_km moet groter dan 0 zijn (gekregen: {self.max_radius_km}).")
        if self.min_schools < 1:
            raise ClusterError(f"min_schools moet minstens 1 zijn (gekregen: {self.min_schools}).")
        if self.max_schools < self.min_schools:
            raise ClusterError(
                f"max_schools ({self.max_schools}) mag niet kleiner zijn dan "
                f"min_schools ({self.min_schools})."
            )
        if self.method not in METHODS:
            raise ClusterError(f"Onbekende clustermethode {self.method!r}; kies uit: {', '.join(METHODS)}.")


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    """What an incremental join needs to know about an existing cluster."""

    key: str
    lat: float
    lon: float
    school_count: int


@dataclass(slots=True)
class ClusterResult:
    """Outcome of one run: labels per site id, and per cluster label its centre, name and pin key."""

    labels: dict[str, int]
    centres: list[tuple[float, float]]
    names: list[str]
    school_counts: list[int]
    measures: ClusterMeasures
    method: str
    pinned_keys: dict[int, str] = field(default_factory=dict)

    @property
    def n_clusters(self) -> int:
        """Number of clusters."""
        return len(self.centres)

    def members(self) -> list[list[str]]:
        """Site ids per cluster label, in input order."""
        out: list[list[str]] = [[] for _ in self.centres]
        for site_id, label in self.labels.items():
            out[label].append(site_id)
        return out

    def infos(self, keys: Sequence[str] | None = None) -> list[ClusterInfo]:
        """Cluster descriptions for `nearest_cluster`; keys default to the label as a string."""
        return [
            ClusterInfo(
                key=keys[i] if keys is not None else str(i),
                lat=lat,
                lon=lon,
                school_count=self.school_counts[i],
            )
            for i, (lat, lon) in enumerate(self.centres)
        ]


def validate_sites(sites: Sequence[Site]) -> None:
    """Raise ClusterError naming the first bad site (unknown kind, bad coordinates, duplicate id)."""
    seen: set[str] = set()
    for site in sites:
        if not site.id:
            raise ClusterError("Organisatie zonder id: elke locatie heeft een id nodig.")
        if site.id in seen:
            raise ClusterError(f"Organisatie {site.id!r} komt meer dan eens voor.")
        seen.add(site.id)
        if site.kind not in ("school", "company"):
            raise ClusterError(
                f"Organisatie {site.id!r}: soort {site.kind!r} is onbekend; kies 'school' of 'company'."
            )
        if not (math.isfinite(site.lat) and -90.0 <= site.lat <= 90.0):
            raise ClusterError(f"Organisatie {site.id!r}: breedtegraad {site.lat!r} is ongeldig.")
        if not (math.isfinite(site.lon) and -180.0 <= site.lon <= 180.0):
            raise ClusterError(f"Organisatie {site.id!r}: lengtegraad {site.lon!r} is ongeldig.")
