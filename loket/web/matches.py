"""The match page for every party (school, company, manager, admin) with its history and actions."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from loket import ics
from loket.db import utcnow
from loket.models.conversation import MESSAGE_MAX
from loket.services import matches as svc
from loket.services import policies
from loket.services.calendar.warnings import warnings_for
from loket.services.matches import messages as message_service
from loket.services.matches import queue as queries
from loket.services.matches.contact import contacts_for
from loket.web import match_dates
from loket.web.forms.base import LoketForm
from loket.web.forms.reasons import reason_field
from loket.web.forms.service_call import FAILED, attempt
from loket.web.inputs import parse_int
from loket.web.match_dates import warning_text

bp = Blueprint("matches", __name__, url_prefix="/koppelingen")
match_dates.register(bp)


class VersionForm(LoketForm):
    version_id = HiddenField()


class ReasonForm(LoketForm):
    reason = reason_field(_l("Reden"))
    version_id = HiddenField()


class MessageForm(LoketForm):
    body = TextAreaField(
        _l("Bericht"),
        validators=[
            DataRequired(message=_l("Schrijf eerst een bericht.")),
            Length(max=MESSAGE_MAX, message=_l("Maximaal %(max)s tekens.", max=MESSAGE_MAX)),
        ],
    )


class FeedbackForm(LoketForm):
    rating = RadioField(
        _l("Cijfer (1 = slecht, 5 = uitstekend)"),
        choices=[SelectChoice(str(i), str(i)) for i in range(1, 6)],
        validators=[InputRequired(message=_l("Kies een cijfer van 1 tot en met 5."))],
    )
    comment = TextAreaField(
        _l("Opmerking"), validators=[Length(max=2000, message=_l("Maximaal 2000 tekens."))]
    )
    pupils_reached = IntegerField(
        _l("Aantal bereikte leerlingen (optioneel)"),
        validators=[Optional(), NumberRange(min=0, max=10000, message=_l("Tussen 0 en 10000."))],
    )


@bp.before_request
def _login():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


def _version(form) -> int | None:
    return parse_int(form.version_id.data) if hasattr(form, "version_id") else None


# history steps and "waiting on" texts as people read them (the audit log stores codes)
STEP_LABELS = {
    "propose": _l("voorstel gedaan"),
    "reopen": _l("opnieuw voorgesteld"),
    "approve": _l("goedgekeurd"),
    "reject": _l("afgewezen"),
    "reroute": _l("omgeleid naar ander aanbod"),
    "accept": _l("geaccepteerd"),
    "decline": _l("geweigerd"),
    "schedule": _l("datum afgesproken"),
    "reschedule": _l("datum gewijzigd"),
    "propose_dates": _l("data voorgesteld"),
    "not_held": _l("niet doorgegaan"),
    "cancel": _l("geannuleerd"),
    "feedback": _l("feedback gegeven"),
    "complete": _l("afgerond"),
    "expire": _l("verlopen"),
    "remind": _l("herinnering verstuurd"),
    "feedback_request": _l("om feedback gevraagd"),
}
WAITING_LABELS = {
    "clusterbeheerder": _l("goedkeuring door de clusterbeheerder"),
    "school": _l("een reactie van de school"),
    "bedrijf": _l("een reactie van het bedrijf"),
    "datum (school en bedrijf)": _l("een datum (school en bedrijf spreken die samen af)"),
    "datum kiezen (school)": _l("de school: die kiest een van de voorgestelde data"),
    "datum kiezen (bedrijf)": _l("het bedrijf: dat kiest een van de voorgestelde data"),
}


def _waiting_text(match, options=()) -> str:
    raw = queries.waiting_on(match)
    if options and match.status == "accepted":
        raw = "datum kiezen (bedrijf)" if options[0].side == "school" else "datum kiezen (school)"
    if not raw:
        return ""
    role = current_user.role
    if (raw == "school" and role == "school") or (raw == "bedrijf" and role == "company"):
        return _("jouw reactie")
    own = {"school": "datum kiezen (school)", "company": "datum kiezen (bedrijf)"}.get(role)
    if raw == own:
        return _("jouw keuze uit de voorgestelde data")
    return str(WAITING_LABELS.get(raw, raw))


def _back_link() -> tuple[str, str] | None:
    """Where this user's list of matches lives, for the back link above the match page."""
    target = {
        "school": ("school.matches", _l("Koppelingen")),
        "company": ("company.matches", _l("Koppelingen")),
        "cluster_manager": ("manager.queue", _l("Goedkeuren")),
        "admin": ("manager.queue", _l("Goedkeuren")),
    }.get(current_user.role)
    if target is None:
        return None
    return url_for(target[0]), str(target[1])


def _to_detail(match_id: int):
    return redirect(url_for("matches.detail", match_id=match_id))


def _detail_page(match, *, message_form: MessageForm | None = None, status: int = 200):
    """The match page: status, actions, contact details, the date options, the thread, history."""
    now = utcnow()
    actions = svc.available_actions(current_user, match, now)
    options = svc.open_options(match) if match.status in ("accepted", "scheduled") else []
    side = policies.match_side(current_user, match)
    return (
        render_template(
            "matches/detail.html",
            match=match,
            history=queries.match_history(match.id),
            actions=actions,
            form=VersionForm(version_id=match.version_id),
            waiting_on=_waiting_text(match, options),
            step_labels=STEP_LABELS,
            back=_back_link(),
            contacts=contacts_for(current_user, match, now),
            messages=message_service.thread(current_user, match),
            message_form=message_form or MessageForm(),
            options=[(o, warnings_for(match, o.starts_at, o.ends_at)) for o in options],
            may_pick=side is not None and "propose_dates" in actions,
            my_side=side,
            warning_text=warning_text,
        ),
        status,
    )


