"""Match reasons as text, in the reader's language: the one place that turns the engine's reason data
(``{"code", "params", "weak"}``, see ``loket.matching.reasons``) into words.

Pages use the Jinja filter ``reason`` (and the ``reasons_list`` macro of ``activities/_parts.html``),
the CLI and services call :func:`reason_text`. Outside a request the text is Dutch. Old rows that still
hold a Dutch string show that string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from babel.numbers import format_decimal
from flask_babel import gettext as _

from loket import taxonomy
from loket.i18n import current_locale


def km(value: Any) -> str:
    """A distance with one decimal below 10 km and none above, in the reader's number format."""
    v = float(value or 0.0)
    fmt = "#,##0.0" if v < 10 else "#,##0"
    return format_decimal(v, format=fmt, locale=current_locale())


def _labels(vocab: taxonomy.Vocabulary, codes: Any) -> str:
    loc = current_locale()
    return ", ".join(vocab.label(str(c), loc) for c in (codes or []))


def _sectors(p: Mapping[str, Any]) -> str:
    return _labels(taxonomy.sectors(), p.get("sectors"))


def _activity(code: Any) -> str:
    return taxonomy.activities().label(str(code), current_locale())


TEXTS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    # why a pair is suggested
    "distance": lambda p: _("%(km)s km", km=km(p.get("km"))),
    "online": lambda p: _("online"),
    "same_sector": lambda p: _("zelfde sector: %(sectors)s", sectors=_sectors(p)),
    "related_sector": lambda p: _("verwante sector: %(sectors)s", sectors=_sectors(p)),
    "topic": lambda p: _("onderwerp lijkt op: %(topic)s", topic=p.get("topic", "")),
    "levels": lambda p: _("past bij %(levels)s", levels=_labels(taxonomy.levels(), p.get("levels"))),
    "related_activity": lambda p: _(
        "verwante activiteit: %(activity)s", activity=_activity(p.get("activity"))
    ),
    "first_activity": lambda p: _("school had dit schooljaar nog geen activiteit"),
    # the weakest point
    "comes_to_school": lambda p: _(
        "%(km)s km, maar het bedrijf komt naar school (straal %(radius)s km)",
        km=km(p.get("km")),
        radius=km(p.get("radius_km")),
    ),
    "far": lambda p: _("%(km)s km ver", km=km(p.get("km"))),
    "online_only": lambda p: _("alleen online"),
    "online_not_visit": lambda p: _("online, geen bezoek"),
    "related_sector_only": lambda p: _("verwante sector, niet dezelfde"),
    "other_sector": lambda p: _("andere sector"),
    "other_topic": lambda p: _("ander onderwerp"),
    "topic_partly": lambda p: _("onderwerp past maar deels"),
    "other_activity": lambda p: _("andere activiteit: %(activity)s", activity=_activity(p.get("activity"))),
    "levels_partly": lambda p: _("past bij een deel van de niveaus"),
    "dates_partly": lambda p: _("periodes overlappen maar deels"),
    # why a pair is not suggested (the filter and the margin)
    "inactive": lambda p: _("organisatie heeft geen actieve gebruiker"),
    "activity_mismatch": lambda p: _(
        "activiteit past niet: %(offer)s bij gevraagd %(request)s",
        offer=_activity(p.get("offer")),
        request=_activity(p.get("request")),
    ),
    "no_shared_mode": lambda p: _("geen gedeelde vorm"),
    "too_far": lambda p: _(
        "buiten reisafstand: %(km)s km > %(limit)s km (%(over)s km te ver)",
        km=km(p.get("km")),
        limit=km(p.get("limit_km")),
        over=km(p.get("over_km")),
    ),
    "level_mismatch": lambda p: _("niveau past niet"),
    "no_date_overlap": lambda p: _(
        "periodes overlappen niet (%(days)s dagen ertussen)", days=p.get("days", 0)
    ),
    "no_capacity": lambda p: _("geen capaciteit meer"),
    "declined_before": lambda p: _("eerder afgewezen"),
    "input_error": lambda p: str(p.get("text", "")),
    "legacy_text": lambda p: str(p.get("text", "")),  # a Dutch reason stored before reasons were data
}


def reason_text(reason: Any) -> str:
    """One reason as text in the reader's language (a plain string is shown as it is)."""
    if isinstance(reason, str):
        return reason
    if not isinstance(reason, Mapping):
        return ""
    render = TEXTS.get(str(reason.get("code")))
    if render is None:
        return str(reason.get("code", ""))
    return render(reason.get("params") or {})


def is_weak(reason: Any) -> bool:
    """True for the weakest point of a suggestion."""
    return isinstance(reason, Mapping) and bool(reason.get("weak"))


def reasons_text(reasons: Any, sep: str = "; ") -> str:
    """Several reasons as one line (CLI output, service messages)."""
    return sep.join(reason_text(r) for r in (reasons or []))
