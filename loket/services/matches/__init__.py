"""Matches: the lifecycle a request-offer pair goes through (``lifecycle``: propose, approve, reject,
reroute, accept, decline, schedule, cancel, feedback), its building blocks (``steps``), offer capacity
(``capacity``), daily deadlines (``deadlines``), who hears about a match (``recipients``), storing the
engine's proposals (``proposals``), and the read side: the manager's queues (``queue``) and each side's
lists (``lists``)."""

from loket.services.matches.lifecycle import (
    accept,
    approve,
    available_actions,
    bulk_approve,
    cancel,
    decline,
    give_feedback,
    propose,
    reject,
    reroute,
    schedule,
)

__all__ = [
    "accept",
    "approve",
    "available_actions",
    "bulk_approve",
    "cancel",
    "decline",
    "give_feedback",
    "propose",
    "reject",
    "reroute",
    "schedule",
]
