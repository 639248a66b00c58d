"""Landing page, per-role home and language switch (health checks: ``loket/web/health.py``)."""

from __future__ import annotations

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from loket.web.safe import is_safe_next

bp = Blueprint("main", __name__)

ROLE_HOME = {
    "school": "school.dashboard",
    "company": "company.dashboard",
    "cluster_manager": "regions.dashboard",
    "admin": "admin.dashboard",
}


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("landing.html")
    endpoint = ROLE_HOME.get(current_user.role)
    if endpoint:
        try:
            return redirect(url_for(endpoint))
        except BuildError:
            pass
    return render_template("home.html")


@bp.get("/taal/<code>")
def set_language(code: str):
    if code not in current_app.config["LOKET_LOCALES"]:
        code = "nl"
    target = request.args.get("next")
    resp = make_response(redirect(target if is_safe_next(target) else url_for("main.home")))
    resp.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return resp


@bp.get("/privacy")
def privacy():
    return render_template("privacy.html")
