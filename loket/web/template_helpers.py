"""Jinja filters and globals: taxonomy labels, Dutch dates, safe links."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, request, url_for
from flask_babel import format_decimal, lazy_gettext
from flask_login import current_user

from loket import richtext, taxonomy
from loket.db import database_unavailable, safe_rollback
from loket.i18n import current_locale
from loket.labels import status_label
from loket.reason_text import is_weak, reason_text
from loket.services.catalogue.details import detail_path
from loket.services.notifications.inbox import unread_count
from loket.zone import AMSTERDAM as AMS

# main menu per role: (endpoint, label); endpoints that do not exist (yet) are left out
NAV: dict[str, list[tuple[str, object]]] = {
    "school": [
        ("school.dashboard", lazy_gettext("Overzicht")),
        ("school.requests", lazy_gettext("Aanvragen")),
        ("school.catalogue", lazy_gettext("Aanbod zoeken")),
        ("school.matches", lazy_gettext("Koppelingen")),
        ("school.days_off", lazy_gettext("Vrije dagen")),
        ("events_manage.overview", lazy_gettext("Loopbaandagen")),
    ],
    "company": [
        ("company.dashboard", lazy_gettext("Overzicht")),
        ("company.offers", lazy_gettext("Aanbod")),
        ("company.find_requests", lazy_gettext("Aanvragen zoeken")),
        ("company.matches", lazy_gettext("Koppelingen")),
        ("events_manage.overview", lazy_gettext("Loopbaandagen")),
    ],
    "cluster_manager": [
        ("regions.dashboard", lazy_gettext("Dashboard")),
        ("manager.queue", lazy_gettext("Goedkeuren")),
        ("manager.overview", lazy_gettext("Overzicht")),
        ("regions.map", lazy_gettext("Kaart")),
        ("reactivation.runs", lazy_gettext("Heractivering")),
        ("events_manage.overview", lazy_gettext("Loopbaandagen")),
    ],
    "admin": [
        ("admin.dashboard", lazy_gettext("Beheer")),
        ("admin.clusters", lazy_gettext("Clusters")),
        ("manager.queue", lazy_gettext("Goedkeuren")),
        ("regions.map", lazy_gettext("Kaart")),
        ("reactivation.runs", lazy_gettext("Heractivering")),
        ("events_manage.overview", lazy_gettext("Loopbaandagen")),
    ],
}

MONTHS_NL = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(AMS)
    if current_locale() == "en":
        return value.strftime("%d %b %Y")
    return f"{value.day} {MONTHS_NL[value.month - 1]} {value.year}"


def fmt_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(AMS)
    return f"{fmt_date(local)} {local:%H:%M}"


def fmt_km(value: float | None) -> str:
    """A distance in km with one decimal in the reader's number format (12,5 / 12.5)."""
    return "" if value is None else format_decimal(value, format="#,##0.0")


def fmt_score(value: float | None) -> str:
    """A score in [0, 1] as a percentage with one decimal (87,3%): scores are ranked at that resolution,
    so two offers shown alike are a real tie (then the nearer comes first)."""
    return "" if value is None else format_decimal(100 * value, format="#,##0.0") + "%"


def register(app: Flask) -> None:
    app.jinja_env.filters["date"] = fmt_date
    app.jinja_env.filters["datetime"] = fmt_datetime
    app.jinja_env.filters["km"] = fmt_km
    app.jinja_env.filters["decimal"] = lambda v: "" if v is None else format_decimal(v)
    app.jinja_env.filters["score_pct"] = fmt_score
    app.jinja_env.filters["reason"] = reason_text
    app.jinja_env.filters["reason_is_weak"] = is_weak
    app.jinja_env.filters["time"] = lambda v: "" if v is None else f"{v.astimezone(AMS):%H:%M}"
    app.jinja_env.filters["activity"] = lambda c: taxonomy.activities().label(c, current_locale())
    app.jinja_env.filters["sector"] = lambda c: taxonomy.sectors().label(c, current_locale())
    app.jinja_env.filters["level"] = lambda c: taxonomy.levels().label(c, current_locale())
    app.jinja_env.filters["mode"] = lambda c: taxonomy.modes().label(c, current_locale())
    app.jinja_env.filters["richtext"] = richtext.to_html  # descriptions: Markdown, sanitised
    app.jinja_env.filters["excerpt"] = richtext.excerpt

    def nav_items() -> list[dict]:
        if not current_user.is_authenticated:
            return []
        return [
            {"url": url_for(ep), "label": label, "active": request.endpoint == ep}
            for ep, label in NAV.get(current_user.role, [])
        ]

    def unread_notifications() -> int:
        try:
            return unread_count(current_user)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            safe_rollback()  # the badge is decoration: the page (or its error page) still renders
            return 0

    def figures_computed_at():
        """When the oldest shared figure on this page was computed (None: computed for this page)."""
        from loket.services.figure_cache import computed_at

        return computed_at()

    app.jinja_env.globals.update(
        figures_computed_at=figures_computed_at,
        figures_zone=lambda: AMS,
        nav_items=nav_items,
        unread_notifications=unread_notifications,
        status_label=status_label,
        detail_path=detail_path,
    )

    @app.context_processor
    def _globals():
        from flask import has_request_context  # emails are also rendered from CLI commands

        path = request.full_path.rstrip("?") if has_request_context() else ""
        return {"current_locale": current_locale(), "current_path": path}
