"""Status labels in one table: requests, offers, matches, users, email runs and outbox messages.

Marked for translation and lazy (translated when shown). Pages use :func:`status_label` (the Jinja
global of the same name, also in JSON such as a run's progress); services, whose messages are Dutch
whatever the reader's language, use :func:`status_nl`. A code without a label shows as itself.
"""

from __future__ import annotations

from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l

STATUS_LABELS: dict[str, LazyString] = {
    # matches (loket.models.matches)
    "proposed": _l("voorgesteld"),
    "approved": _l("goedgekeurd"),
    "accepted": _l("geaccepteerd"),
    "scheduled": _l("ingepland"),
    "completed": _l("afgerond"),  # also a request
    "rejected": _l("afgewezen"),
    "declined": _l("geweigerd"),
    "cancelled": _l("geannuleerd"),  # also a request
    "expired": _l("verlopen"),
    # requests and offers (loket.models.activities)
    "open": _l("open"),
    "paused": _l("gepauzeerd"),
    "matched": _l("gekoppeld"),
    "closed": _l("gesloten"),
    # users (loket.models.users)
    "invited": _l("uitgenodigd"),
    "active": _l("actief"),
    "dormant": _l("slapend"),
    "archived": _l("gearchiveerd"),
    # email runs and outbox messages (loket.models.mail)
    "created": _l("aangemaakt"),
    "running": _l("bezig"),
    "done": _l("klaar"),
    "dry_run": _l("proefrun"),
    "failed": _l("mislukt"),
    "queued": _l("in de wachtrij"),
    "sending": _l("wordt verstuurd"),
    "sent": _l("verstuurd"),
    "unknown": _l("onbekend (controleren)"),
}


def status_label(status: str) -> str:
    """The label of a state code in the reader's language; the code itself when it has none."""
    return str(STATUS_LABELS.get(status, status))


def status_nl(status: str) -> str:
    """The Dutch label of a state code, for service messages (``'paused'`` -> ``'gepauzeerd'``)."""
    with force_locale("nl"):
        return status_label(status)
