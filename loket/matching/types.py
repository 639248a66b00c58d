"""Input records, configuration and output objects of the matching engine."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cached_property
from typing import Any

FEATURES: tuple[str, ...] = ("distance", "sector", "topic", "activity", "level", "date", "equity")


class MatchInputError(ValueError):
    """Bad engine input; the message names the object (``aanvraag R12`` / ``aanbod O7``) and the problem."""

    def __init__(self, kind: str, obj_id: str, problem: str) -> None:
        self.kind = kind
        self.obj_id = obj_id
        self.problem = problem
        super().__init__(f"{kind} {obj_id}: {problem}")


@dataclass
class RequestRecord:
    """One open activity request of a school location (plain data, no ORM)."""

    id: str
    lat: float | None
    lon: float | None
    activity: str
    sectors: list[str]
    topic: str
    levels: list[str]
    pupils: int
    earliest: date
    latest: date
    modes: list[str]
    max_travel_km: float
    active: bool = True
    activities_this_year: int = 0


@dataclass
class OfferRecord:
    """One published offer of a company location (plain data, no ORM)."""

    id: str
    lat: float | None
    lon: float | None
    activity: str
    sectors: list[str]
    topic: str
    levels: list[str]
    capacity: int
    capacity_left: int
    earliest: date
    latest: date
    modes: list[str]
    radius_km: float
    active: bool = True


@dataclass(frozen=True)
class MatchConfig:
    """All weights and constants of the score, in one place.

    The score is ``sum(w_f * fit_f) / sum(w_f)`` over the features, each fit in [0, 1], so the score
    lies in [0, 1] whatever the weights. Defaults: distance matters most, then sector fit, then the
    free-text topic; activity, level, date and equity break ties between otherwise similar offers.
    """

    w_distance: float = 0.30
    w_sector: float = 0.20
    w_topic: float = 0.15
    w_activity: float = 0.10
    w_level: float = 0.10
    w_date: float = 0.05
    w_equity: float = 0.10
    #: distance fit = exp(-km / distance_scale_km): 1.0 next door, 0.37 at 25 km, 0.14 at 50 km
    distance_scale_km: float = 25.0
    #: distance fit of a pair that happens online (no travel, but no visit either)
    online_distance_fit: float = 0.5
    #: sector fit when the sectors are only related in the taxonomy (same sector = 1.0)
    related_sector_fit: float = 0.5
    #: activity fit of a compatible but different activity type (same type = 1.0)
    compatible_activity_fit: float = 0.6
    #: share of the equity term for the school (no activity yet); the rest goes to unused capacity
    equity_school_share: float = 0.5
    #: topic similarity from which "onderwerp lijkt op: ..." is given as a reason
    topic_reason_threshold: float = 0.3

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not isinstance(v, (int, float)) or math.isnan(v) or v < 0:
                raise ValueError(f"MatchConfig.{f.name} moet een getal >= 0 zijn, niet {v!r}")
        if self.total_weight <= 0:
            raise ValueError("MatchConfig: de som van de gewichten moet groter dan 0 zijn")
        if self.distance_scale_km <= 0:
            raise ValueError("MatchConfig.distance_scale_km moet groter dan 0 zijn")

    @cached_property
    def weights(self) -> dict[str, float]:
        """Feature name -> normalised weight (summing to 1)."""
        total = self.total_weight
        return {name: getattr(self, f"w_{name}") / total for name in FEATURES}

    @property
    def total_weight(self) -> float:
        return sum(getattr(self, f"w_{name}") for name in FEATURES)


@dataclass
class Suggestion:
    """One proposed (request, offer) pair with its score breakdown and Dutch reasons."""

    request_id: str
    offer_id: str
    rank: int
    score: float
    distance_km: float | None
    mode: str
    contributions: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The exchange shape of DOMAIN.md: request, offer, rank, score, distance_km, reasons."""
        return {
            "request": self.request_id,
            "offer": self.offer_id,
            "rank": self.rank,
            "score": round(self.score, 3),
            "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
            "reasons": list(self.reasons),
        }


@dataclass
class Explanation:
    """Why a pair is (not) suggested: the failed hard filters, or the suggestion itself."""

    feasible: bool
    failed: list[str]
    suggestion: Suggestion | None = None
