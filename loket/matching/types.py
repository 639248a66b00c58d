"""Input records, configuration and output objects of the matching engine."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cached_property
from typing import Any

FEATURES: tuple[str, ...] = ("distance", "sector", "topic", "activity", "level", "date", "equity")

#: scores are ranked and shown at this resolution (0.1 percentage point); equal scores are a tie,
#: broken by distance, then the soonest possible date, then the id
SCORE_QUANTUM = 0.001

#: one reason as data: ``{"code": ..., "params": {...}}``, plus ``"weak": True`` on the weakest point;
#: rendered in the reader's language at display time (``loket.reason_text``)
Reason = dict[str, Any]


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
    lies in [0, 1] whatever the weights; it is rounded to ``SCORE_QUANTUM`` (0.1 percentage point),
    and equal scores are ordered by distance, then the soonest possible date, then the id. Defaults:
    the topic (what the lesson is about) weighs most, so that an offer about the requested subject
    beats an off-topic one in the same or a related sector at a similar distance; then distance and
    sector; activity, level, date and equity break ties between otherwise similar offers.
    """

    w_distance: float = 0.22
    w_sector: float = 0.14
    w_topic: float = 0.32
    w_activity: float = 0.10
    w_level: float = 0.08
    w_date: float = 0.04
    w_equity: float = 0.10
    #: distance fit = exp(-km / distance_scale_km): 1.0 next door, 0.37 at 25 km, 0.14 at 50 km
    distance_scale_km: float = 25.0
    #: distance fit of a pair that happens online (no travel, but no visit either)
    online_distance_fit: float = 0.5
    #: sector fit when the sectors are only related in the taxonomy (same sector = 1.0); kept well
    #: below what a topic match adds, so that "related" never outweighs "on topic"
    related_sector_fit: float = 0.35
    #: activity fit of a compatible but different activity type (same type = 1.0)
    compatible_activity_fit: float = 0.6
    #: share of the equity term for the school (no activity yet); the rest goes to unused capacity
    equity_school_share: float = 0.5
    #: topic similarity below which the topics count as unrelated (shared letter groups by chance)
    topic_floor: float = 0.1
    #: topic similarity from which the topic fit is full (one word of a longer title, a synonym)
    topic_full: float = 0.45
    #: topic fit from which "onderwerp lijkt op: ..." is given as a reason
    topic_reason_threshold: float = 0.5
    #: a weighted loss w_f * (1 - fit_f) / sum(w) below this is not named as the weakest point
    weak_point_min_loss: float = 0.02

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not isinstance(v, (int, float)) or math.isnan(v) or v < 0:
                raise ValueError(f"MatchConfig.{f.name} moet een getal >= 0 zijn, niet {v!r}")
        if self.total_weight <= 0:
            raise ValueError("MatchConfig: de som van de gewichten moet groter dan 0 zijn")
        if self.topic_full <= self.topic_floor:
            raise ValueError("MatchConfig.topic_full moet groter zijn dan topic_floor")
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
    """One proposed (request, offer) pair: its score, breakdown, reasons (data, strongest first, the
    weakest point last) and the soonest date both sides are available (the tie-break after distance)."""

    request_id: str
    offer_id: str
    rank: int
    score: float
    distance_km: float | None
    mode: str
    contributions: dict[str, float] = field(default_factory=dict)
    reasons: list[Reason] = field(default_factory=list)
    starts_on: date | None = None
    fits: dict[str, float] = field(default_factory=dict)
    #: what the reasons are made of while they are not made yet (``suggest_all(reasons=False)``,
    #: then ``loket.matching.batch.fill_reasons``); not part of the suggestion's value
    deferred: object | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The exchange shape of DOMAIN.md: request, offer, rank, score, distance_km, reasons."""
        return {
            "request": self.request_id,
            "offer": self.offer_id,
            "rank": self.rank,
            "score": round(self.score, 3),
            "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
            "reasons": [dict(r) for r in self.reasons],
        }


@dataclass
class Explanation:
    """Why a pair is (not) suggested: the failed hard filters (reasons as data that name the filter
    and the margin), or the suggestion itself."""

    feasible: bool
    failed: list[Reason]
    suggestion: Suggestion | None = None
