"""Background work: reactivation runs and the periodic delivery of queued mail.

With ``LOKET_REDIS_URL`` set, a run started on the web is queued to RQ (queue
``LOKET_RQ_QUEUE``, default ``loket``) and executed by ``loket worker``, which also sends
queued mail whose (retry) time has come every ``LOKET_MAIL_DELIVER_EVERY_S`` seconds (a thread
beside the RQ loop, so a long run never holds up a password-reset mail). Without Redis, the
web starts ``loket reactivate --resume RUN_ID`` as a detached subprocess that gets every
setting of the app through ``LOKET_*`` environment variables (``loket.config.to_env``), and
cron runs ``loket mail deliver``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

from flask import Flask, current_app

log = logging.getLogger(__name__)
JOB_TIMEOUT_S = 24 * 3600


def _redis(url: str):
    from redis import Redis

    return Redis.from_url(url)


def queue_for(app: Flask):
    """The RQ queue configured for ``app`` (requires LOKET_REDIS_URL)."""
    from rq import Queue

    return Queue(app.config["LOKET_RQ_QUEUE"], connection=_redis(app.config["LOKET_REDIS_URL"]))


def run_job(run_id: int) -> dict:
    """RQ job: execute (or resume) a run inside the worker's app context."""
    from loket.services.reactivation import execute_run

    t = execute_run(run_id)
    return {"run": run_id, "sent": t.sent, "failed": t.failed, "unknown": t.unknown}


def enqueue_run(run_id: int, app: Flask | None = None) -> str:
    """Queue a run to RQ; returns the job id (one job per run: the id is fixed)."""
    app = app or current_app._get_current_object()
    job = queue_for(app).enqueue(
        "loket.worker.run_job", run_id, job_id=f"loket-run-{run_id}", job_timeout=JOB_TIMEOUT_S
    )
    return job.id


def child_env(app: Flask) -> dict[str, str]:
    """Environment for a child ``loket`` process with the same settings as ``app``: this
    process's environment with every ``LOKET_*`` setting of the app on top."""
    from loket.config import to_env

    return {**os.environ, **to_env(app.config)}


LOKET_CMD = [sys.executable, "-c", "import sys; from loket.cli import main; sys.exit(main())"]


def start_subprocess(run_id: int, app: Flask | None = None) -> subprocess.Popen:
    """Start ``loket reactivate --resume RUN_ID`` detached (own session; output to a log file)."""
    app = app or current_app._get_current_object()
    logdir = Path(app.config["LOKET_INSTANCE_DIR"]) / "runs"
    logdir.mkdir(parents=True, exist_ok=True)
    with open(logdir / f"run-{run_id}.log", "ab") as out:
        return subprocess.Popen(
            [*LOKET_CMD, "reactivate", "--resume", str(run_id), "--quiet"],
            env=child_env(app),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
            close_fds=True,
        )


def dispatch_run(run_id: int, app: Flask | None = None) -> str:
    """Run in the background: RQ when configured, else a detached subprocess. Returns how."""
    app = app or current_app._get_current_object()
    if app.config["LOKET_REDIS_URL"]:
        return "rq:" + enqueue_run(run_id, app)
    proc = start_subprocess(run_id, app)
    return f"pid:{proc.pid}"


def deliver_mail_once(app: Flask) -> dict[str, int] | None:
    """One pass of ``deliver_due`` in its own app context (and so its own database session);
    an error is logged, never raised, so the next pass runs anyway."""
    from loket.db import db
    from loket.mail.delivery import deliver_due

    with app.app_context():
        try:
            result = deliver_due()
        except Exception:  # noqa: BLE001 - logged; the worker keeps running
            log.exception("worker: mail delivery pass failed")
            db.session.rollback()
            return None
    if result["due"]:
        log.info("worker: mail %s", result)
    return result


class MailTimer:
    """Runs ``deliver_mail_once`` now and then every ``every_s`` seconds in a daemon thread."""

    def __init__(self, app: Flask, every_s: float) -> None:
        self.app = app
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="loket-mail", daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            deliver_mail_once(self.app)
            self._stop.wait(self.every_s)

    def start(self) -> MailTimer:
        self._thread.start()
        return self

    def stop(self, timeout: float = 60.0) -> None:
        """Ask the loop to stop and wait for a pass in progress to finish its current message."""
        self._stop.set()
        self._thread.join(timeout)


def work(app: Flask, burst: bool = False, queue: str | None = None) -> bool:
    """Run an RQ worker for the app's queue (SimpleWorker: no fork, the app context stays valid),
    and deliver due mail every ``LOKET_MAIL_DELIVER_EVERY_S`` seconds (0 = not in this worker).
    With ``burst``: one mail pass, then the queued jobs, then stop."""
    from rq import Queue, SimpleWorker

    url = app.config["LOKET_REDIS_URL"]
    if not url:
        raise RuntimeError("LOKET_REDIS_URL is not set: `loket worker` needs Redis (see docs/OPERATIONS.md)")
    conn = _redis(url)
    q = Queue(queue or app.config["LOKET_RQ_QUEUE"], connection=conn)
    worker = SimpleWorker([q], connection=conn)
    every_s = float(app.config["LOKET_MAIL_DELIVER_EVERY_S"])
    if burst:
        if every_s > 0:
            deliver_mail_once(app)
        return worker.work(burst=True)
    timer = MailTimer(app, every_s).start() if every_s > 0 else None
    try:
        return worker.work()
    finally:
        if timer is not None:
            timer.stop()
