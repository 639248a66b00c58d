"""A date both sides agree on: the propose page (one to three options, warnings to confirm) and the
pick button on the match page. Routes of the ``matches`` blueprint (``register(bp)``)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, HiddenField, StringField, TimeField
from wtforms.validators import Length, Optional

from loket.i18n import current_locale
from loket.models.dates import MAX_OPTIONS
from loket.services import ServiceError
from loket.services import matches as svc
from loket.services.activities.rules import Checks
from loket.services.calendar.warnings import DateWarning, public_holiday_name
from loket.services.matches import queue as queries
from loket.web.forms.base import LoketForm
from loket.web.forms.bounds import DateRange, local_to_utc
from loket.web.forms.service_call import FAILED, attempt
from loket.web.inputs import parse_int
from loket.web.template_helpers import AMS

NUMBERS = tuple(range(1, MAX_OPTIONS + 1))
HOLIDAY_NAMES = {
    "Herfstvakantie": _l("Herfstvakantie"),
    "Kerstvakantie": _l("Kerstvakantie"),
    "Voorjaarsvakantie": _l("Voorjaarsvakantie"),
    "Meivakantie": _l("Meivakantie"),
    "Zomervakantie": _l("Zomervakantie"),
}


class DatesForm(LoketForm):
    """One to three options (date, start, end, place); option 1 is required, 2 and 3 when started.
    Every field error shows at once; ``confirm`` carries the fingerprint of the options whose
    warnings the proposer has seen."""

    version_id = HiddenField()
    confirm = HiddenField()

    def numbers_filled(self) -> list[int]:
        return [n for n in NUMBERS if n == 1 or any(self._raw(n))]

    def _raw(self, n: int) -> list:
        return [
            self[f"{k}_{n}"].raw_data and self[f"{k}_{n}"].raw_data[0]
            for k in ("day", "start", "end", "place")
        ]

    def rules(self) -> None:
        """The service's own checks on every option whose date and times were read: every error of
        every option at once (a past date, an end before the start, no place, a time the clock skips)."""
        checks = Checks()
        choices = [c for c in _read_choices(self, checks) if c.start is not None and c.end is not None]
        if choices:
            checks.run(svc.validate_choices, choices)
        checks.done()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for n in self.numbers_filled():
            for k, message in (
                ("day", _("Vul een geldige datum in.")),
                ("start", _("Vul een begintijd in (uu:mm).")),
                ("end", _("Vul een eindtijd in (uu:mm).")),
                ("place", _("Vul de plaats in.")),
            ):
                field = self[f"{k}_{n}"]
                if not field.data and not field.errors:
                    field.errors = [*field.errors, message]
                    ok = False
        return ok


for _n in NUMBERS:
    setattr(
        DatesForm,
        f"day_{_n}",
        DateField(_l("Datum"), validators=[Optional(), DateRange(years_ahead=5)]),
    )
    setattr(DatesForm, f"start_{_n}", TimeField(_l("Begintijd"), validators=[Optional()]))
    setattr(DatesForm, f"end_{_n}", TimeField(_l("Eindtijd"), validators=[Optional()]))
    setattr(
        DatesForm,
        f"place_{_n}",
        StringField(
            _l("Plaats (adres of 'online')"),
            validators=[Optional(), Length(max=300, message=_l("Maximaal 300 tekens."))],
        ),
    )


class PickForm(LoketForm):
    option_id = HiddenField()
    version_id = HiddenField()


def warning_text(w: DateWarning) -> str:
    """A warning as the proposer and the picker read it (in their language)."""
    locale = current_locale()
    if w.code == "request_window":
        return _("Buiten de periode van de aanvraag (%(period)s).", period=w.detail)
    if w.code == "offer_window":
        return _("Buiten de periode van het aanbod (%(period)s).", period=w.detail)
    if w.code == "weekend":
        return _("Valt in het weekend.")
    if w.code == "public_holiday":
        return _("Feestdag: %(name)s.", name=public_holiday_name(w.day, locale) or w.detail)
    if w.code == "school_holiday":
        return _("In de schoolvakantie: %(name)s.", name=HOLIDAY_NAMES.get(w.detail, w.detail))
    if w.code == "day_off":
        return _("Vrije dag van de school: %(what)s.", what=w.detail)
    return _("Buiten de gewone tijden (07:00–19:00): %(times)s.", times=w.detail)


def _local(form: DatesForm, day_name: str, time_name: str, checks: Checks) -> datetime | None:
    """The moment of a day and a time in Amsterdam (UTC); None when either is missing, or (an error
    in ``checks``) when the clock skips that time."""
    day, at = form[day_name].data, form[time_name].data
    if not isinstance(day, date) or at is None:
        return None
    moment = local_to_utc(day, at, AMS)
    if moment is None:
        checks.errors.append(
            ServiceError(
                _l(
                    "%(time)s bestaat niet op %(day)s: de klok gaat dan een uur vooruit. "
                    "Kies een andere tijd.",
                    time=at.strftime("%H:%M"),
                    day=day.strftime("%d-%m-%Y"),
                ),
                field=time_name,
            )
        )
    return moment


def _read_choices(form: DatesForm, checks: Checks) -> list[svc.DateChoice]:
    """Every filled option as read (start or end None where it could not be read)."""
    return [
        svc.DateChoice(
            n,
            _local(form, f"day_{n}", f"start_{n}", checks),  # type: ignore[arg-type]
            _local(form, f"day_{n}", f"end_{n}", checks),  # type: ignore[arg-type]
            form[f"place_{n}"].data or "",
        )
        for n in form.numbers_filled()
    ]


def _choices(form: DatesForm) -> list[svc.DateChoice]:
    """The options of a validated form (ServiceErrors with every time the clock skips)."""
    checks = Checks()
    choices = _read_choices(form, checks)
    checks.done()
    return choices


def fingerprint(choices: list[svc.DateChoice]) -> str:
    """Which options the proposer confirmed: a change after the warnings asks again."""
    text = "|".join(f"{c.start.isoformat()}/{c.end.isoformat()}/{' '.join(c.place.split())}" for c in choices)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def propose_dates(match_id: int):
    match = queries.match_for(current_user, match_id)
    form = DatesForm(version_id=match.version_id)
    checked: list = []
    status = 200
    if form.validate_on_submit():
        version = parse_int(form.version_id.data)
        choices = attempt(lambda: _choices(form), form)
        if choices is not FAILED:
            checked = attempt(lambda: svc.check_choices(current_user, match, choices), form)
        if choices is FAILED or checked is FAILED:
            checked, status = [], 400
        else:
            key = fingerprint(choices)
            warned = any(ws for _, ws in checked)
            if not warned or form.confirm.data == key:
                done = attempt(
                    lambda: svc.propose_dates(
                        current_user, match_id, choices, confirmed=True, version=version
                    ),
                    form,
                )
                if done is not FAILED:
                    flash(_("Je voorstel is verstuurd. De andere partij kiest een datum."), "success")
                    return redirect(url_for("matches.detail", match_id=match_id))
                status = 400
            else:
                form.confirm.data = key
    elif form.is_submitted():
        status = 400
    return (
        render_template(
            "matches/dates.html",
            match=match,
            form=form,
            numbers=NUMBERS,
            checked=checked,
            warned=any(ws for _, ws in checked),
            warning_text=warning_text,
        ),
        status,
    )


def pick_date(match_id: int):
    queries.match_for(current_user, match_id)
    form = PickForm()
    if not form.validate_on_submit():
        flash(_("Het formulier is verlopen. Probeer het opnieuw."), "error")
        return redirect(url_for("matches.detail", match_id=match_id)), 400
    option_id, version = parse_int(form.option_id.data), parse_int(form.version_id.data)
    if option_id is None:
        flash(_("Kies een van de voorgestelde data."), "error")
        return redirect(url_for("matches.detail", match_id=match_id)), 400
    done = attempt(lambda: svc.pick_date(current_user, match_id, option_id, version=version))
    if done is FAILED:
        return redirect(url_for("matches.detail", match_id=match_id)), 400
    flash(_("De datum is afgesproken. Jullie krijgen allebei een bericht met de agenda-afspraak."), "success")
    return redirect(url_for("matches.detail", match_id=match_id))


def register(bp) -> None:
    """Add the date routes to the matches blueprint."""
    bp.add_url_rule(
        "/<id:match_id>/data-voorstellen", "propose_dates", propose_dates, methods=["GET", "POST"]
    )
    bp.add_url_rule("/<id:match_id>/datum-kiezen", "pick_date", pick_date, methods=["POST"])
