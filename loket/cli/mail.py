"""Mail delivery, reactivation email runs, bounces, archiving of dormant users and the worker."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from loket.cli.helpers import echo_json, parse_now, progress, transactional
from loket.db import db


# --- delivery of queued mail (docs/OPERATIONS.md, "Mail delivery") -----------------------------
@click.group("mail")
def mail_group() -> None:
    """Queued email (the outbox)."""


@mail_group.command("deliver")
@click.option("--limit", type=click.IntRange(1), default=500, show_default=True, help="At most this many.")
@click.option("--now", "now_text", default=None, help="Treat rows due by this ISO date/time (UTC) as due.")
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout.")
@with_appcontext
def deliver_command(limit: int, now_text: str | None, as_json: bool) -> None:
    """Send queued mail whose (retry) time has come; run it every minute from cron without a worker."""
    from loket.mail.delivery import deliver_due

    try:
        result = deliver_due(limit=limit, now=parse_now(now_text))
    except ValueError as exc:  # e.g. LOKET_SMTP_URL unusable: say so, not a traceback
        raise click.ClickException(str(exc)) from exc
    if as_json:
        echo_json(result)
    else:
        click.echo(
            f"Mail: {result['sent']} verstuurd, {result['retry']} later opnieuw, {result['failed']} mislukt, "
            f"{result['skipped']} overgeslagen (van {result['due']} aan de beurt); "
            f"{result['queued']} nog in de wachtrij."
        )


# --- reactivation runs (docs/OPERATIONS.md, "Reactivation runs") -------------------------------
@click.command("reactivate")
@click.option(
    "--inactive-days", type=click.IntRange(1, 3650), default=None, help="No login for this many days."
)
@click.option("--cluster", "cluster_id", type=int, default=None, help="Only this cluster (id).")
@click.option("--role", type=click.Choice(["school", "company"]), default=None)
@click.option("--limit", type=click.IntRange(1), default=None, help="At most this many recipients.")
@click.option("--dry-run", is_flag=True, help="Render .eml files to a folder; send nothing.")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), default=None, help="Folder for --dry-run."
)
@click.option("--resume", "resume_id", type=int, default=None, help="Continue run RUN_ID after a stop.")
@click.option("--resend-unknown", is_flag=True, help="With --resume: requeue rows left 'unknown'.")
@click.option(
    "--resume-unfinished",
    is_flag=True,
    help="If an earlier run did not finish, resume it instead of refusing (for scripts; a terminal asks).",
)
@click.option("--reminder-of", "reminder_of", type=int, default=None, help="Send the reminder for RUN_ID.")
@click.option("--rate", type=float, default=None, help="Messages per second (default LOKET_MAIL_RATE_PER_S).")
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@with_appcontext
def reactivate_command(
    inactive_days,
    cluster_id,
    role,
    limit,
    dry_run,
    out_dir,
    resume_id,
    resend_unknown,
    resume_unfinished,
    reminder_of,
    rate,
    as_json,
    quiet,
) -> None:
    """Mail dormant users a personal one-click reactivation link, exactly once each."""
    from flask import current_app

    from loket.services import ServiceError
    from loket.services.reactivation import (
        Scope,
        UnfinishedRun,
        create_reminder,
        create_run,
        execute_run,
        requeue_unknown,
    )
    from loket.services.reactivation import dry_run as do_dry_run

    scope = Scope(
        inactive_days=inactive_days or current_app.config["LOKET_INACTIVITY_DAYS"],
        cluster_id=cluster_id,
        role=role,
        limit=limit,
    )
    try:
        if dry_run:
            run, folder, n = do_dry_run(None, scope, out_dir)
            db.session.commit()
            click.echo(f"Proefronde {run.id}: {n} berichten als .eml in {folder}", err=True)
            echo_json(
                {"run": run.id, "dry_run": True, "messages": n, "folder": str(folder)}
            ) if as_json else (click.echo(str(folder)))
            return
        if resume_id is not None:
            run_id = resume_id
            if resend_unknown:
                click.echo(f"{requeue_unknown(run_id)} onbekende berichten opnieuw in de wachtrij", err=True)
        elif reminder_of:
            run_id = _commit_id(create_reminder(None, reminder_of))
        else:
            try:
                run_id = _commit_id(create_run(None, scope))
            except UnfinishedRun as exc:
                db.session.rollback()
                run_id = _resume_or_refuse(exc, resume_unfinished)
        click.echo(f"Verzendronde {run_id}", err=True)
        bar = None

        def on_progress(t) -> None:
            nonlocal bar
            if quiet:
                return
            if bar is None:
                bar = progress("Versturen", t.total).__enter__()
            bar.update(t.done - bar.pos)

        try:
            totals = execute_run(run_id, on_progress=on_progress, rate_per_s=rate)
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    result = {
        "run": run_id,
        **{k: getattr(totals, k) for k in ("total", "sent", "failed", "unknown", "queued")},
    }
    if as_json:
        echo_json(result)
    else:
        click.echo(
            f"Verzendronde {run_id}: {totals.sent} verstuurd, {totals.failed} mislukt, "
            f"{totals.unknown} onbekend, {totals.queued} nog in de wachtrij (van {totals.total})."
        )


def _commit_id(run) -> int:
    db.session.commit()
    return run.id


def _resume_or_refuse(exc, resume_unfinished: bool) -> int:
    """An earlier run did not finish: resume it (flag, or yes on a terminal), else refuse loudly."""
    import sys

    first = exc.runs[0]
    if resume_unfinished:
        click.echo(f"{exc.message}\nVerzendronde {first.id} wordt hervat.", err=True)
        return first.id
    if sys.stdin.isatty() and click.confirm(
        f"{exc.message}\nVerzendronde {first.id} nu hervatten?", default=True, err=True
    ):
        return first.id
    raise click.ClickException(
        f"{exc.message} Hervat met: loket reactivate --resume {first.id} "
        "(of voeg --resume-unfinished toe in scripts)."
    )


@click.command("bounces")
@click.argument("path", type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@transactional
def bounces_command(path: str, as_json: bool) -> None:
    """Import bounce reports (DSN .eml, an mbox, or a folder of .eml) and mark messages bounced."""
    from loket.services.reactivation import import_bounces

    result = import_bounces(path)
    if as_json:
        echo_json(result.as_dict())
    else:
        click.echo(
            f"{result.reports} bouncemeldingen: {result.bounced} berichten gemarkeerd, {result.already} al "
            f"bekend, {len(result.unmatched)} niet gevonden, {result.skipped} overgeslagen."
        )


@click.command("archive-dormant")
@click.option("--dry-run", is_flag=True, help="Only list who would be archived.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@transactional
def archive_dormant_command(dry_run: bool, as_json: bool) -> None:
    """Archive users still dormant after the reminder and LOKET_RETENTION_DAYS (personal data removed)."""
    from loket.services.reactivation import archive_dormant

    rows = archive_dormant(None, dry_run=dry_run)
    data = [
        {
            "user": c.user_id,
            "email": c.email,
            "name": c.name,
            "organisation": c.organisation,
            "last_mail_at": c.last_mail_at.isoformat(),
        }
        for c in rows
    ]
    if as_json:
        echo_json({"dry_run": dry_run, "archived": 0 if dry_run else len(rows), "users": data})
        return
    for d in data:
        click.echo(f"{d['user']}\t{d['email']}\t{d['name']}\t{d['organisation']}\t{d['last_mail_at']}")
    verb = "zouden worden gearchiveerd" if dry_run else "gearchiveerd"
    click.echo(f"{len(rows)} gebruikers {verb}.", err=True)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--queue", default=None, help="Queue name (default LOKET_RQ_QUEUE).")
@with_appcontext
def worker_command(burst: bool, queue: str | None) -> None:
    """Run the RQ worker for background reactivation runs (needs LOKET_REDIS_URL)."""
    from flask import current_app

    from loket.worker import work

    try:
        work(current_app._get_current_object(), burst=burst, queue=queue)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
