"""Error pages (403, 404, 405, 409, 429, 500, 503) as HTML, or JSON under /api/.

The error pages must render while the database is down: a database that cannot be reached
(connection refused, pool timeout, unreadable SQLite file) answers 503 "Loket is tijdelijk niet
bereikbaar" with the normal error template, rendered for an anonymous visitor so that neither the
user loader nor the notification badge query the database again. If even that fails, a small
static page is sent, never a bare server error.
"""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from loket.db import ValueTooLong, database_unavailable, safe_rollback
from loket.services import NotFound, PermissionDenied, StaleEdit
from loket.web import db_restart

log = logging.getLogger(__name__)

TITLES = {
    400: _l("Ongeldig verzoek"),
    403: _l("Geen toegang"),
    404: _l("Pagina niet gevonden"),
    405: _l("Methode niet toegestaan"),
    409: _l("Conflict"),
    422: _l("Ongeldige invoer"),
    429: _l("Te veel pogingen"),
    500: _l("Er ging iets mis"),
    503: _l("Loket is tijdelijk niet bereikbaar"),
}
UNAVAILABLE_MESSAGE = _l("De database is even niet bereikbaar. Probeer het over een paar minuten opnieuw.")
RETRY_AFTER_S = 30
# last resort when even the template cannot be rendered (no database, no locale, no user)
STATIC_PAGE = (
    '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>{title}</title></head>'
    "<body><h1>{title} ({code})</h1><p>Probeer het over een paar minuten opnieuw.</p>"
    '<p><a href="/">Terug naar de startpagina</a></p></body></html>'
)


def forget_user() -> None:
    """Treat the rest of this request as anonymous so nothing loads the user from the database."""
    from flask import current_app

    g._login_user = current_app.login_manager.anonymous_user()


def _static(code: int, title: str):
    html = STATIC_PAGE.format(code=code, title=title)
    return html, code, {"Content-Type": "text/html; charset=utf-8"}


def _render(code: int, message: str | None = None):
    safe_rollback()
    if code == 503:
        forget_user()
    title = str(TITLES.get(code, _l("Fout")))
    headers = {"Retry-After": str(RETRY_AFTER_S)} if code == 503 else {}
    if request.path.startswith("/api/"):
        return jsonify({"error": title, "message": message or title, "status": code}), code, headers
    try:
        return render_template("error.html", code=code, title=title, message=message), code, headers
    except Exception as exc:  # noqa: BLE001 - the error page must always answer
        if database_unavailable(exc) and code != 503:
            log.warning("error page %s needed the database, which is unavailable: %s", code, exc)
            db_restart.mark_unavailable()
            return _render(503, str(UNAVAILABLE_MESSAGE))
        log.exception("rendering the error page %s failed", code)
        return _static(code, "Loket is tijdelijk niet bereikbaar" if code == 503 else "Er ging iets mis")


def _unavailable(exc: BaseException):
    log.error("database unavailable on %s %s: %s", request.method, request.path, exc)
    db_restart.mark_unavailable()  # a GET is run again once (loket.web.db_restart)
    return _render(503, str(UNAVAILABLE_MESSAGE))


def register(app: Flask) -> None:
    @app.errorhandler(PermissionDenied)
    def _denied(exc: PermissionDenied):
        return _render(403, exc.message)

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound):
        return _render(404, exc.message)

    @app.errorhandler(StaleEdit)
    def _stale(exc: StaleEdit):
        return _render(409, exc.message)

    @app.errorhandler(ValueTooLong)
    def _too_long(exc: ValueTooLong):
        message = gettext(
            "Een ingevulde waarde past niet (%(column)s %(problem)s). Pas hem aan en probeer het opnieuw.",
            column=exc.column,
            problem=exc.problem,
        )
        return _render(422, message)

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def _database(exc: Exception):
        if database_unavailable(exc):
            return _unavailable(exc)
        raise exc  # a wrong statement, a constraint: a bug, handled as a 500 below

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = exc.code or 500
        message = None
        if code == 429:
            message = str(_l("Te veel pogingen. Wacht even en probeer het dan opnieuw."))
        elif code == 400 and exc.description and "CSRF" in exc.description:
            message = str(_l("Het formulier is verlopen. Herlaad de pagina en probeer het opnieuw."))
        return _render(code, message)

    @app.errorhandler(500)
    def _server_error(exc):
        if database_unavailable(getattr(exc, "original_exception", None)):
            return _unavailable(exc.original_exception)
        return _render(500)
