"""Request ids, one JSON log line per request, and Prometheus metrics.

Every request gets a request id (a sane incoming ``X-Request-ID`` is kept, else a new one), sent
back in the ``X-Request-ID`` header and logged by the ``loket.request`` logger as one JSON line:
method, path (never the query string), endpoint, status, duration_ms, request_id, user_id.

Metrics (``prometheus_client``): a latency histogram by endpoint, method and status class, and
gauges computed when ``/metrics`` is scraped (RQ queue depth, outbox backlog, and whatever was
added with :func:`register_gauge`). Under ``loket serve`` several gunicorn workers write their
samples to ``PROMETHEUS_MULTIPROC_DIR`` and a scrape sums them. ``prometheus_client`` is imported
only on first use, because it chooses between in-process and multi-process storage at import time
and ``loket serve`` sets that directory after the app was created.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, g, request

log = logging.getLogger("loket.request")
metrics_log = logging.getLogger("loket.metrics")

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# seconds; pages should answer within 300 ms, the worker is killed at 30 s
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0, 30.0)


# --------------------------------------------------------------------------- request id + log
def request_id_from(header_value: str | None) -> str:
    """The incoming id when it is a sane token (<= 64 of ``[A-Za-z0-9._-]``), else a fresh one."""
    if header_value and _SANE_ID.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request being handled (None outside a request)."""
    return g.get("request_id")


def _user_id() -> int | None:
    """The id of the user Flask-Login already loaded for this request; never loads it (no query)."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    from sqlalchemy import inspect as sa_inspect

    try:
        identity = sa_inspect(user).identity  # from the identity map: no refresh after a commit
    except Exception:  # noqa: BLE001 - not an ORM object
        return None
    return identity[0] if identity else None


def _status_class(code: int) -> str:
    return f"{code // 100}xx"


def init_app(app: Flask) -> None:
    """Request id, the JSON request log and the latency histogram for every request."""

    @app.before_request
    def _start() -> None:
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    def _finish(response: Response) -> Response:
        started = g.pop("request_started", None)
        if started is None:  # before_request did not run (e.g. an error before it)
            return response
        duration = time.perf_counter() - started
        rid = g.get("request_id") or request_id_from(None)
        response.headers[REQUEST_ID_HEADER] = rid
        endpoint = request.url_rule.endpoint if request.url_rule is not None else "unmatched"
        record = {
            "request_id": rid,
            "method": request.method,
            "path": request.path,
            "endpoint": endpoint,
            "status": response.status_code,
            "duration_ms": round(duration * 1000, 2),
            "user_id": _user_id(),
        }
        log.info(json.dumps(record, separators=(",", ":")))
        try:
            observe_request(endpoint, request.method, response.status_code, duration)
        except Exception:  # noqa: BLE001 - metrics must never break a response
            metrics_log.exception("recording the request metric failed")
        return response

    # after_request functions run in reverse order of registration: put this one first in the list
    # so it runs last, after the commit (loket/web/transaction.py). When the commit fails, the
    # error response runs the functions again and that response (a 500/503) is the one logged.
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)


# --------------------------------------------------------------------------- metrics
_histogram = None


def multiprocess_dir() -> str | None:
    """The folder shared by gunicorn workers for their samples, when multi-process mode is on."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _request_histogram():
    global _histogram
    if _histogram is None:
        from prometheus_client import CollectorRegistry, Histogram

        # own registry: several apps in one process (tests) must not register twice globally;
        # in multi-process mode the samples go to files and the registry is only a holder
        _histogram = Histogram(
            "loket_http_request_duration_seconds",
            "Time to answer a request, by endpoint, method and status class.",
            ["endpoint", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=CollectorRegistry(),
        )
    return _histogram


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Add one request to the latency histogram."""
    _request_histogram().labels(endpoint, method, _status_class(status)).observe(seconds)


@dataclass(frozen=True)
class Gauge:
    """A value computed at scrape time inside the app context: a number, or ``{label value: number}``
    when ``label`` is set; None skips it (e.g. Redis not configured)."""

    name: str
    help: str
    fn: Callable[[], Any]
    label: str | None = None


_GAUGES: dict[str, Gauge] = {}


def register_gauge(name: str, help: str, fn: Callable[[], Any], label: str | None = None) -> None:
    """Add (or replace) a gauge computed at each scrape, e.g.
    ``register_gauge("loket_suggestion_staleness_seconds", "Age of the oldest suggestion.", fn)``.
    ``fn`` runs in the scraping request (app context, database available); an exception is logged
    and only that gauge is left out."""
    if not re.fullmatch(r"[a-zA-Z_:][a-zA-Z0-9_:]*", name):
        raise ValueError(f"not a Prometheus metric name: {name!r}")
    _GAUGES[name] = Gauge(name, help, fn, label)


def registered_gauges() -> list[Gauge]:
    return list(_GAUGES.values())


def _outbox_backlog() -> dict[str, int]:
    from sqlalchemy import func, select

    from loket.db import db
    from loket.models import OutboxMessage
    from loket.models.mail import QUEUED, SENDING

    rows = db.session.execute(
        select(OutboxMessage.state, func.count())
        .where(OutboxMessage.state.in_((QUEUED, SENDING)))
        .group_by(OutboxMessage.state)
    ).all()
    counts = {QUEUED: 0, SENDING: 0}
    counts.update({state: n for state, n in rows})
    return counts


def _rq_queue_depth() -> dict[str, int] | None:
    from flask import current_app

    if not current_app.config["LOKET_REDIS_URL"]:
        return None
    from loket.worker import queue_for

    queue = queue_for(current_app)
    return {queue.name: queue.count}


register_gauge(
    "loket_outbox_backlog", "Outbox messages waiting to be sent, by state.", _outbox_backlog, label="state"
)
register_gauge("loket_rq_queue_depth", "Jobs waiting in the RQ queue.", _rq_queue_depth, label="queue")


class _ScrapeTimeCollector:
    """Computes the registered gauges when the registry is collected."""

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        for gauge in registered_gauges():
            try:
                value = gauge.fn()
            except Exception:  # noqa: BLE001 - one broken gauge must not hide the others
                metrics_log.exception("gauge %s failed", gauge.name)
                continue
            if value is None:
                continue
            if gauge.label:
                family = GaugeMetricFamily(gauge.name, gauge.help, labels=[gauge.label])
                for key, number in dict(value).items():
                    family.add_metric([str(key)], float(number))
            else:
                family = GaugeMetricFamily(gauge.name, gauge.help, value=float(value))
            yield family


class _ProcessCollector:
    """The request histogram of this process (single-process mode)."""

    def collect(self):
        yield from _request_histogram().collect()


def render_metrics() -> tuple[bytes, str]:
    """The exposition text for one scrape and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    registry = CollectorRegistry()
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessCollector())
    registry.register(_ScrapeTimeCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


def mark_worker_dead(pid: int) -> None:
    """gunicorn ``child_exit`` hook: let multi-process mode drop the dead worker's live gauges."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
