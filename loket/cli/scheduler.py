"""`loket scheduler`: deadlines, digest, match refresh and mail delivery on one instance at a time."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from loket.cli.helpers import echo_json, parse_now


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run the jobs that are due now, then exit.")
@click.option(
    "--list", "show_list", is_flag=True, help="Show the jobs, their last and next run; run nothing."
)
@click.option(
    "--now", "now_text", default=None, help="Pretend it is this ISO date/time (UTC); with --once/--list."
)
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout (with --once/--list).")
@click.option(
    "--tick",
    type=click.FloatRange(0.1),
    default=None,
    help="Seconds between checks [LOKET_SCHEDULER_TICK_S].",
)
@with_appcontext
def scheduler_command(once: bool, show_list: bool, now_text: str | None, as_json: bool, tick: float | None):
    """Run the scheduled jobs (cron becomes optional). Start it on every instance: one leads
    (PostgreSQL advisory lock, Redis lock or a file lock), the others take over when it stops."""
    from loket.scheduler import locks, runner

    app = current_app._get_current_object()
    now = parse_now(now_text)
    if show_list:
        rows = runner.schedule(app, now)
        if as_json:
            echo_json(rows)
            return
        for r in rows:
            last = r["last_run"] or "nog nooit"
            status = "" if r["last_ok"] is None else (" ok" if r["last_ok"] else " MISLUKT")
            click.echo(
                f"{r['job']:<10} {r['interval']:<16} laatst: {last}{status}  volgende: {r['next_run']}"
            )
        return
    lock = locks.make_lock(app)
    if once:
        with locks.leading(lock) as lead:
            if not lead:
                msg = f"another scheduler leads ({lock.kind}); nothing run"
                echo_json({"leading": False, "ran": []}) if as_json else click.echo(msg, err=True)
                return
            outcomes = runner.run_due(app, now, still_leading=lock.still_held)
        if as_json:
            echo_json({"leading": True, "ran": [o.as_json() for o in outcomes]})
        else:
            for o in outcomes:
                click.echo(
                    f"{o.job}: {'ok' if o.ok else 'MISLUKT'} ({o.seconds:.2f} s) {o.error or o.result}"
                )
            if not outcomes:
                click.echo("niets te doen", err=True)
        if any(not o.ok for o in outcomes):
            raise SystemExit(1)
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    runner.run_forever(app, lock, stop, tick)
