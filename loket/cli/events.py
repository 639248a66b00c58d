"""Career days on the command line: ``loket event plan EVENT_ID [--dry-run] [--json]``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from loket.cli.helpers import echo_json, transactional


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
        echo_json(plan.to_json(event_id))
        return
    click.echo(f"event {event_id}: {len(plan.assignments)} assignments ({plan.stats.get('status', '')})")
    click.echo(f"objective {plan.objective:.2f}, bound {plan.bound:.2f}, gap {plan.gap:.2%}")
    for issue in plan.issues:
        click.echo(f"issue: {issue.message}")
    if plan.unplaced:
        click.echo(f"unplaced: {len(plan.unplaced)}")
        for u in plan.unplaced:
            click.echo(f"  group {u.group} round {u.round}: {u.message} ({u.reason})")
    else:
        click.echo("unplaced: 0")
    if dry_run:
        click.echo("dry run: the stored plan is unchanged")
