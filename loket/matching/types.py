"""Input records, weights, configuration and output objects of the matching engine."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from functools import cached_property
from typing import Any

FEATURES: tuple[str, ...] = ("distance", "sector", "topic", "activity", "level", "date", "equity")

#: version string of the default weights (stored with every suggestion, see Weights.version)
DEFAULT_WEIGHTS_VERSION = "default-2"

#: scores are ranked (and shown) at this resolution: 0.001 = 0.1 percentage point; equal scores at this
#: resolution are a tie, broken by distance, then the soonest possible date, then the id
SCORE_QUANTUM = 0.001


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
class Weights:
    """The feature weights of the score, with the version string that identifies them.

    Only ratios matter (the score divides by the sum). ``version`` is stored with every suggestion so
    that a decision can be traced back to the weights that ranked it (``default-2``, or what
    ``learn.fit_weights`` proposed and an admin stored, e.g. ``learned-2026-03-01-c4``).
    """

    distance: float = 0.20
    sector: float = 0.12
    topic: float = 0.32
    activity: float = 0.12
    level: float = 0.08
    date: float = 0.04
    equity: float = 0.12
    version: str = DEFAULT_WEIGHTS_VERSION

    def __post_init__(self) -> None:
        for name in FEATURES:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise ValueError(f"gewicht {name} moet een eindig getal >= 0 zijn, niet {v!r}")
        if sum(getattr(self, n) for n in FEATURES) <= 0:
            raise ValueError("de som van de gewichten moet groter dan 0 zijn")
        if not isinstance(self.version, str) or not self.version.strip():
            raise ValueError("een gewichtenset heeft een versie nodig (niet leeg)")

    def as_dict(self) -> dict[str, float]:
        """Feature -> weight as given (not normalised)."""
        return {n: float(getattr(self, n)) for n in FEATURES}

    def normalised(self) -> dict[str, float]:
        """Feature -> weight / sum of weights."""
        total = sum(getattr(self, n) for n in FEATURES)
        return {n: getattr(self, n) / total for n in FEATURES}

    @classmethod
    def from_dict(cls, values: Mapping[str, float], version: str) -> Weights:
        """Weights from a mapping feature -> weight (every feature required, no unknown keys)."""
        unknown = sorted(set(values) - set(FEATURES))
        missing = [n for n in FEATURES if n not in values]
        if unknown or missing:
            raise ValueError(
                "gewichten: "
                + "; ".join(
                    ([f"onbekend: {', '.join(unknown)}"] if unknown else [])
                    + ([f"ontbreekt: {', '.join(missing)}"] if missing else [])
                )
            )
        return cls(**{n: float(values[n]) for n in FEATURES}, version=version)


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class MatchConfig:
    """All weights and constants of the score, in one place (see docs/MATCHING.md).

    The score is ``sum(w_f * fit_f) / sum(w_f)`` over the features, each fit in [0, 1], so the score
    lies in [0, 1] whatever the weights. Defaults (``default-2``): the topic weighs most, so that an
    offer about the requested subject beats an off-topic one in the same or a related sector at a
    similar distance; then distance; sector, activity and equity next; level and date break ties
    between otherwise similar offers. ``with_weights`` swaps in a learned :class:`Weights`.
    """

    w_distance: float = DEFAULT_WEIGHTS.distance
    w_sector: float = DEFAULT_WEIGHTS.sector
    w_topic: float = DEFAULT_WEIGHTS.topic
    w_activity: float = DEFAULT_WEIGHTS.activity
    w_level: float = DEFAULT_WEIGHTS.level
    w_date: float = DEFAULT_WEIGHTS.date
    w_equity: float = DEFAULT_WEIGHTS.equity
    #: distance fit = exp(-km / distance_scale_km): 1.0 next door, 0.37 at 25 km, 0.14 at 50 km
    distance_scale_km: float = 25.0
    #: distance fit of a pair that happens online (no travel, but no visit either)
    online_distance_fit: float = 0.5
    #: sector fit when the sectors are only related in the taxonomy (same sector = 1.0); kept well below
    #: what a topic match adds, so that "related" never outweighs "on topic"
    related_sector_fit: float = 0.35
    #: activity fit of a compatible but different activity type (same type = 1.0)
    compatible_activity_fit: float = 0.5
    #: share of the equity term for the school (no activity yet); the rest goes to unused capacity
    equity_school_share: float = 0.5
    #: topic coverage from which "onderwerp lijkt op: ..." is given as a reason
    topic_reason_threshold: float = 0.5
    #: topic coverage below which the weakest point is "ander onderwerp"
    topic_other_threshold: float = 0.3
    #: a weighted loss w_f * (1 - fit_f) below this is not worth naming as the weakest point
    weak_point_min_loss: float = 0.02
    #: identifies the weights above; stored with every suggestion
    weights_version: str = DEFAULT_WEIGHTS_VERSION

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "weights_version":
                if not isinstance(v, str) or not v.strip():
                    raise ValueError("MatchConfig.weights_version mag niet leeg zijn")
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v) or v < 0:
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

    @property
    def weight_set(self) -> Weights:
        """The weights of this configuration as a :class:`Weights` (with the version)."""
        return Weights(**{n: getattr(self, f"w_{n}") for n in FEATURES}, version=self.weights_version)

    def with_weights(self, weights: Weights) -> MatchConfig:
        """This configuration with other weights (and their version)."""
        return replace(
            self, **{f"w_{n}": getattr(weights, n) for n in FEATURES}, weights_version=weights.version
        )


@dataclass(frozen=True, slots=True)
class Reason:
    """One explanation as data: a message id and its parameters (JSON-safe values only).

    Rendered to text at display time with :func:`loket.matching.reasons.render` (Dutch or English), so
    nothing stores Dutch text. ``params`` hold codes (sector, level, activity), numbers and short texts.
    """

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Reason:
        return cls(str(doc["code"]), dict(doc.get("params") or {}))


@dataclass(slots=True)
class Details:
    """What a suggestion says about itself: raw fits, contributions to the score, strongest reasons,
    weakest point and the old Dutch strings."""

    fits: dict[str, float]
    contributions: dict[str, float]
    why: list[Reason]
    weakest: Reason | None
    reasons: list[str]


_NO_DETAILS = Details({}, {}, [], None, [])


class Suggestion:
    """One proposed (request, offer) pair: score, mode and distance, and its :class:`Details`: fits,
    score contributions, strongest reasons (``why``), weakest point and Dutch reason strings.

    A suggestion from a ranking computes its details from the ranked block each time they are read and
    keeps none of them: a batch run of 100,000 suggestions stays small, and reading the details of one
    costs some microseconds. Read ``details`` once when you need several parts of it.

    ``reasons`` keeps the old Dutch strings for callers that expect text (plus the weakest point at the
    end); new code should use ``why`` / ``weakest`` (:class:`Reason` data) and render them per locale.
    """

    __slots__ = (
        "request_id",
        "offer_id",
        "rank",
        "score",
        "distance_km",
        "mode",
        "weights_version",
        "_details",
        "_explain",
    )

    def __init__(
        self,
        request_id: str,
        offer_id: str,
        rank: int,
        score: float,
        distance_km: float | None,
        mode: str,
        contributions: dict[str, float] | None = None,
        reasons: list[str] | None = None,
        *,
        weights_version: str = DEFAULT_WEIGHTS_VERSION,
        details: Details | None = None,
        explain: Callable[[], Details] | None = None,
    ) -> None:
        self.request_id = request_id
        self.offer_id = offer_id
        self.rank = rank
        self.score = score
        self.distance_km = distance_km
        self.mode = mode
        self.weights_version = weights_version
        if details is None and (reasons is not None or contributions is not None):
            details = Details({}, dict(contributions or {}), [], None, list(reasons or []))
        self._details = details
        self._explain = explain

    @property
    def details(self) -> Details:
        """Fits, contributions, strongest reasons, weakest point and Dutch strings of this pair."""
        if self._details is not None:
            return self._details
        if self._explain is not None:
            return self._explain()
        return _NO_DETAILS

    @property
    def contributions(self) -> dict[str, float]:
        """Per-feature share of the score (normalised weight x fit; they sum to the score)."""
        return self.details.contributions

    @property
    def fits(self) -> dict[str, float]:
        """Per-feature fit in [0, 1] before weighting (the input of ``learn``)."""
        return self.details.fits

    @property
    def why(self) -> list[Reason]:
        """The strongest reasons, most telling first (at most three)."""
        return self.details.why

    @property
    def weakest(self) -> Reason | None:
        """The weakest point (the feature that costs the most score), or None when nothing is weak."""
        return self.details.weakest

    @property
    def reasons(self) -> list[str]:
        """Dutch reason strings in the old order, and the weakest point last (compatibility)."""
        return self.details.reasons

    def to_json(self, detail: bool = False) -> dict[str, Any]:
        """The exchange shape of DOMAIN.md: request, offer, rank, score, distance_km, reasons.

        With ``detail``: also ``why``/``weakest`` (Reason data), ``fits`` and ``weights_version``.
        """
        d = self.details
        doc: dict[str, Any] = {
            "request": self.request_id,
            "offer": self.offer_id,
            "rank": self.rank,
            "score": round(self.score, 3),
            "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
            "reasons": list(d.reasons),
        }
        if detail:
            doc["why"] = [r.to_json() for r in d.why]
            doc["weakest"] = None if d.weakest is None else d.weakest.to_json()
            doc["fits"] = {k: round(v, 6) for k, v in d.fits.items()}
            doc["weights_version"] = self.weights_version
        return doc

    def _key(self) -> tuple:
        return (self.request_id, self.offer_id, self.rank, self.score, self.distance_km, self.mode)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Suggestion):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        d = "None" if self.distance_km is None else f"{self.distance_km:.1f}"
        return (
            f"Suggestion({self.request_id!r}, {self.offer_id!r}, rank={self.rank}, score={self.score:.4f}, "
            f"distance_km={d}, mode={self.mode!r})"
        )


@dataclass
class Explanation:
    """Why a pair is (not) suggested: the failed hard filters, or the suggestion itself.

    ``failed`` are the old Dutch messages (compatibility); ``why_not`` the same as :class:`Reason` data
    that name the filter and the margin (``too_far``: 42 km, straal 30 km, 12 km te ver).
    """

    feasible: bool
    failed: list[str]
    suggestion: Suggestion | None = None
    why_not: list[Reason] = field(default_factory=list)
