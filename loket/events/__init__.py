"""Career-day planning (pure: numpy/scipy, no Flask, no ORM): records, the MILP planner, a greedy baseline."""

from loket.events.generate import generate
from loket.events.greedy import greedy_plan
from loket.events.planner import DEFAULT_TIME_LIMIT, lp_bound, plan
from loket.events.prepare import level_fits
from loket.events.types import (
    MAX_PREFERENCES,
    UNPLACED_REASONS,
    Assignment,
    Changes,
    EventInput,
    Fill,
    Group,
    Id,
    Issue,
    Plan,
    Round,
    Session,
    Unplaced,
    Weights,
    compare,
)

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "MAX_PREFERENCES",
    "UNPLACED_REASONS",
    "Assignment",
    "Changes",
    "EventInput",
    "Fill",
    "Group",
    "Id",
    "Issue",
    "Plan",
    "Round",
    "Session",
    "Unplaced",
    "Weights",
    "compare",
    "generate",
    "greedy_plan",
    "level_fits",
    "lp_bound",
    "plan",
]
