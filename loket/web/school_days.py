"""The school's calendar page: the official school holidays of its region and its own days off
(add, remove). Routes of the ``school`` blueprint (``register(bp)``)."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, HiddenField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from loket.db import utcnow
from loket.services import calendar
from loket.web.forms.base import LoketForm
from loket.web.forms.bounds import DateRange
from loket.web.forms.service_call import FAILED, attempt
from loket.web.inputs import parse_int
from loket.web.match_dates import HOLIDAY_NAMES

REGION_LABELS = {"noord": _l("regio noord"), "midden": _l("regio midden"), "zuid": _l("regio zuid")}


class DayOffForm(LoketForm):
    first_day = DateField(
        _l("Eerste dag"),
        validators=[InputRequired(message=_l("Vul een geldige datum in.")), DateRange(years_ahead=3)],
    )
    last_day = DateField(_l("Laatste dag (leeg: één dag)"), validators=[Optional(), DateRange(years_ahead=3)])
    description = StringField(
        _l("Omschrijving (bijvoorbeeld studiedag)"),
        validators=[
            DataRequired(message=_l("Geef een omschrijving.")),
            Length(max=100, message=_l("Maximaal 100 tekens.")),
        ],
    )


class RemoveForm(LoketForm):
    day_off_id = HiddenField()


def _page(form: DayOffForm, status: int = 200):
    today = utcnow().date()
    org = current_user.organisation
    region = calendar.region_of(org)
    return (
        render_template(
            "school/days_off.html",
            form=form,
            remove_form=RemoveForm(),
            days_off=calendar.days_off_of(current_user),
            region=region,
            region_label=REGION_LABELS.get(region or "", ""),
            holidays=calendar.holidays_for(region, today, today + timedelta(days=730)),
            holiday_names=HOLIDAY_NAMES,
        ),
        status,
    )


def days_off():
    form = DayOffForm()
    if form.validate_on_submit():
        call = lambda: calendar.add_day_off(  # noqa: E731
            current_user, form.first_day.data, form.last_day.data, form.description.data
        )
        if attempt(call, form) is not FAILED:
            flash(_("De vrije dag is toegevoegd."), "success")
            return redirect(url_for("school.days_off"))
        return _page(form, 400)
    return _page(form, 400 if form.is_submitted() else 200)


def remove_day_off():
    form = RemoveForm()
    day_off_id = parse_int(form.day_off_id.data) if form.validate_on_submit() else None
    if day_off_id is None:
        flash(_("Het formulier is verlopen. Probeer het opnieuw."), "error")
        return redirect(url_for("school.days_off")), 400
    calendar.remove_day_off(current_user, day_off_id)
    flash(_("De vrije dag is verwijderd."), "success")
    return redirect(url_for("school.days_off"))


def register(bp) -> None:
    """Add the calendar routes to the school blueprint."""
    bp.add_url_rule("/vrije-dagen", "days_off", days_off, methods=["GET", "POST"])
    bp.add_url_rule("/vrije-dagen/verwijderen", "remove_day_off", remove_day_off, methods=["POST"])
