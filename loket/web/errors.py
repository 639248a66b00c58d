"""Error pages (403, 404, 405, 409, 429, 500) as HTML, or JSON under /api/."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from loket.db import db
from loket.services import NotFound, PermissionDenied, StaleEdit

TITLES = {
    400: "Ongeldig verzoek",
    403: "Geen toegang",
    404: "Pagina niet gevonden",
    405: "Methode niet toegestaan",
    409: "Conflict",
    429: "Te veel pogingen",
    500: "Er ging iets mis",
}


def _render(code: int, message: str | None = None):
    db.session.rollback()
    title = TITLES.get(code, "Fout")
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

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = exc.code or 500
        message = None
        if code == 429:
            message = "Te veel pogingen. Wacht even en probeer het dan opnieuw."
        elif code == 400 and exc.description and "CSRF" in exc.description:
            message = "Het formulier is verlopen. Herlaad de pagina en probeer het opnieuw."
        return _render(code, message)

    @app.errorhandler(500)
    def _server_error(exc):
        return _render(500)
