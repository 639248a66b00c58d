"""Riding through a short database restart (a failover, a minor-version upgrade, ``pg_ctl restart``).

Two parts, both only for PostgreSQL and only within ``LOKET_DB_RESTART_WAIT_S`` seconds:

- **New connections wait.** While the server refuses connections, opening one is retried with a
  short back-off until the window has passed; only then does the request fail (with the 503 page).
  Pooled connections that died in the restart are noticed by ``pool_pre_ping`` and replaced through
  this same path, so a request that arrives during the restart is answered late, not refused.
- **A reading request that was cut off is run again, once.** A GET or HEAD whose connection the
  restart terminated mid-request (it would answer 503) is run again from the start; a GET changes
  nothing, so running it again is safe. A POST is never repeated: it answers 503 and the user's
  form is not lost (the browser can send it again); the transaction was rolled back, so nothing is
  half-written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from flask import Flask, request
from sqlalchemy import event

log = logging.getLogger(__name__)
FLAG = "loket.database_unavailable"
SAFE_METHODS = ("GET", "HEAD")
BACKOFF_S = (0.05, 0.1, 0.2, 0.4, 0.5)


def mark_unavailable() -> None:
    """Called by the 503 handler: this request failed because the database could not be reached."""
    request.environ[FLAG] = True


def _wait_for_database(window_s: float) -> Callable:
    def do_connect(dialect, conn_rec, cargs, cparams):
        deadline = time.monotonic() + window_s
        for attempt in range(10_000):
            try:
                return dialect.connect(*cargs, **cparams)
            except dialect.loaded_dbapi.OperationalError:
                pause = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
                if time.monotonic() + pause > deadline:
                    raise
                if attempt == 0:
                    log.warning("database refuses connections; waiting up to %.1f s", window_s)
                time.sleep(pause)
        raise RuntimeError("unreachable")

    return do_connect


class RunReadsAgain:
    """WSGI middleware: a GET/HEAD that failed on the database connection runs once more."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in SAFE_METHODS:
            return self.wsgi_app(environ, start_response)
        captured: list = []

        def hold(status, headers, exc_info=None):
            captured[:] = [status, headers, exc_info]
            return _no_write

        body = self.wsgi_app(environ, hold)
        if environ.pop(FLAG, False):
            if hasattr(body, "close"):
                body.close()
            log.warning("%s %s cut off by the database; running it again", environ["REQUEST_METHOD"],
                        environ.get("PATH_INFO"))  # fmt: skip
            return self.wsgi_app(environ, start_response)
        start_response(*captured)
        return body


def _no_write(data: bytes) -> None:
    raise RuntimeError("Loket's views return their bodies; the WSGI write() callable is not used")


def install(app: Flask) -> None:
    """Wait for PostgreSQL connections and run cut-off reads again (LOKET_DB_RESTART_WAIT_S > 0)."""
    window = app.config["LOKET_DB_RESTART_WAIT_S"]
    if not window or not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        return
    from loket.db import db

    with app.app_context():
        event.listen(db.engine, "do_connect", _wait_for_database(window))
    app.wsgi_app = RunReadsAgain(app.wsgi_app)
