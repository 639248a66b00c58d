"""Career days after planning, on the web: a group's .ics per round, the company's list per round
(page and CSV), the manager's printable programme and feedback afterwards (form). Thin: the
services (``loket.services.events.outputs`` / ``feedback``) check who may read or write what."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice

from loket import taxonomy
from loket.db import utcnow
from loket.event_text import unplaced_text
from loket.exports import FORMATS, spreadsheet
from loket.i18n import current_locale
from loket.models.event_feedback import FEEDBACK_COMMENT_MAX
from loket.services.events import feedback, outputs
from loket.web.events_manage import login_first
from loket.web.forms.base import LoketForm
from loket.web.forms.service_call import FAILED, attempt

bp = Blueprint("events_outputs", __name__, url_prefix="/loopbaandagen")
bp.add_app_template_filter(unplaced_text, "unplaced_reason")


bp.before_request(login_first)


@bp.get("/<id:event_id>/groepen/<id:group_id>/rondes/<id:round_id>.ics")
def round_ics(event_id: int, group_id: int, round_id: int):
    """The group's session in that round as a calendar file (its school and the event's managers)."""
    url = current_app.config["LOKET_BASE_URL"] + url_for("events.school_programme", event_id=event_id)
    body = outputs.round_calendar(current_user, event_id, group_id, round_id, url=url)
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="loopbaandag-{event_id}-groep-{group_id}'
            f'-ronde-{round_id}.ics"'
        },
    )


@bp.get("/<id:event_id>/bedrijf")
def company_list(event_id: int):
    """The company's sessions with per round the groups expected (school, class, level, pupils)."""
    event, lists = outputs.company_list(current_user, event_id)
    return render_template("events/company.html", event=event, lists=lists)


@bp.get("/<id:event_id>/bedrijf.csv")
def company_list_csv(event_id: int):
    """The same list as a CSV file: one line per group expected (a round without groups: one line)."""
    event, lists = outputs.company_list(current_user, event_id)
    locale = current_locale()
    header = [
        _("Sessie"),
        _("Datum"),
        _("Begin"),
        _("Einde"),
        _("School"),
        _("Klas"),
        _("Niveau"),
        _("Leerlingen"),
        _("Plaatsen"),
    ]
    rows = []
    for sl in lists:
        for rl in sl.rounds:
            when = [rl.round.day.isoformat(), f"{rl.round.starts_at:%H:%M}", f"{rl.round.ends_at:%H:%M}"]
            for g in rl.groups or [None]:
                school = (
                    [g.organisation.name, g.class_name, taxonomy.levels().label(g.level, locale), g.pupils]
                    if g
                    else ["", "", "", 0]
                )
                rows.append([sl.session.title, *when, *school, rl.seats])
    return Response(
        spreadsheet("csv", _("Groepen"), header, rows),
        mimetype=FORMATS["csv"],
        headers={"Content-Disposition": f'attachment; filename="loopbaandag-{event.id}-groepen.csv"'},
    )


@bp.get("/<id:event_id>/afdrukken")
def printable(event_id: int):
    """The whole programme per round and session with the groups placed, laid out for paper."""
    event, rounds = outputs.printable(current_user, event_id)
    return render_template("events/print.html", event=event, rounds=rounds)


# --------------------------------------------------------------------------- feedback
RATING_CHOICES = [
    SelectChoice("", _l("geen cijfer")),
    *[SelectChoice(str(i), str(i)) for i in feedback.RATINGS],
]


def feedback_form(page: feedback.FeedbackPage) -> LoketForm:
    """A form with a rating and a comment per session the actor may rate, filled with earlier answers."""
    fields = {}
    for s in page.sessions:
        fields[f"rating_{s.id}"] = SelectField(
            _l("Cijfer (1 tot 5)"), choices=RATING_CHOICES, validate_choice=False
        )
        fields[f"comment_{s.id}"] = TextAreaField(
            _l("Opmerking (optioneel, platte tekst, hoogstens %(n)s tekens)", n=FEEDBACK_COMMENT_MAX)
        )
    form_class = type("EventFeedbackForm", (LoketForm,), fields)
    form = form_class()
    if request.method == "GET":
        for sid, given in page.given.items():
            if f"rating_{sid}" in form:
                form[f"rating_{sid}"].data = str(given.rating)
                form[f"comment_{sid}"].data = given.comment
    return form


@bp.route("/<id:event_id>/feedback", methods=["GET", "POST"])
def give_feedback(event_id: int):
    """Schools rate the sessions their groups visited, companies their own sessions (after the day)."""
    page = feedback.feedback_page(current_user, event_id)
    form = feedback_form(page)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            answers = [
                feedback.Answer(s.id, form[f"rating_{s.id}"].data, form[f"comment_{s.id}"].data or "")
                for s in page.sessions
            ]
            saved = attempt(lambda: feedback.give_feedback(current_user, event_id, answers), form)
            if saved is not FAILED:
                flash(_("Bedankt voor je feedback."))
                return redirect(url_for("events_outputs.give_feedback", event_id=event_id))
        status = 422
    return render_template(
        "events/feedback.html", page=page, form=form, event=page.event, is_open=page.is_open(utcnow())
    ), status
