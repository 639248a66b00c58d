"""Matches: the lifecycle a request-offer pair goes through (``lifecycle``: propose, approve, reject,
reroute, accept, decline, cancel, feedback, held or not), a date both sides agree on (``dates``), the
message thread (``messages``), who sees whose contact details (``contact``), its building blocks
(``steps``), offer capacity (``capacity``), daily deadlines (``deadlines``), who hears about a match
(``recipients``), storing the engine's proposals (``proposals``), and the read side: the manager's
queues (``queue``) and each side's lists (``lists``)."""

from loket.services.matches.dates import (
    DateChoice,
    activity_over,
    check_choices,
    open_options,
    pick_date,
    propose_dates,
    validate_choices,
)
from loket.services.matches.lifecycle import (
    accept,
    approve,
    available_actions,
    bulk_approve,
    cancel,
    close_after_activity,
    decline,
    give_feedback,
    propose,
    reject,
    reroute,
)
from loket.services.matches.messages import post_message

__all__ = [
    "accept",
    "approve",
    "available_actions",
    "bulk_approve",
    "DateChoice",
    "activity_over",
    "cancel",
    "check_choices",
    "close_after_activity",
    "decline",
    "give_feedback",
    "propose",
    "reject",
    "open_options",
    "pick_date",
    "post_message",
    "propose_dates",
    "reroute",
    "validate_choices",
]
