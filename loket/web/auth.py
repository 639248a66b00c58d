"""Login, logout, registration, email verification, password reset and invitation links."""

from __future__ import annotations

import math

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user, user_logged_in

from loket.extensions import limiter
from loket.i18n import current_locale
from loket.services import accounts
from loket.services.accounts import profile
from loket.services.accounts.links import TokenError
from loket.web import throttle
from loket.web.forms.accounts import (
    AcceptInviteForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResendVerificationForm,
    SetPasswordForm,
)
from loket.web.forms.service_call import FAILED, attempt
from loket.web.safe import is_safe_next, redirect_next

bp = Blueprint("auth", __name__)

INVALID = 422  # a form with errors: re-rendered, and the transaction is rolled back


def _cfg(name: str):
    return lambda: current_app.config[name]


def _rotate_csrf_token(sender, user, **extra) -> None:
    """At every login (password, invitation, reactivation link) the CSRF token starts afresh, so a
    token seen before the login is worthless after it."""
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(name, None)
    g.pop(name, None)


user_logged_in.connect(_rotate_csrf_token)


def _token_invalid(exc: TokenError):
    return render_template("auth/token_invalid.html", message=exc.message, reason=exc.reason), 400


# --------------------------------------------------------------------------- login / logout
@bp.route("/inloggen", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect_next(request.args.get("next"))
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        source = get_remote_address()
        # failures per source, per (address, source) with back-off, per address: no stranger lockout
        wait = throttle.login_wait(form.email.data, source)
        if wait:
            return _too_many("auth/login.html", form, wait)
        user = attempt(lambda: accounts.authenticate(form.email.data, form.password.data), form)
        if user is FAILED:
            throttle.login_failed(form.email.data, source)
        else:
            throttle.login_succeeded(form.email.data, source)
            login_user(user, remember=bool(form.remember.data))
            if not user.is_verified:
                flash(_("Bevestig nog je e-mailadres via de link die we je mailden."), "info")
            target = form.next.data
            return redirect(target) if is_safe_next(target) else redirect(url_for("main.home"))
    status = INVALID if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


def _too_many(template: str, form, wait: throttle.Wait):
    """The form again with 429, how long to wait, and a Retry-After header."""
    if not wait.address:  # the whole source: the same words as the general 429 page
        flash(_("Te veel pogingen. Wacht even en probeer het dan opnieuw."), "error")
    else:
        if wait.seconds <= 90:
            how_long = ngettext("%(num)s seconde", "%(num)s seconden", wait.seconds)
        else:
            how_long = ngettext("%(num)s minuut", "%(num)s minuten", math.ceil(wait.seconds / 60))
        flash(
            _(
                "Te veel pogingen voor dit e-mailadres. Wacht %(time)s en probeer het dan opnieuw.",
                time=how_long,
            ),
            "error",
        )
    response = make_response(render_template(template, form=form), 429)
    response.headers["Retry-After"] = str(wait.seconds)
    return response


@bp.post("/uitloggen")
def logout():
    if current_user.is_authenticated:  # copies of the session or remember cookie die too
        accounts.end_sessions(current_user._get_current_object())
    logout_user()
    flash(_("Je bent uitgelogd."), "success")
    return redirect(url_for("main.home"))


# --------------------------------------------------------------------------- registration
@bp.route("/aanmelden", methods=["GET", "POST"])
@limiter.limit(_cfg("LOKET_LOGIN_LIMIT"), methods=["POST"])
def register():
    form = RegisterForm()
    if request.method == "GET" and request.args.get("soort") in ("school", "company"):
        form.kind.data = request.args["soort"]
    if form.validate_on_submit():
        data = accounts.Registration(
            kind=form.kind.data,
            org_name=form.org_name.data,
            postcode=form.postcode.data,
            city=form.city.data,
            brin=form.brin.data,
            kvk=form.kvk.data,
            levels=tuple(form.levels.data or ()),
            sectors=tuple(form.sectors.data or ()),
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            locale=current_locale(),
        )
        if attempt(lambda: accounts.register(data), form) is not FAILED:
            return redirect(url_for("auth.register_sent"))
    status = INVALID if request.method == "POST" else 200
    return render_template("auth/register.html", form=form), status


@bp.get("/aanmelden/verstuurd")
def register_sent():
    return render_template("auth/check_email.html")


@bp.get("/bevestigen/<token>")
def verify_email(token: str):
    try:
        accounts.verify_email(token)
    except TokenError as exc:
        return _token_invalid(exc)
    return render_template("auth/verified.html")


@bp.post("/bevestigen/opnieuw")
@login_required
@limiter.limit(_cfg("LOKET_RESET_LIMIT"))
def resend_verification():
    if ResendVerificationForm().validate_on_submit():
        accounts.send_verification(current_user)
        flash(
            _("We hebben een nieuwe bevestigingslink gestuurd naar %(email)s.", email=current_user.email),
            "success",
        )
    return redirect(url_for("account.profile"))


@bp.get("/email-wijzigen/<token>")
def confirm_email_change(token: str):
    try:
        user = profile.confirm_email_change(token)
    except TokenError as exc:
        return _token_invalid(exc)
    return render_template("auth/email_changed.html", email=user.email)


# --------------------------------------------------------------------------- password reset
@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # per source, per (address, source) and per address: a stranger cannot block the owner
        wait = throttle.reset_wait(form.email.data, get_remote_address())
        if wait:
            return _too_many("auth/forgot.html", form, wait)
        accounts.request_password_reset(form.email.data)
        return render_template("auth/forgot_sent.html")
    status = INVALID if request.method == "POST" else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = accounts.check_reset_token(token)
    except TokenError as exc:
        return _token_invalid(exc)
    form = SetPasswordForm()
    form.policy_email = user.email
    if form.validate_on_submit():
        try:
            done = attempt(
                lambda: accounts.reset_password(token, form.password.data), form, reraise=(TokenError,)
            )
        except TokenError as exc:
            return _token_invalid(exc)
        if done is not FAILED:
            throttle.forgive_login_failures(user.email or "", get_remote_address())
            logout_user()
            flash(_("Je wachtwoord is gewijzigd. Log in met je nieuwe wachtwoord."), "success")
            return redirect(url_for("auth.login"))
    status = INVALID if request.method == "POST" else 200
    return render_template("auth/reset.html", form=form), status


# --------------------------------------------------------------------------- invitations
@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    try:
        invited = accounts.check_invite_token(token)
    except TokenError as exc:
        return _token_invalid(exc)
    form = AcceptInviteForm()
    form.policy_email = invited.email
    if request.method == "GET":
        form.name.data = invited.name
    if form.validate_on_submit():
        try:
            user = attempt(
                lambda: accounts.accept_invite(token, name=form.name.data, password=form.password.data),
                form,
                reraise=(TokenError,),
            )
        except TokenError as exc:
            return _token_invalid(exc)
        if user is not FAILED:
            logout_user()
            login_user(user)
            flash(_("Welkom bij Loket! Je account is actief."), "success")
            return redirect(url_for("main.home"))
    status = INVALID if request.method == "POST" else 200
    org = invited.organisation
    return render_template("auth/accept_invite.html", form=form, invited=invited, organisation=org), status
