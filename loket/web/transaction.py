"""One commit per request; queued email leaves, and the suggestion lists it made stale are
recomputed (or queued for the worker), only after that commit succeeded."""

from __future__ import annotations

from flask import Flask, Response

from loket.db import db


def init_app(app: Flask) -> None:
    @app.after_request
    def _commit(response: Response) -> Response:
        if response.status_code < 400:
            try:
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            from loket.mail.delivery import deliver_after_commit
            from loket.services.matching.dirty import refresh_after_commit

            deliver_after_commit()
            refresh_after_commit()
        else:
            db.session.rollback()
        return response
