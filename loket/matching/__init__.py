"""Pure matching engine: requests of schools x offers of companies (no Flask, no ORM).

Public interface
----------------
- ``RequestRecord``, ``OfferRecord``: plain input records (types.py).
- ``MatchConfig``: every weight and constant of the score in one frozen object (types.py).
- ``Engine(offers, config=None)``: encodes the offers and builds a haversine BallTree per activity once.
    - ``suggest(request, top_k=10, excluded=frozenset()) -> list[Suggestion]``
    - ``suggest_all(requests, top_k=10, excluded=frozenset(), progress=None) -> dict[str, list[Suggestion]]``
    - ``explain(request, offer_id, excluded=frozenset()) -> Explanation``
    - ``rank_requests(offer, requests, top_k=10, excluded=frozenset()) -> list[Suggestion]``
    - ``capacities() -> dict[str, int]`` (remaining capacity per offer, for the assignment)
  ``excluded`` holds (request_id, offer_id) pairs rejected or declined before.
- ``assign(candidates, capacity) -> Assignment`` (optimal) and ``greedy_assign(...)`` (baseline), assign.py.
- ``Suggestion.to_json()``: the DOMAIN.md exchange shape; ``Explanation``: failed filters (Dutch) or the
  suggestion; ``MatchInputError(ValueError)``: bad input, naming ``aanvraag <id>`` / ``aanbod <id>``.
- ``split_valid(records) -> (accepted, errors)``: pre-check rows from a database before a batch run.
- ``naive``: pair-by-pair reference implementation (benchmark baseline, test oracle).

Hard filters: active organisations, compatible activity, a shared mode, distance within that mode's reach
(at_school: offer radius_km; at_company: request max_travel_km; online: none), overlapping levels and
dates, capacity left, not excluded. Score in [0, 1]: weighted fits of distance, sector, topic (TF-IDF
char 3-5 grams), activity, level, date and equity; see MatchConfig for the defaults.
"""

from loket.matching.assign import Assignment, assign, greedy_assign
from loket.matching.encode import split_valid
from loket.matching.engine import Engine
from loket.matching.types import (
    FEATURES,
    Explanation,
    MatchConfig,
    MatchInputError,
    OfferRecord,
    Reason,
    RequestRecord,
    Suggestion,
    Weights,
)

__all__ = [
    "FEATURES",
    "Assignment",
    "Engine",
    "Explanation",
    "MatchConfig",
    "MatchInputError",
    "OfferRecord",
    "Reason",
    "RequestRecord",
    "Suggestion",
    "Weights",
    "assign",
    "greedy_assign",
    "split_valid",
]
