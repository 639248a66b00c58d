"""Background execution of reactivation runs.

With ``LOKET_REDIS_URL`` set, a run started on the web is queued to RQ (queue
``LOKET_RQ_QUEUE``, default ``loket``) and executed by ``loket worker``. Without Redis, the web
starts ``loket reactivate --resume RUN_ID`` as a detached subprocess that inherits the app's
database, SMTP and secret settings through ``LOKET_*`` environment variables.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
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

    return Queue(
        app.config.get("LOKET_RQ_QUEUE") or "loket", connection=_redis(app.config["LOKET_REDIS_URL"])
    )


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
    """Environment for a child ``loket`` process with the same settings as ``app``."""
    cfg = app.config
    env = dict(os.environ)
    env.update(
        {
            "LOKET_ENV": str(cfg.get("LOKET_ENV", "development")),
            "LOKET_SECRET_KEY": str(cfg["SECRET_KEY"]),
            "LOKET_DATABASE_URL": str(cfg["SQLALCHEMY_DATABASE_URI"]),
            "LOKET_SMTP_URL": str(cfg["LOKET_SMTP_URL"]),
            "LOKET_MAIL_FROM": str(cfg["LOKET_MAIL_FROM"]),
            "LOKET_BASE_URL": str(cfg["LOKET_BASE_URL"]),
            "LOKET_BOUNCE_ADDRESS": str(cfg.get("LOKET_BOUNCE_ADDRESS") or ""),
            "LOKET_MAIL_RATE_PER_S": str(cfg.get("LOKET_MAIL_RATE_PER_S", 50)),
            "LOKET_MAIL_RETRY_BASE_S": str(cfg.get("LOKET_MAIL_RETRY_BASE_S", 30)),
            "LOKET_MAIL_MAX_ATTEMPTS": str(cfg.get("LOKET_MAIL_MAX_ATTEMPTS", 5)),
            "LOKET_REDIS_URL": str(cfg.get("LOKET_REDIS_URL") or ""),
            "LOKET_RQ_QUEUE": str(cfg.get("LOKET_RQ_QUEUE") or "loket"),
        }
    )
    return env


LOKET_CMD = [sys.executable, "-c", "import sys; from loket.cli import main; sys.exit(main())"]


def start_subprocess(run_id: int, app: Flask | None = None) -> subprocess.Popen:
    """Start ``loket reactivate --resume RUN_ID`` detached (own session; output to a log file)."""
    app = app or current_app._get_current_object()
    logdir = Path(app.config.get("LOKET_INSTANCE_DIR") or app.instance_path) / "runs"
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
    if app.config.get("LOKET_REDIS_URL"):
        return "rq:" + enqueue_run(run_id, app)
    proc = start_subprocess(run_id, app)
    return f"pid:{proc.pid}"


def work(app: Flask, burst: bool = False, queue: str | None = None) -> bool:
    """Run an RQ worker for the app's queue (SimpleWorker: no fork, the app context stays valid)."""
    from rq import Queue, SimpleWorker

    url = app.config.get("LOKET_REDIS_URL")
    if not url:
        raise RuntimeError("LOKET_REDIS_URL is not set: `loket worker` needs Redis (see docs/OPERATIONS.md)")
    conn = _redis(url)
    q = Queue(queue or app.config.get("LOKET_RQ_QUEUE") or "loket", connection=conn)
    return SimpleWorker([q], connection=conn).work(burst=burst)
