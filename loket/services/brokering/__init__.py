"""The cluster manager's brokering: candidates with why-not for a request or an offer
(``search``, ``whynot``), proposing on the school's behalf and contacting a party (``actions``),
private notes with follow-up (``notes``)."""

from loket.services.brokering.actions import Contacted, contact, propose_on_behalf
from loket.services.brokering.alternatives import Alternative, reroute_alternatives
from loket.services.brokering.notes import add_note, due_follow_ups, mark_done, noted_object, notes_for
from loket.services.brokering.search import (
    WIDEN_KM,
    Brokerage,
    Option,
    Widen,
    broker_offer,
    broker_request,
    owner_for,
)
from loket.services.brokering.whynot import Miss

__all__ = [
    "Alternative",
    "WIDEN_KM",
    "Brokerage",
    "Contacted",
    "Miss",
    "Option",
    "Widen",
    "add_note",
    "broker_offer",
    "broker_request",
    "contact",
    "due_follow_ups",
    "mark_done",
    "noted_object",
    "notes_for",
    "owner_for",
    "propose_on_behalf",
    "reroute_alternatives",
]
