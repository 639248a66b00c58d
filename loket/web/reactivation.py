"""Reactivation runs (admins, cluster managers) and the public pages behind the links in the mail."""

from __future__ import annotations

import functools
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from loket.extensions import csrf
from loket.labels import status_label
from loket.services import reactivation as svc
from loket.services.policies import (
    can_archive_users,
    can_start_reactivation,
    can_view_reactivation,
    can_view_run,
    require,
)
from loket.services.reactivation import queries
from loket.services.reactivation.launch import launch_confirmed, launch_reminder, launch_resume
from loket.services.reactivation.preview import preview_run, send_test
from loket.services.reactivation.tokens import TokenError, user_for_unsubscribe
from loket.svg import day_chart
from loket.web import reactivation_preview
from loket.web.forms.base import LoketForm
from loket.web.forms.service_call import FAILED, attempt
from loket.web.forms.validators import PasswordStrength
from loket.web.inputs import page_arg
from loket.web.template_helpers import fmt_date

bp = Blueprint("reactivation", __name__)


def staff_required(view):
    """Logged in as admin or cluster manager; anonymous users go to the login page."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        require(can_view_reactivation(current_user))
        return view(*args, **kwargs)

    return wrapper


MAX_RECIPIENTS = 1_000_000


class RunForm(LoketForm):
    cluster_id = SelectField(_l("Cluster"), coerce=int)
    role = SelectField(
        _l("Wie"),
        choices=[
            SelectChoice("", _l("Scholen en bedrijven")),
            SelectChoice("school", _l("Alleen scholen")),
            SelectChoice("company", _l("Alleen bedrijven")),
        ],
        default="",
    )
    inactive_days = IntegerField(
        _l("Niet ingelogd sinds (dagen)"),
        validators=[
            DataRequired(_l("Vul een aantal dagen in, van 1 tot 3650.")),
            NumberRange(1, 3650, message=_l("Kies een aantal dagen van 1 tot 3650.")),
        ],
    )
    limit = IntegerField(
        _l("Maximum aantal ontvangers"),
        validators=[
            Optional(),
            NumberRange(1, MAX_RECIPIENTS, message=_l("Vul 1 tot 1.000.000 in, of laat het veld leeg.")),
        ],
    )


def scope_of(form: RunForm) -> svc.Scope:
    """The selection a run form names."""
    return svc.Scope(
        inactive_days=form.inactive_days.data,
        cluster_id=form.cluster_id.data or None,
        role=form.role.data or None,
        limit=form.limit.data or None,
    )


class ConfirmForm(LoketForm):
    name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul je naam in.")), Length(max=200)])
    organisation = StringField(_l("Organisatie"), validators=[Optional(), Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=7)])
    password = PasswordField(
        _l("Nieuw wachtwoord"),
        validators=[Optional(), PasswordStrength(email_field=None)],  # the one policy (validators.py)
    )
    policy_email: str | None = None  # the account's address, compared with the password
    agree = BooleanField(
        _l("Mijn gegevens kloppen; zet mijn account weer aan"),
        validators=[DataRequired(_l("Vink aan dat je gegevens kloppen."))],
    )


class EmptyForm(LoketForm):
    pass


# --- runs (staff) --------------------------------------------------------------------------------
@bp.get("/heractivering/")
@staff_required
def runs():
    page = queries.visible_runs(current_user, page_arg(), current_app.config["LOKET_PAGE_SIZE"])
    names = {r.id: queries.cluster_name(r.cluster_id) for r in page.items}
    progress = {r.id: svc.progress(r) for r in page.items}
    can_start = can_start_reactivation(current_user, None) or bool(queries.startable_clusters(current_user))
    return render_template(
        "reactivation/runs.html", page=page, names=names, progress=progress, can_start=can_start
    )


@bp.route("/heractivering/nieuw", methods=["GET", "POST"])
@staff_required
def new_run():
    form = RunForm()
    clusters = queries.startable_clusters(current_user)
    choices = [SelectChoice(c.id, c.name) for c in clusters]
    if can_start_reactivation(current_user, None):
        choices.insert(0, SelectChoice(0, str(_l("Alle clusters"))))
    form.cluster_id.choices = choices
    if request.method == "GET":
        form.inactive_days.data = current_app.config["LOKET_INACTIVITY_DAYS"]
    preview = None
    status = 200
    if form.validate_on_submit():
        scope = scope_of(form)
        action = request.form.get("action")
        if action == "start":
            try:
                run = attempt(
                    lambda: launch_confirmed(current_user, scope, request.form.get("confirm")),
                    form,
                    reraise=(svc.UnfinishedRun,),
                )
            except svc.UnfinishedRun as exc:
                flash(exc.message, "error")
                status = 409
            else:
                if run is not FAILED:
                    flash(_l("Verzendronde %(id)s is gestart.", id=run.id), "success")
                    return redirect(url_for("reactivation.run", run_id=run.id))
        elif action == "test":
            sent = attempt(lambda: send_test(current_user, scope), form)
            if sent is not FAILED:
                flash(_l("Een testbericht gaat naar %(a)s.", a=sent.to_addr), "success")
        counted = attempt(lambda: preview_run(current_user, scope), form)
        preview = None if counted is FAILED else counted
    unfinished = [r for r in svc.unfinished_runs(None) if can_view_run(current_user, r)]
    return (
        render_template(
            "reactivation/new.html",
            form=form,
            preview=preview,
            unfinished=[(r, svc.describe_run(r)) for r in unfinished],
            resume_form=EmptyForm(),
        ),
        status,
    )


@bp.post("/heractivering/<id:run_id>/hervatten")
@staff_required
def resume(run_id: int):
    """Resume a run that did not finish (after a crash) in the background."""
    queries.run_for(current_user, run_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if attempt(lambda: launch_resume(current_user, run_id)) is not FAILED:
        flash(_l("Verzendronde %(id)s wordt hervat.", id=run_id), "success")
    return redirect(url_for("reactivation.run", run_id=run_id))


@bp.get("/heractivering/<id:run_id>")
@staff_required
def run(run_id: int):
    r = queries.run_for(current_user, run_id)
    return render_template(
        "reactivation/run.html",
        run=r,
        cluster=queries.cluster_name(r.cluster_id),
        progress=svc.progress(r),
        form=EmptyForm(),
    )


@bp.get("/heractivering/<id:run_id>/voortgang")
@staff_required
def run_progress(run_id: int):
    doc = svc.progress(queries.run_for(current_user, run_id))
    doc["status_label"] = status_label(doc["status"])
    return jsonify(doc)


@bp.get("/heractivering/<id:run_id>/rapport")
@staff_required
def report(run_id: int):
    r = queries.run_for(current_user, run_id)
    rep = svc.run_report(r)
    if request.args.get("format") == "json":
        return jsonify(rep.as_dict())
    if request.args.get("format") == "csv":
        return reactivation_preview.report_csv(r.id, rep)
    days = _day_dates(r, len(rep.per_day))
    total = sum(rep.per_day)
    chart = day_chart(
        rep.per_day,
        title=str(_l("Heractiveringen per dag na de start van ronde %(id)s", id=r.id)),
        desc=str(
            _l(
                "%(n)s mensen werden in de eerste %(d)s dagen weer actief. De tabel onder de grafiek geeft "
                "de aantallen per dag.",
                n=total,
                d=len(rep.per_day),
            )
        ),
        tick_labels={i: days[i] for i in range(0, len(days), 7)},
        bar_label=str(_l("per dag")),
        line_label=str(_l("opgeteld")),
        empty_text=str(_l("Nog niemand heeft zijn account weer geactiveerd")),
    )
    return render_template("reactivation/report.html", run=r, report=rep, chart=chart, days=days)


def _day_dates(run, n: int) -> list[str]:
    """Short dates ('7 nov') for day 0..n-1 after the start of a run; day numbers before it started."""
    if run.started_at is None:
        return [str(_l("dag %(n)s", n=i)) for i in range(n)]
    return [fmt_date(run.started_at + timedelta(days=i)).rsplit(" ", 1)[0] for i in range(n)]


@bp.post("/heractivering/<id:run_id>/herinnering")
@staff_required
def reminder(run_id: int):
    queries.run_for(current_user, run_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    child = attempt(lambda: launch_reminder(current_user, run_id))
    if child is FAILED:
        return redirect(url_for("reactivation.run", run_id=run_id))
    flash(_l("Herinnering (ronde %(id)s) is gestart.", id=child.id), "success")
    return redirect(url_for("reactivation.run", run_id=child.id))


@bp.route("/heractivering/archief", methods=["GET", "POST"])
@staff_required
def archive():
    require(can_archive_users(current_user))
    form = EmptyForm()
    if form.validate_on_submit():
        done = svc.archive_dormant(current_user)
        flash(_l("%(n)s gebruikers gearchiveerd.", n=len(done)), "success")
        return redirect(url_for("reactivation.archive"))
    return render_template("reactivation/archive.html", candidates=svc.archive_candidates(), form=form)


# --- public pages behind the links in the mail ------------------------------------------------------
@bp.route("/heractiveren/<token>", methods=["GET", "POST"])
def landing(token: str):
    try:
        tok, profile = svc.profile_for(token)
    except TokenError as exc:
        code = 410 if exc.reason in ("used", "expired") else 404
        return render_template("reactivation/link_error.html", reason=exc.reason, message=exc.message), code
    form = ConfirmForm()
    form.policy_email = tok.user.email
    if request.method == "GET":
        form.name.data, form.organisation.data, form.postcode.data = (
            profile.name,
            profile.organisation,
            profile.postcode,
        )
    if form.validate_on_submit():
        try:
            user = attempt(
                lambda: svc.confirm_reactivation(
                    token,
                    name=form.name.data,
                    organisation=form.organisation.data or "",
                    postcode=form.postcode.data or "",
                    password=form.password.data or None,
                ),
                form,
                reraise=(TokenError,),
            )
        except TokenError as exc:
            return render_template(
                "reactivation/link_error.html", reason=exc.reason, message=exc.message
            ), 410
        if user is not FAILED:
            login_user(user)
            flash(_l("Welkom terug! Je account is weer actief."), "success")
            return redirect(url_for("main.home"))
    status = 422 if form.errors else 200
    return render_template("reactivation/landing.html", form=form, profile=profile, user=tok.user), status


@bp.get("/afmelden/<token>")
def unsubscribe(token: str):
    try:
        user = user_for_unsubscribe(token)
    except TokenError as exc:
        return render_template("reactivation/link_error.html", reason=exc.reason, message=exc.message), 404
    return render_template("reactivation/unsubscribe.html", user=user, done=False)


@bp.post("/afmelden/<token>")
@csrf.exempt  # RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" without a session
def unsubscribe_post(token: str):
    try:
        user = svc.unsubscribe(token)
    except TokenError as exc:
        return render_template("reactivation/link_error.html", reason=exc.reason, message=exc.message), 404
    return render_template("reactivation/unsubscribe.html", user=user, done=True)


reactivation_preview.register(bp, RunForm, scope_of, staff_required)
