"""Pure matching engine: requests of schools x offers of companies (no Flask, no ORM).

Public interface
----------------
- ``RequestRecord``, ``OfferRecord``: plain input records (types.py).
- ``MatchConfig``: every weight and constant of the score in one frozen object; ``Weights``: the feature
  weights with a version string (``MatchConfig.with_weights``, ``Engine(..., weights=...)``).
- ``Engine(offers, config=None, weights=None)``: encodes the offers and builds a haversine BallTree per
  activity and level, and the topic index, once.
    - ``suggest(request, top_k=10, excluded=frozenset()) -> list[Suggestion]``
    - ``suggest_all(requests, top_k=10, excluded=frozenset(), progress=None, workers=None)``
    - ``explain(request, offer_id, excluded=frozenset()) -> Explanation``
    - ``rank_requests(offer, requests, top_k=10, excluded=frozenset()) -> list[Suggestion]``
    - ``capacities() -> dict[str, int]`` (remaining capacity per offer, for the assignment)
  ``excluded`` holds (request_id, offer_id) pairs rejected or declined before.
- ``Suggestion``: score, mode, distance, ``weights_version``; ``why`` (strongest reasons) and ``weakest``
  (``Reason`` data), ``fits``, ``contributions``, ``reasons`` (old Dutch strings); ``to_json()`` is the
  DOMAIN.md exchange shape. ``Explanation``: failed filters (``failed``, Dutch) and ``why_not`` (Reasons
  with the margin), or the suggestion. ``reasons.render(reason, locale)``: Dutch or English text.
- ``assign(candidates, capacity) -> Assignment`` (optimal) and ``greedy_assign(...)`` (baseline), assign.py.
- ``MatchInputError(ValueError)``: bad input, naming ``aanvraag <id>`` / ``aanbod <id>``.
- ``split_valid(records) -> (accepted, errors)``: pre-check rows from a database before a batch run.
- ``learn``: fit weights to the managers' decisions, compared out of sample (learn.py).
- ``naive``: pair-by-pair reference implementation (benchmark baseline, test oracle).

Hard filters: active organisations, compatible activity, a shared mode, distance within that mode's reach
(at_school: offer radius_km; at_company: request max_travel_km; online: none), overlapping levels and
dates, capacity left, not excluded. Score in [0, 1]: weighted fits of topic (word coverage with stems,
typos, compounds and taxonomy synonyms), distance, sector, activity, equity, level and date; ranked at
0.1 point, ties by distance, soonest date, id. See docs/MATCHING.md.
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
