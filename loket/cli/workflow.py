"""Daily workflow jobs: match deadlines (reminders, expiry, feedback, completion) and the digest."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from loket.cli.helpers import echo_json, parse_now, transactional


@click.command("deadlines")
@click.option("--now", "now_text", default=None, help="Pretend it is this ISO date/time (UTC).")
@with_appcontext
@transactional
def deadlines_command(now_text: str | None) -> None:
    """Daily match deadlines: reminders (7 days), expiry (21), feedback requests, completion. Idempotent."""
    from loket.services.matches import deadlines

    echo_json(deadlines.run(parse_now(now_text)))


@click.command("digest")
@click.option("--now", "now_text", default=None, help="Pretend it is this ISO date/time (UTC).")
@with_appcontext
@transactional
def digest_command(now_text: str | None) -> None:
    """Send the daily digest email to users who chose it (unmailed notifications only)."""
    from loket.services import notifications

    echo_json(notifications.send_digests(parse_now(now_text)))
