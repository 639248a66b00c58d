"""In-app notifications: the list, mark one or all as read."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from loket.services import notifications as svc
from loket.web.forms.base import LoketForm
from loket.web.inputs import page_arg
from loket.web.safe import is_safe_next

bp = Blueprint("notifications", __name__, url_prefix="/meldingen")


class CsrfForm(LoketForm):
    pass


@bp.before_request
def _login():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


@bp.get("/")
def index():
    unread_only = request.args.get("ongelezen") == "1"
    page = svc.page_for(
        current_user,
        page=page_arg(),
        per_page=int(current_app.config["LOKET_PAGE_SIZE"]),
        unread_only=unread_only,
    )
    return render_template("notifications/index.html", page=page, unread_only=unread_only, form=CsrfForm())


@bp.post("/<id:notification_id>/gelezen")
def mark_read(notification_id: int):
    if not CsrfForm().validate_on_submit():
        abort(400)
    note = svc.mark_read(current_user, notification_id)
    if request.form.get("open") and note.link and is_safe_next(note.link):
        return redirect(note.link)
    return redirect(url_for("notifications.index"))


@bp.post("/alles-gelezen")
def mark_all_read():
    if not CsrfForm().validate_on_submit():
        abort(400)
    svc.mark_all_read(current_user)
    return redirect(url_for("notifications.index"))
