"""The career-day figures on the region dashboard: pupils reached per world of technology and per
level (``loket.services.events.figures``), with a small bar chart per cluster."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup

from loket import taxonomy
from loket.i18n import current_locale
from loket.services.events.figures import EventFigures
from loket.svg import bar_chart
from loket.web.template_helpers import fmt_date


def _short(label: str, limit: int = 11) -> str:
    word = label.split(",")[0].split(" ")[0]
    return word if len(word) <= limit else word[: limit - 1] + "."


def world_chart(cluster_id: int, name: str, fig: EventFigures, period) -> Markup:
    """Bar chart of the pupil visits per world (short labels; the table beside it has the names)."""
    locale = current_locale()
    worlds = fig.sorted_worlds()
    return bar_chart(
        [_short(taxonomy.sectors().label(code, locale)) for code, _n in worlds],
        [n for _code, n in worlds],
        title=_(
            "Leerlingen op loopbaandagen per wereld, %(c)s, %(a)s tot en met %(b)s",
            c=name,
            a=fmt_date(period.start),
            b=fmt_date(period.end),
        ),
        desc=_(
            "%(n)s leerlingbezoeken op %(e)s loopbaandagen; de tabel ernaast geeft de cijfers per "
            "wereld en niveau.",
            n=fig.pupil_visits,
            e=len(fig.events),
        ),
        width=560,
        height=200,
        css_class=f"event-chart-{cluster_id}",
        y_label=_("leerlingen"),
        empty_text=_("Geen loopbaandagen in deze periode"),
    )
