"""Flask extensions, created without an app and bound in ``create_app``."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from loket.db import database_unavailable, db, safe_rollback

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = "strong"

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
babel = Babel()

__all__ = ["db", "login_manager", "csrf", "limiter", "babel", "select_locale"]


def select_locale() -> str:
    """Locale from the ``lang`` cookie, then the user's setting; Dutch by default.

    With the database down the user cannot be loaded: answer Dutch and leave the error to whatever
    needs the user next (the view, or the 503 page, which renders for an anonymous visitor)."""
    from flask import current_app, has_request_context
    from flask_login import current_user

    if not has_request_context():  # a CLI command or a job: messages read there are Dutch
        return "nl"
    supported = current_app.config["LOKET_LOCALES"]
    cookie = request.cookies.get("lang")
    if cookie in supported:
        return cookie
    try:
        if getattr(current_user, "is_authenticated", False) and current_user.locale in supported:
            return current_user.locale
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        safe_rollback()
    return "nl"
