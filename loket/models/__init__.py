"""All ORM models; import from here (``from loket.models import User``)."""

from loket.models.activities import Offer, Request
from loket.models.audit import AuditEvent, Notification
from loket.models.calendar import SchoolDayOff, SchoolHoliday
from loket.models.clusters import Cluster, cluster_manager
from loket.models.conversation import MatchMessage
from loket.models.dates import DateOption
from loket.models.event_feedback import EventFeedback, EventReminder
from loket.models.event_invitations import EventInvitation
from loket.models.events import CareerEvent, EventAssignment, EventGroup, EventRound, EventSession
from loket.models.mail import ActionToken, EmailRun, OutboxMessage
from loket.models.matches import Match, MatchFeedback
from loket.models.notes import ManagerNote
from loket.models.organisations import Location, Organisation
from loket.models.scheduler import SchedulerJob
from loket.models.suggestions import StoredSuggestion, SuggestionState
from loket.models.users import User
from loket.models.weights import WeightBound, WeightSet

__all__ = [
    "ActionToken",
    "AuditEvent",
    "CareerEvent",
    "Cluster",
    "DateOption",
    "EmailRun",
    "EventAssignment",
    "EventFeedback",
    "EventGroup",
    "EventReminder",
    "EventInvitation",
    "EventRound",
    "EventSession",
    "Location",
    "ManagerNote",
    "Match",
    "MatchFeedback",
    "MatchMessage",
    "Notification",
    "Offer",
    "Organisation",
    "OutboxMessage",
    "Request",
    "SchedulerJob",
    "SchoolDayOff",
    "SchoolHoliday",
    "StoredSuggestion",
    "SuggestionState",
    "User",
    "WeightBound",
    "WeightSet",
    "cluster_manager",
]
