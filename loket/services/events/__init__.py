"""Career days: create an event, register companies' sessions and schools' groups, plan the event.

``registration`` holds the three ways in (each checked by ``loket.services.policies`` and validated
completely with ``rules.Checks``; ``check_event`` / ``check_session`` / ``check_group`` are the same
rules for the forms), ``planning`` turns the rows into the pure planner's records
(``loket.events``), runs it and stores the plan. On the web: ``invitations`` (companies ranked by
sector and distance fit, single-use links), ``changes`` (who sees which events; editing and
withdrawing one's own sessions and groups, un-planning them), ``editing`` (an event before it is
published), ``pages`` (what the pages read).
"""

from loket.services.events.planning import plan_event
from loket.services.events.registration import (
    EventData,
    GroupData,
    RoundData,
    SessionData,
    create_event,
    get_event,
    register_group,
    register_session,
    set_published,
)

__all__ = [
    "EventData",
    "GroupData",
    "RoundData",
    "SessionData",
    "create_event",
    "get_event",
    "plan_event",
    "register_group",
    "register_session",
    "set_published",
]
