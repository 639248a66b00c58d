"""The region dashboard's period: the picker (a GET form) and the chart of the period's figures."""

from __future__ import annotations

from datetime import date, datetime

from flask import request
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from loket.labels import status_label
from loket.services.clusters.period import AMS, Period, PeriodFigures, make_period
from loket.svg import bar_chart
from loket.web.forms.activities import DutchDateField
from loket.web.forms.base import LoketForm
from loket.web.template_helpers import fmt_date

PERIOD_LABELS = {
    "year": _l("Dit schooljaar"),
    "90": _l("Laatste 90 dagen"),
    "30": _l("Laatste 30 dagen"),
    "custom": _l("Eigen datums"),
}


class PeriodForm(LoketForm):
    """The period picker: a read-only GET form (no CSRF needed for a search)."""

    class Meta:
        csrf = False

    period = SelectField(_l("Periode"), choices=[SelectChoice(k, v) for k, v in PERIOD_LABELS.items()])
    start = DutchDateField(_l("Van"), validators=[])
    end = DutchDateField(_l("Tot en met"), validators=[])

    def rules(self) -> None:
        """The service's check of the dates together (both given, end not before start)."""
        make_period(self.period.data, self.start.data, self.end.data, today())


def today() -> date:
    return datetime.now(AMS).date()


def chosen_period() -> tuple[PeriodForm, Period, bool]:
    """(the picker, the period it names, whether the picker was valid: else this school year)."""
    form = PeriodForm(formdata=request.args if request.args.get("period") else None)
    if not request.args.get("period"):
        form.period.data = "year"
        return form, make_period("year", None, None, today()), True
    if form.validate():
        return form, make_period(form.period.data, form.start.data, form.end.data, today()), True
    return form, make_period("year", None, None, today()), False


def period_args(period: Period) -> dict[str, str]:
    """The query arguments that name ``period`` again (for links and exports)."""
    if period.kind == "custom":
        return {"period": "custom", "start": period.start.isoformat(), "end": period.end.isoformat()}
    return {"period": period.kind}


def days(value: float | None) -> str:
    """A median in days, one decimal in the reader's format; a dash when there is none."""
    return "-" if value is None else format_decimal(value, "#,##0.#")


def share(value: float | None) -> str:
    return "-" if value is None else format_percent(value, "#,##0.0 %")


def period_chart(name: str, fig: PeriodFigures) -> Markup:
    """Bar chart of the period's requests by state, with a text summary."""
    states = fig.all.requests_by_state
    labels = [str(status_label(s)) for s in states]
    values = list(states.values())
    return bar_chart(
        labels,
        values,
        title=_(
            "Aanvragen per status, %(c)s, %(a)s tot en met %(b)s",
            c=name,
            a=fmt_date(fig.period.start),
            b=fmt_date(fig.period.end),
        ),
        desc=_("%(n)s aanvragen in deze periode; de tabel ernaast geeft alle cijfers.", n=fig.all.requests),
        css_class=f"period-chart-{fig.cluster_id}",
        y_label=_("aanvragen"),
        empty_text=_("Geen aanvragen in deze periode"),
    )
