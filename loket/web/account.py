"""The own account: profile, password, organisation profile, invites, data download, deletion."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from loket.extensions import limiter
from loket.services import StaleEdit, accounts
from loket.services.accounts import privacy
from loket.services.accounts import profile as profile_service
from loket.web.forms.accounts import (
    ChangePasswordForm,
    DeleteAccountForm,
    EmptyForm,
    InviteForm,
    OrganisationForm,
    ProfileForm,
    ResendVerificationForm,
)
from loket.web.forms.service_call import FAILED, attempt

bp = Blueprint("account", __name__, url_prefix="/account")

INVALID = 422


@bp.before_request
@login_required
def _require_login():
    return None


def _cfg(name: str):
    return lambda: current_app.config[name]


def _user_key() -> str:
    return f"user:{current_user.get_id()}"


def _keeps_email() -> bool:
    """True unless this profile POST changes the email address (only changes are limited)."""
    new = (request.form.get("email") or "").strip().lower()
    return not new or new == (current_user.email or "").lower()


def _refused(response) -> bool:
    return response.status_code >= 400


@bp.route("", methods=["GET", "POST"])
@limiter.limit(
    _cfg("LOKET_EMAIL_CHANGE_LIMIT"), methods=["POST"], key_func=_user_key, exempt_when=_keeps_email
)
@limiter.limit(_cfg("LOKET_EMAIL_CHANGE_IP_LIMIT"), methods=["POST"], exempt_when=_keeps_email)
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user if request.method == "GET" else None)
    if form.validate_on_submit():
        changing = attempt(
            lambda: profile_service.update_profile(
                user,
                name=form.name.data,
                email=form.email.data,
                phone=form.phone.data,
                locale=form.locale.data,
                notify_mode=form.notify_mode.data,
            ),
            form,
        )
        if changing is not FAILED:
            flash(_("Je gegevens zijn opgeslagen."), "success")
            if changing:
                flash(
                    _(
                        "We hebben een bevestigingslink gestuurd naar %(email)s. Je nieuwe e-mailadres "
                        "geldt pas als je op die link klikt.",
                        email=form.email.data,
                    ),
                    "info",
                )
            resp = redirect(url_for("account.profile"))
            resp.set_cookie("lang", user.locale, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
            return resp
    status = INVALID if request.method == "POST" else 200
    return render_template(
        "account/profile.html",
        form=form,
        user=user,
        resend_form=ResendVerificationForm(),
        logout_form=EmptyForm(),
    ), status


@bp.route("/wachtwoord", methods=["GET", "POST"])
def password():
    form = ChangePasswordForm()
    form.policy_email = current_user.email
    if form.validate_on_submit():
        user = current_user._get_current_object()
        changed = attempt(
            lambda: accounts.change_password(user, form.current_password.data, form.new_password.data), form
        )
        if changed is not FAILED:
            remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(user, remember=bool(request.cookies.get(remember_cookie)))  # new id, same browser
            flash(_("Je wachtwoord is gewijzigd. Op je andere apparaten ben je uitgelogd."), "success")
            return redirect(url_for("account.profile"))
    status = INVALID if request.method == "POST" else 200
    return render_template("account/password.html", form=form), status


@bp.post("/overal-uitloggen")
def logout_everywhere():
    if not EmptyForm().validate_on_submit():
        abort(400)
    accounts.log_out_everywhere(current_user._get_current_object())
    logout_user()
    flash(_("Je bent op al je apparaten en in al je browsers uitgelogd."), "success")
    return redirect(url_for("auth.login"))


@bp.get("/organisatie")
def own_organisation():
    if current_user.organisation_id is None:
        abort(404)
    return redirect(url_for("account.organisation", org_id=current_user.organisation_id))


@bp.route("/organisatie/<id:org_id>", methods=["GET", "POST"])
def organisation(org_id: int):
    org = profile_service.organisation_for_edit(current_user, org_id)  # 404 / 403
    form = OrganisationForm()
    if request.method == "GET":
        loc = org.primary_location
        form.process(
            data={
                "version_id": org.version_id,
                "name": org.name,
                "brin": org.brin or "",
                "kvk": org.kvk or "",
                "levels": org.levels,
                "sectors": org.sectors,
                "postcode": loc.postcode if loc else "",
                "city": loc.city if loc else "",
                "profile": org.profile,
            }
        )
    status = 200
    if form.validate_on_submit():
        try:
            saved = attempt(
                lambda: profile_service.update_organisation(
                    current_user,
                    org_id,
                    version_id=_int_or_none(form.version_id.data),
                    name=form.name.data,
                    postcode=form.postcode.data,
                    city=form.city.data,
                    brin=form.brin.data,
                    kvk=form.kvk.data,
                    levels=form.levels.data or (),
                    sectors=form.sectors.data or (),
                    profile=form.profile.data,
                ),
                form,
            )
        except StaleEdit as exc:
            flash(exc.message, "error")
            status = 409
        else:
            if saved is not FAILED:
                flash(_("De gegevens van de organisatie zijn opgeslagen."), "success")
                return redirect(url_for("account.organisation", org_id=org_id))
            status = INVALID
    elif request.method == "POST":
        status = INVALID
    return render_template("account/organisation.html", form=form, org=org), status


def _int_or_none(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@bp.route("/collega-uitnodigen", methods=["GET", "POST"])
@limiter.limit(_cfg("LOKET_INVITE_LIMIT"), methods=["POST"], key_func=_user_key)
@limiter.limit(_cfg("LOKET_INVITE_IP_LIMIT"), methods=["POST"])
def invite():
    accounts.require_can_invite(current_user)
    form = InviteForm()
    if form.validate_on_submit():
        invited = attempt(
            lambda: accounts.invite_colleague(current_user, name=form.name.data, email=form.email.data), form
        )
        if invited is not FAILED:
            flash(_("De uitnodiging is verstuurd naar %(email)s.", email=form.email.data), "success")
            return redirect(url_for("account.profile"))
    status = INVALID if request.method == "POST" else 200
    return render_template("account/invite.html", form=form), status


@bp.get("/mijn-gegevens")
def export():
    user = current_user._get_current_object()
    data = privacy.export_user_data(user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="loket-mijn-gegevens.json"'},
    )


@bp.route("/verwijderen", methods=["GET", "POST"])
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        deleted = attempt(
            lambda: privacy.delete_account(current_user._get_current_object(), form.password.data), form
        )
        if deleted is not FAILED:
            logout_user()
            flash(_("Je account is verwijderd. Je persoonlijke gegevens zijn gewist."), "success")
            return redirect(url_for("main.home"))
    status = INVALID if request.method == "POST" else 200
    return render_template("account/delete.html", form=form), status
