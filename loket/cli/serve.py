"""`loket serve`: the production web server (gunicorn, started from Python with our defaults).

Defaults (docs/OPERATIONS.md, "Production"): ``LOKET_WEB_WORKERS`` sync workers (2 x CPUs + 1, at
most 8), timeout ``LOKET_WEB_TIMEOUT_S`` (30 s) and graceful timeout, the app loaded once in the
master before the workers fork (preload), each worker replaced after ``LOKET_WEB_MAX_REQUESTS``
requests (+ jitter, so they do not all restart together), one JSON line per request on stdout
(``loket.observability``; gunicorn's own access log is off so nothing is logged twice), and a
fresh ``PROMETHEUS_MULTIPROC_DIR`` so ``/metrics`` sums the samples of all workers.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import ScriptInfo

log = logging.getLogger("loket.serve")


def _metrics_dir() -> tuple[str, bool]:
    """The multi-process metrics folder: the operator's (emptied) or a new temporary one.
    Returns (path, created_here)."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):  # samples of a previous run would be summed in otherwise
            stale.unlink()
        return str(path), False
    return tempfile.mkdtemp(prefix="loket-metrics-"), True


def _use_multiprocess_metrics(path: str) -> None:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    if "prometheus_client.values" in sys.modules:  # imported already: switch its storage too
        from prometheus_client import values

        values.ValueClass = values.MultiProcessValue()


def _request_log_to_stdout() -> None:
    """The request log (one JSON object per line) is the access log: plain lines on stdout."""
    logger = logging.getLogger("loket.request")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _post_fork(server, worker) -> None:
    """Each worker starts without the command's app context and opens its own database connections.

    `loket serve` runs inside the CLI's app context; a forked worker inherits it, and Flask reuses an
    app context that is already pushed for every request, so ``g`` (with Flask-Login's cached user)
    would leak from one request into the next. Pop every inherited context first."""
    from flask.globals import _cv_app

    from loket.db import db

    while (ctx := _cv_app.get(None)) is not None:
        ctx.pop()
    app = server.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)


def _child_exit(server, worker) -> None:
    from loket.observability import mark_worker_dead

    mark_worker_dead(worker.pid)


def gunicorn_options(app: Flask, bind: list[str], workers: int | None, timeout: int | None) -> dict[str, Any]:
    """The gunicorn settings `loket serve` uses (defaults from the app config)."""
    cfg = app.config
    options: dict[str, Any] = {
        "bind": bind,
        "workers": workers or cfg["LOKET_WEB_WORKERS"],
        "worker_class": "sync",
        "timeout": timeout or cfg["LOKET_WEB_TIMEOUT_S"],
        "graceful_timeout": cfg["LOKET_WEB_GRACEFUL_TIMEOUT_S"],
        "preload_app": True,
        "max_requests": cfg["LOKET_WEB_MAX_REQUESTS"],
        "max_requests_jitter": cfg["LOKET_WEB_MAX_REQUESTS_JITTER"],
        "accesslog": None,  # the app logs each request as JSON on stdout
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "loket",
        # gunicorn >= 24 opens a control socket in the home folder; two servers would share it
        "control_socket_disable": True,
        "post_fork": _post_fork,
        "child_exit": _child_exit,
    }
    if Path("/dev/shm").is_dir():  # worker heartbeats in memory, not on a slow disk
        options["worker_tmp_dir"] = "/dev/shm"
    return options


def _server(app: Flask, options: dict[str, Any]):
    from gunicorn.app.base import BaseApplication

    class LoketServer(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # settings of newer gunicorn versions only
                    self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    return LoketServer()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port.")
@click.option(
    "--bind",
    "binds",
    multiple=True,
    help="gunicorn bind address (HOST:PORT or unix:PATH), repeatable; replaces --host/--port.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes [default: LOKET_WEB_WORKERS, else 2 x CPUs + 1, at most 8].",
)
@click.option(
    "--timeout",
    type=click.IntRange(1, 3600),
    default=None,
    help="Seconds before a silent worker is killed and replaced [default: LOKET_WEB_TIMEOUT_S, 30].",
)
def serve_command(host: str, port: int, binds: tuple[str, ...], workers: int | None, timeout: int | None):
    """Serve Loket with gunicorn (production defaults; see docs/OPERATIONS.md)."""
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    bind = list(binds) or [f"{host}:{port}"]
    options = gunicorn_options(app, bind, workers, timeout)
    metrics_dir, created = _metrics_dir()
    _use_multiprocess_metrics(metrics_dir)
    _request_log_to_stdout()
    master = os.getpid()
    click.echo(
        f"loket serve: {', '.join(bind)}, {options['workers']} workers, timeout {options['timeout']} s, "
        f"metrics in {metrics_dir}",
        err=True,
    )
    try:
        _server(app, options).run()
    finally:
        # forked workers leave through here too: only the master cleans up
        if created and os.getpid() == master:
            shutil.rmtree(metrics_dir, ignore_errors=True)
