"""Career days on the command line: ``loket event plan EVENT_ID [--dry-run] [--json]``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from loket.cli.helpers import echo_json, parse_now, transactional
from loket.event_text import unplaced_text


@click.group("event")
def event_group() -> None:
    """Career days (loopbaandagen)."""


@event_group.command("plan")
@click.argument("event_id", type=int)
@click.option("--dry-run", is_flag=True, help="Plan and print, but keep the stored plan.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON on stdout.")
@click.option("--time-limit", type=float, default=None, help="Seconds the planner may use (default 10).")
@with_appcontext
@transactional
def plan_command(event_id: int, dry_run: bool, as_json: bool, time_limit: float | None) -> None:
    """Assign every group one session per round it attends; replaces the event's stored plan."""
    from loket.services import ServiceError
    from loket.services.events import plan_event

    try:
        plan = plan_event(event_id, dry_run=dry_run, time_limit=time_limit)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    if as_json:
        data = plan.to_json(event_id)
        for u in data["unplaced"]:
            u["message"] = unplaced_text(u)  # the code stays the stable key; the words are Dutch here
        echo_json(data)
        return
    click.echo(f"event {event_id}: {len(plan.assignments)} assignments ({plan.stats.get('status', '')})")
    click.echo(f"objective {plan.objective:.2f}, bound {plan.bound:.2f}, gap {plan.gap:.2%}")
    for issue in plan.issues:
        click.echo(f"issue: {issue.message}")
    if plan.unplaced:
        click.echo(f"unplaced: {len(plan.unplaced)}")
        for u in plan.unplaced:
            click.echo(f"  group {u.group} round {u.round}: {unplaced_text(u)} ({u.reason})")
    else:
        click.echo("unplaced: 0")
    if dry_run:
        click.echo("dry run: the stored plan is unchanged")


@event_group.command("remind")
@click.option("--now", "now_text", default=None, help="Pretend it is this ISO date/time (UTC).")
@with_appcontext
@transactional
def remind_command(now_text: str | None) -> None:
    """Career-day reminders to session contacts and group registrants a week and a day before the
    first day (each once; the scheduler's daily event_reminders job does the same)."""
    from loket.services.events import reminders

    echo_json(reminders.run(parse_now(now_text)))
