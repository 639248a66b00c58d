"""Career days for companies and schools on the web: register, edit and withdraw one's own sessions
and groups until the deadline, and the one-click invitation link (no login: the link stands for one
user and one event). Thin: the services check who may do what."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user

from loket.services.events import changes, invitations, register_group, register_session
from loket.services.events.invitations import InvitationError
from loket.services.events.registration import is_open
from loket.web.events_manage import login_first
from loket.web.forms.events import EventActionForm, GroupForm, SessionForm
from loket.web.forms.service_call import FAILED, attempt

bp = Blueprint("events_register", __name__, url_prefix="/loopbaandagen")


@dataclass(frozen=True)
class _Side:
    """What differs between a company's sessions and a school's groups on these pages."""

    kind: str  # "session" | "group": the template's name for the row
    form: type
    own: Callable  # (actor, event_id) -> (event, own rows)
    get_own: Callable  # (actor, event_id, row_id) -> row, or NotFound
    register: Callable
    update: Callable
    withdraw: Callable
    endpoint: str
    template: str
    saved: LazyString
    changed: LazyString
    withdrawn: LazyString


SESSIONS = _Side(
    kind="session",
    form=SessionForm,
    own=changes.own_sessions,
    get_own=changes.get_own_session,
    register=register_session,
    update=changes.update_session,
    withdraw=changes.withdraw_session,
    endpoint="events_register.sessions",
    template="events/session",
    saved=_l("De sessie is aangemeld."),
    changed=_l("De sessie is gewijzigd."),
    withdrawn=_l("De sessie is ingetrokken."),
)
GROUPS = _Side(
    kind="group",
    form=GroupForm,
    own=changes.own_groups,
    get_own=changes.get_own_group,
    register=register_group,
    update=changes.update_group,
    withdraw=changes.withdraw_group,
    endpoint="events_register.groups",
    template="events/group",
    saved=_l("De groep is aangemeld."),
    changed=_l("De groep is gewijzigd."),
    withdrawn=_l("De groep is afgemeld."),
)


def _own_list(side: _Side, event_id: int):
    """One's own sessions or groups for this event and the form for a new one."""
    if (refused := login_first()) is not None:
        return refused
    event, mine = side.own(current_user, event_id)
    form = side.form(event=event)
    if form.validate_on_submit():
        saved = attempt(lambda: side.register(current_user, event_id, form.to_data(), date.today()), form)
        if saved is not FAILED:
            flash(str(side.saved), "success")
            return redirect(url_for(side.endpoint, event_id=event_id))
    code = 422 if form.is_submitted() else 200
    return render_template(
        f"{side.template}s.html",
        event=event,
        mine=mine,
        form=form,
        is_open=is_open(event, date.today()),
        action=EventActionForm(),
    ), code


def _edit(side: _Side, event_id: int, row_id: int):
    """Change one of one's own sessions or groups (until the deadline)."""
    if (refused := login_first()) is not None:
        return refused
    row = side.get_own(current_user, event_id, row_id)
    form = side.form(event=row.event)
    if request.method == "GET":
        form.fill(row)
    if form.validate_on_submit():
        saved = attempt(
            lambda: side.update(current_user, event_id, row_id, form.to_data(), date.today()), form
        )
        if saved is not FAILED:
            flash(str(side.changed), "success")
            return redirect(url_for(side.endpoint, event_id=event_id))
    code = 422 if form.is_submitted() else 200
    return render_template(f"{side.template}_edit.html", event=row.event, form=form, **{side.kind: row}), code


def _withdraw(side: _Side, event_id: int, row_id: int):
    """Withdraw one of one's own sessions or groups (until the deadline)."""
    if (refused := login_first()) is not None:
        return refused
    side.get_own(current_user, event_id, row_id)
    done = EventActionForm().validate_on_submit() and attempt(
        lambda: side.withdraw(current_user, event_id, row_id, date.today())
    )
    if done not in (False, FAILED):
        flash(str(side.withdrawn), "success")
    return redirect(url_for(side.endpoint, event_id=event_id))


# --------------------------------------------------------------------------- companies: sessions
@bp.route("/<id:event_id>/sessie", methods=["GET", "POST"])
def sessions(event_id: int):
    """The company's sessions for this event and the form for a new one."""
    return _own_list(SESSIONS, event_id)


@bp.route("/<id:event_id>/sessie/<id:session_id>", methods=["GET", "POST"])
def edit_session(event_id: int, session_id: int):
    """Change one of the company's sessions (until the deadline)."""
    return _edit(SESSIONS, event_id, session_id)


@bp.post("/<id:event_id>/sessie/<id:session_id>/intrekken")
def withdraw_session(event_id: int, session_id: int):
    """Withdraw one of the company's sessions (until the deadline)."""
    return _withdraw(SESSIONS, event_id, session_id)


# --------------------------------------------------------------------------- schools: groups
@bp.route("/<id:event_id>/groep", methods=["GET", "POST"])
def groups(event_id: int):
    """The school's groups for this event and the form for a new one."""
    return _own_list(GROUPS, event_id)


@bp.route("/<id:event_id>/groep/<id:group_id>", methods=["GET", "POST"])
def edit_group(event_id: int, group_id: int):
    """Change one of the school's groups (until the deadline)."""
    return _edit(GROUPS, event_id, group_id)


@bp.post("/<id:event_id>/groep/<id:group_id>/intrekken")
def withdraw_group(event_id: int, group_id: int):
    """Withdraw one of the school's groups (until the deadline)."""
    return _withdraw(GROUPS, event_id, group_id)


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
