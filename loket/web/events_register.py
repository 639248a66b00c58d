"""Career days for companies and schools on the web: register, edit and withdraw one's own sessions
and groups until the deadline, and the one-click invitation link (no login: the link stands for one
user and one event). Thin: the services check who may do what."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from loket.services.events import changes, invitations, register_group, register_session
from loket.services.events.invitations import InvitationError
from loket.web.events_manage import login_first
from loket.web.forms.events import EventActionForm, GroupForm, SessionForm
from loket.web.forms.service_call import FAILED, attempt

bp = Blueprint("events_register", __name__, url_prefix="/loopbaandagen")


def _open(event) -> bool:
    return date.today() <= event.registration_deadline


# --------------------------------------------------------------------------- companies: sessions
@bp.route("/<id:event_id>/sessie", methods=["GET", "POST"])
def sessions(event_id: int):
    """The company's sessions for this event and the form for a new one."""
    if (refused := login_first()) is not None:
        return refused
    event, mine = changes.own_sessions(current_user, event_id)
    form = SessionForm(event=event)
    if form.validate_on_submit():
        saved = attempt(lambda: register_session(current_user, event_id, form.to_data(), date.today()), form)
        if saved is not FAILED:
            flash(_("De sessie is aangemeld."), "success")
            return redirect(url_for("events_register.sessions", event_id=event_id))
    code = 422 if form.is_submitted() else 200
    return render_template(
        "events/sessions.html",
        event=event,
        mine=mine,
        form=form,
        is_open=_open(event),
        action=EventActionForm(),
    ), code


@bp.route("/<id:event_id>/sessie/<id:session_id>", methods=["GET", "POST"])
def edit_session(event_id: int, session_id: int):
    """Change one of the company's sessions (until the deadline)."""
    if (refused := login_first()) is not None:
        return refused
    session = changes.get_own_session(current_user, event_id, session_id)
    form = SessionForm(event=session.event)
    if request.method == "GET":
        form.fill(session)
    if form.validate_on_submit():
        saved = attempt(
            lambda: changes.update_session(current_user, event_id, session_id, form.to_data(), date.today()),
            form,
        )
        if saved is not FAILED:
            flash(_("De sessie is gewijzigd."), "success")
            return redirect(url_for("events_register.sessions", event_id=event_id))
    code = 422 if form.is_submitted() else 200
    return render_template("events/session_edit.html", event=session.event, session=session, form=form), code


@bp.post("/<id:event_id>/sessie/<id:session_id>/intrekken")
def withdraw_session(event_id: int, session_id: int):
    """Withdraw one of the company's sessions (until the deadline)."""
    if (refused := login_first()) is not None:
        return refused
    changes.get_own_session(current_user, event_id, session_id)
    done = EventActionForm().validate_on_submit() and attempt(
        lambda: changes.withdraw_session(current_user, event_id, session_id, date.today())
    )
    if done not in (False, FAILED):
        flash(_("De sessie is ingetrokken."), "success")
    return redirect(url_for("events_register.sessions", event_id=event_id))


# --------------------------------------------------------------------------- schools: groups
@bp.route("/<id:event_id>/groep", methods=["GET", "POST"])
def groups(event_id: int):
    """The school's groups for this event and the form for a new one."""
    if (refused := login_first()) is not None:
        return refused
    event, mine = changes.own_groups(current_user, event_id)
    form = GroupForm(event=event)
    if form.validate_on_submit():
        saved = attempt(lambda: register_group(current_user, event_id, form.to_data(), date.today()), form)
        if saved is not FAILED:
            flash(_("De groep is aangemeld."), "success")
            return redirect(url_for("events_register.groups", event_id=event_id))
    code = 422 if form.is_submitted() else 200
    return render_template(
        "events/groups.html",
        event=event,
        mine=mine,
        form=form,
        is_open=_open(event),
        action=EventActionForm(),
    ), code


@bp.route("/<id:event_id>/groep/<id:group_id>", methods=["GET", "POST"])
def edit_group(event_id: int, group_id: int):
    """Change one of the school's groups (until the deadline)."""
    if (refused := login_first()) is not None:
        return refused
    group = changes.get_own_group(current_user, event_id, group_id)
    form = GroupForm(event=group.event)
    if request.method == "GET":
        form.fill(group)
    if form.validate_on_submit():
        saved = attempt(
            lambda: changes.update_group(current_user, event_id, group_id, form.to_data(), date.today()), form
        )
        if saved is not FAILED:
            flash(_("De groep is gewijzigd."), "success")
            return redirect(url_for("events_register.groups", event_id=event_id))
    code = 422 if form.is_submitted() else 200
    return render_template("events/group_edit.html", event=group.event, group=group, form=form), code


@bp.post("/<id:event_id>/groep/<id:group_id>/intrekken")
def withdraw_group(event_id: int, group_id: int):
    """Withdraw one of the school's groups (until the deadline)."""
    if (refused := login_first()) is not None:
        return refused
    changes.get_own_group(current_user, event_id, group_id)
    done = EventActionForm().validate_on_submit() and attempt(
        lambda: changes.withdraw_group(current_user, event_id, group_id, date.today())
    )
    if done not in (False, FAILED):
        flash(_("De groep is afgemeld."), "success")
    return redirect(url_for("events_register.groups", event_id=event_id))


# --------------------------------------------------------------------------- the invitation link
@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The session form behind an invitation mail: works without logging in, once."""
    try:
        inv, _row = invitations.load_invitation(token)
    except InvitationError as exc:
        code = 410 if exc.reason in ("used", "expired") else 404
        return render_template("events/invitation_error.html", message=exc.message, reason=exc.reason), code
    event = changes.get_event(inv.event_id)
    form = SessionForm(event=event)
    if form.validate_on_submit():
        try:
            saved = attempt(
                lambda: invitations.register_by_invitation(token, form.to_data(), date.today()),
                form,
                reraise=(InvitationError,),
            )
        except InvitationError as exc:
            return render_template(
                "events/invitation_error.html", message=exc.message, reason=exc.reason
            ), 410
        if saved is not FAILED:
            return render_template("events/invitation_done.html", event=event, session=saved, user=inv.user)
    code = 422 if form.is_submitted() else 200
    return render_template("events/invitation.html", event=event, inv=inv, form=form, token=token), code