@bp.get("/<id:match_id>")
def detail(match_id: int):
    return _detail_page(queries.match_for(current_user, match_id))


@bp.post("/<id:match_id>/berichten")
def message(match_id: int):
    match = queries.match_for(current_user, match_id)
    form = MessageForm()
    if form.validate_on_submit():
        if attempt(lambda: svc.post_message(current_user, match_id, form.body.data), form) is not FAILED:
            flash(_("Je bericht is verstuurd."), "success")
            return redirect(url_for("matches.detail", match_id=match_id, _anchor="berichten"))
        match = queries.match_for(current_user, match_id)
    return _detail_page(match, message_form=form, status=400)


@bp.post("/<id:match_id>/afgerond")
def held(match_id: int):
    queries.match_for(current_user, match_id)
    form = VersionForm()
    if not form.validate_on_submit():
        flash(_("Het formulier is verlopen. Probeer het opnieuw."), "error")
        return _to_detail(match_id), 400
    call = lambda: svc.close_after_activity(current_user, match_id, held=True, version=_version(form))  # noqa: E731
    if attempt(call) is FAILED:
        return _to_detail(match_id), 400
    flash(_("Fijn dat de activiteit is doorgegaan. De koppeling is afgerond."), "success")
    return _to_detail(match_id)


@bp.post("/<id:match_id>/accepteren")
def accept(match_id: int):
    queries.match_for(current_user, match_id)
    form = VersionForm()
    if not form.validate_on_submit():
        flash(_("Het formulier is verlopen. Probeer het opnieuw."), "error")
        return _to_detail(match_id), 400
    if attempt(lambda: svc.accept(current_user, match_id, version=_version(form))) is FAILED:
        return _to_detail(match_id)
    flash(
        _(
            "Je hebt de koppeling geaccepteerd. Hieronder staan de contactgegevens; "
            "spreek nu samen een datum af."
        ),
        "success",
    )
    return _to_detail(match_id)


def _form_step(match, form, call, done, template: str, **context):
    """A match step behind a form: run ``call`` once every field is valid; on success flash ``done``
    and go back to the match, otherwise show the form again (400) with the errors beside the fields."""
    status = 200
    if form.validate_on_submit():
        if attempt(call, form) is not FAILED:
            flash(str(done), "success")
            return _to_detail(match.id)
        status = 400
    elif form.is_submitted():
        status = 400
    return render_template(template, match=match, form=form, **context), status


def _not_held(actor, match_id: int, reason: str, *, version: int | None = None):
    return svc.close_after_activity(actor, match_id, held=False, reason=reason, version=version)


REASON_ACTIONS = {
    "decline": (svc.decline, _l("Koppeling weigeren"), _l("Weigeren"), _l("Je hebt de koppeling geweigerd.")),
    "cancel": (svc.cancel, _l("Koppeling annuleren"), _l("Annuleren"), _l("De koppeling is geannuleerd.")),
    "not_held": (
        _not_held,
        _l("De activiteit is niet doorgegaan"),
        _l("Melden"),
        _l("Gemeld: de activiteit is niet doorgegaan."),
    ),
}


def _reason_action(match_id: int, action: str):
    match = queries.match_for(current_user, match_id)
    fn, title, button, done = REASON_ACTIONS[action]
    form = ReasonForm(version_id=match.version_id)
    return _form_step(
        match,
        form,
        lambda: fn(current_user, match_id, form.reason.data, version=_version(form)),
        done,
        "matches/reason.html",
        title=title,
        button=button,
        action=action,
    )


@bp.route("/<id:match_id>/weigeren", methods=["GET", "POST"])
def decline(match_id: int):
    return _reason_action(match_id, "decline")


@bp.route("/<id:match_id>/annuleren", methods=["GET", "POST"])
def cancel(match_id: int):
    return _reason_action(match_id, "cancel")


@bp.route("/<id:match_id>/niet-doorgegaan", methods=["GET", "POST"])
def not_held(match_id: int):
    return _reason_action(match_id, "not_held")


@bp.route("/<id:match_id>/feedback", methods=["GET", "POST"])
def feedback(match_id: int):
    match = queries.match_for(current_user, match_id)
    form = FeedbackForm()
    if not form.is_submitted() and not svc.activity_over(match):
        flash(_("Feedback geven kan pas na de activiteit."), "error")
        return _to_detail(match_id)

    def call():
        rating, comment = int(form.rating.data), form.comment.data or ""
        return svc.give_feedback(current_user, match_id, rating, comment, form.pupils_reached.data)

    return _form_step(match, form, call, _("Dank je wel voor je feedback."), "matches/feedback.html")


@bp.get("/<id:match_id>/agenda.ics")
def calendar(match_id: int):
    match = queries.match_for(current_user, match_id)
    if match.scheduled_start is None:
        flash(_("Er is nog geen datum afgesproken."), "error")
        return _to_detail(match_id)
    body = ics.calendar(
        [
            ics.Event(
                uid=f"match-{match.id}@loket",
                start=match.scheduled_start,
                end=match.scheduled_end,
                summary=f"{match.request.organisation.name} – {match.offer.organisation.name}",
                location=match.place or "",
                description=f"Loket-koppeling {match.id}: {match.request.activity}",
                url=current_app.config["LOKET_BASE_URL"] + url_for("matches.detail", match_id=match.id),
                stamp=match.updated_at,
                sequence=match.version_id,
            )
        ]
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="loket-koppeling-{match.id}.ics"'},
    )
