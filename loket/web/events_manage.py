"""Career days for managers on the web: the overview, creating an event, inviting companies and
planning from the web. Thin: the services (``loket.services.events``) check who may do what."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from loket.services import PermissionDenied
from loket.services.events import changes, create_event, editing, invitations, plan_event
from loket.web.forms.events import EventActionForm, EventForm, InviteForm
from loket.web.forms.service_call import FAILED, attempt

bp = Blueprint("events_manage", __name__, url_prefix="/loopbaandagen")

DEFAULT_INVITES = 10  # preselected on the invitation page: the best ten not yet invited


def login_first() -> Response | None:
    """Send a visitor to the login page first (the page comes back after it)."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


bp.before_request(login_first)


@bp.get("/")
def overview():
    """The events the user may see: managers theirs, schools and companies those of their cluster."""
    listing = changes.visible_events(current_user, date.today())
    return render_template("events/overview.html", listing=listing, today=date.today())


@bp.route("/nieuw", methods=["GET", "POST"])
def new():
    """Create a career day (cluster managers for their clusters, admins)."""
    clusters = changes.creatable_clusters(current_user)
    if not clusters or current_user.role not in ("cluster_manager", "admin"):
        raise PermissionDenied()
    form = EventForm(clusters=clusters, today=date.today())
    if request.method == "POST" and request.form.get("meer_rijen"):
        form.add_rows()
        return render_template("events/new.html", form=form, event=None), 200
    if form.validate_on_submit():
        event = attempt(lambda: create_event(current_user, form.to_data(), date.today()), form)
        if event is not FAILED:
            flash(_("De loopbaandag is aangemaakt. Nodig nu bedrijven uit."), "success")
            return redirect(url_for("events.manage", event_id=event.id))
    if request.method == "GET" and len(clusters) == 1:
        form.cluster_ids.data = [clusters[0].id]
    return render_template("events/new.html", form=form, event=None), 422 if form.is_submitted() else 200


@bp.route("/<id:event_id>/wijzigen", methods=["GET", "POST"])
def edit(event_id: int):
    """Change an event while it is not published (its managers)."""
    event = attempt(lambda: editing.editable_event(current_user, event_id))
    if event is FAILED:
        return redirect(url_for("events.manage", event_id=event_id))
    form = EventForm(clusters=changes.creatable_clusters(current_user), today=date.today())
    if request.method == "GET":
        form.fill(event)
    elif request.form.get("meer_rijen"):
        form.add_rows()
        return render_template("events/new.html", form=form, event=event), 200
    elif form.validate_on_submit():
        saved = attempt(
            lambda: editing.update_event(
                current_user, event_id, form.to_data(), form.row_ids(), date.today()
            ),
            form,
        )
        if saved is not FAILED:
            flash(_("De loopbaandag is gewijzigd."), "success")
            return redirect(url_for("events.manage", event_id=event_id))
    return render_template("events/new.html", form=form, event=event), 422 if form.is_submitted() else 200


@bp.route("/<id:event_id>/uitnodigen", methods=["GET", "POST"])
def invite(event_id: int):
    """The ranked companies of the event's clusters; the chosen ones get a mail with a one-click link."""
    event, ranked = invitations.candidates(current_user, event_id)
    form = InviteForm()
    form.organisations.choices = [(c.organisation.id, c.organisation.name) for c in ranked]
    if form.validate_on_submit():
        done = attempt(
            lambda: invitations.send_invitations(
                current_user, event_id, form.organisations.data or [], date.today()
            ),
            form,
        )
        if done is not FAILED:
            companies, mails = done
            flash(
                _(
                    "%(companies)s bedrijven uitgenodigd (%(mails)s e-mails).",
                    companies=companies,
                    mails=mails,
                ),
                "success",
            )
            return redirect(url_for("events_manage.invite", event_id=event_id))
    elif request.method == "GET":
        try:
            top = max(0, min(int(request.args.get("aantal", DEFAULT_INVITES)), len(ranked)))
        except ValueError:
            top = DEFAULT_INVITES
        form.organisations.data = [c.organisation.id for c in ranked if not c.invited and c.contacts][:top]
    code = 422 if form.errors else 200
    return render_template(
        "events/invite.html", event=event, ranked=ranked, form=form, wanted=invitations.wanted_sectors(event)
    ), code


@bp.post("/<id:event_id>/plannen")
def plan(event_id: int):
    """Plan (or re-plan) the event now, within ``LOKET_EVENT_PLAN_WEB_S`` seconds."""
    form = EventActionForm()
    if form.validate_on_submit():
        limit = float(current_app.config["LOKET_EVENT_PLAN_WEB_S"])
        result = attempt(lambda: plan_event(event_id, current_user, time_limit=limit))
        if result is not FAILED:
            flash(
                _(
                    "Ingedeeld: %(placed)s van %(total)s groepsrondes, %(unplaced)s niet ingedeeld.",
                    placed=len(result.assignments),
                    total=len(result.assignments) + len(result.unplaced),
                    unplaced=len(result.unplaced),
                ),
                "success",
            )
    else:
        flash(_("Het formulier is verlopen. Probeer het opnieuw."), "error")
    return redirect(url_for("events.manage", event_id=event_id))
