"""Error pages (403, 404, 405, 409, 429, 500) as HTML, or JSON under /api/."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from loket.db import ValueTooLong, db
from loket.services import NotFound, PermissionDenied, StaleEdit

TITLES = {
    400: _l("Ongeldig verzoek"),
    403: _l("Geen toegang"),
    404: _l("Pagina niet gevonden"),
    405: _l("Methode niet toegestaan"),
    409: _l("Conflict"),
    422: _l("Ongeldige invoer"),
    429: _l("Te veel pogingen"),
    500: _l("Er ging iets mis"),
}


def _render(code: int, message: str | None = None):
    db.session.rollback()
    title = str(TITLES.get(code, _l("Fout")))
    if request.path.startswith("/api/"):
        return jsonify({"error": title, "message": message or title, "status": code}), code
    return render_template("error.html", code=code, title=title, message=message), code


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
        return _render(500)
