"""Endpoints for the load balancer and the monitoring: ``/healthz``, ``/readyz`` and ``/metrics``.

No login, no CSRF, no rate limit, no locale, no session: these must answer while the database
is down (``/healthz``) and say exactly what is down (``/readyz``).
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request
from sqlalchemy import text

from loket.db import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)
REDIS_TIMEOUT_S = 2.0


@bp.get("/healthz")
def healthz():
    """The process answers (liveness). Touches nothing else."""
    return {"status": "ok"}


def _check_database() -> None:
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _check_redis(url: str) -> None:
    from redis import Redis

    client = Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S)
    try:
        client.ping()
    finally:
        client.close()


@bp.get("/readyz")
def readyz():
    """Ready to serve: the database answers ``SELECT 1`` and Redis (when configured) ``PING``.
    200 ``{"status": "ok", "checks": {...}}``, else 503 naming what failed (the error class only;
    the full error goes to the log, never a connection string to the caller)."""
    checks: dict[str, str] = {}
    failed = False
    probes = [("database", _check_database)]
    redis_url = current_app.config["LOKET_REDIS_URL"]
    if redis_url:
        probes.append(("redis", lambda: _check_redis(redis_url)))
    for name, probe in probes:
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            log.warning("readyz: %s failed: %s", name, exc)
            checks[name] = f"failed: {type(exc).__name__}"
            failed = True
    body = {"status": "fail" if failed else "ok", "checks": checks}
    return jsonify(body), 503 if failed else 200


@bp.get("/metrics")
def metrics():
    """Prometheus exposition; only with ``LOKET_METRICS_TOKEN`` set (404 otherwise) and the request
    carrying ``Authorization: Bearer <token>`` (403 otherwise)."""
    token = current_app.config["LOKET_METRICS_TOKEN"]
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
        abort(403)
    from loket.observability import render_metrics

    payload, content_type = render_metrics()
    return Response(payload, content_type=content_type)


def init_app(app: Flask) -> None:
    from loket.extensions import csrf, limiter

    csrf.exempt(bp)
    limiter.exempt(bp)
    app.register_blueprint(bp)
