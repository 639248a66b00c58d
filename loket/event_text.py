"""Career-day planner texts in the reader's language: the one place that turns an unplaced
group-round's reason code (``loket.events.types.UNPLACED_REASONS``, with its parameters) into words,
as ``loket.reason_text`` does for match reasons. Pages use the Jinja filter ``unplaced_reason``; the
CLI calls :func:`unplaced_text` (Dutch outside a request). A stored row from before the codes had
parameters may carry only a Dutch ``message``: that string is shown as it is."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _

UNPLACED_TEXTS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "invalid_group": lambda p: _("groep heeft geen geldig aantal leerlingen"),
    "not_available": lambda p: _("groep is in geen enkele ronde aanwezig"),
    "unknown_round": lambda p: _("ronde bestaat niet"),
    "no_session": lambda p: _("geen sessie in deze ronde"),
    "no_level": lambda p: _("geen sessie met een passend niveau in deze ronde"),
    "too_large": lambda p: _("groep is groter dan elke passende sessie in deze ronde"),
    "company_seen": lambda p: _("de passende sessies zijn van bedrijven die de groep al bezoekt"),
    "full": lambda p: _("alle passende sessies zijn vol"),
    "not_chosen": lambda p: _("niet ingedeeld binnen de tijdslimiet van de planner"),
}


def unplaced_text(unplaced: Any) -> str:
    """An unplaced group-round (an ``Unplaced`` or its JSON) as text in the reader's language."""
    if isinstance(unplaced, Mapping):
        code, params, message = unplaced.get("reason"), unplaced.get("params"), unplaced.get("message")
    else:
        code, params, message = getattr(unplaced, "reason", None), getattr(unplaced, "params", None), None
    render = UNPLACED_TEXTS.get(str(code))
    if render is None:
        return str(message or code or "")
    return render(params or {})
