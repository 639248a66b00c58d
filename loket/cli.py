"""The ``loket`` command line: init-db, seed-demo, import, match, cluster, reactivate, ...

Commands are thin: parse options, call a service, commit once at the end (long runs commit at
their own natural boundary inside the service), print. With ``--json`` only JSON goes to stdout;
progress and logs go to stderr.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from loket.db import db


def transactional(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Commit once after the command body; roll back on error; then send queued email."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        from loket.mail.outbox import deliver_after_commit

        deliver_after_commit()
        return result

    return wrapper


def echo_json(data: Any) -> None:
    """Print JSON (only) on stdout."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def progress(label: str, total: int):
    """A progress bar on stderr (click), usable as a context manager with ``.update(n)``."""
    return click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True, show_eta=True)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    from flask_migrate import upgrade

    upgrade()
    click.echo("Database schema is up to date.", err=True)


@click.command("import")
@click.argument("kind", type=click.Choice(["schools", "companies", "requests", "offers"]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print only a JSON summary on stdout.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Reference date for user status.")
@with_appcontext
@transactional
def import_command(kind: str, path: str, dry_run: bool, as_json: bool, today) -> None:
    """Import schools, companies, requests or offers from a CSV file (all-or-nothing)."""
    from pathlib import Path

    from loket.services.imports import validate_file, write_file

    parsed = validate_file(kind, Path(path))
    if parsed.errors:
        if as_json:
            echo_json({"kind": kind, "ok": False, "errors": [e.as_dict() for e in parsed.errors]})
        for err in parsed.errors:
            click.echo(str(err), err=True)
        click.echo(f"{len(parsed.errors)} fout(en) in {path}: er is niets geïmporteerd.", err=True)
        raise click.exceptions.Exit(1)
    day = today.date() if today else None
    if len(parsed.rows) >= 1000:
        with progress(f"Importeren {kind}", len(parsed.rows)) as bar:
            report = write_file(parsed, today=day, dry_run=dry_run, on_progress=bar.update)
    else:
        report = write_file(parsed, today=day, dry_run=dry_run)
    if as_json:
        echo_json({"ok": True, **report.as_dict()})
    else:
        verb = "zou maken" if dry_run else "gemaakt"
        click.echo(
            f"{kind}: {report.rows} regels; {report.created} {verb}, {report.updated} bijgewerkt, "
            f"{report.unchanged} ongewijzigd" + (" (proefrun, niets opgeslagen)" if dry_run else "")
        )
    if dry_run:
        db.session.rollback()


@click.command("seed-demo")
@click.option("--schools", type=click.IntRange(min=1), default=None, help="Number of schools (default 300).")
@click.option(
    "--companies", type=click.IntRange(min=1), default=None, help="Number of companies (default 1000)."
)
@click.option(
    "--requests", type=click.IntRange(min=0), default=None, help="Open requests (default: one per school)."
)
@click.option(
    "--offers", type=click.IntRange(min=0), default=None, help="Open offers (default: one per company)."
)
@click.option("--seed", type=int, default=2024, show_default=True, help="Random seed (same seed, same data).")
@click.option("--if-empty", is_flag=True, help="Do nothing when organisations exist already.")
@with_appcontext
@transactional
def seed_demo_command(schools, companies, requests, offers, seed: int, if_empty: bool) -> None:
    """Fill the database with realistic demo data over real Dutch places, with demo logins."""
    from loket.services import demo

    if if_empty and not demo.is_empty():
        click.echo("Er zijn al organisaties: demodata overgeslagen (--if-empty).", err=True)
        return
    size = demo.DemoSize.make(schools, companies, requests, offers)
    total = size.schools + size.companies + size.requests + size.offers
    with progress("Demodata", total) as bar:
        summary = demo.seed_demo(size, seed=seed, on_progress=bar.update)
    click.echo(
        f"Demodata: {summary['schools']} scholen, {summary['companies']} bedrijven, "
        f"{summary['requests']} aanvragen, {summary['offers']} aanbiedingen, {summary['clusters']} clusters.",
        err=True,
    )


@click.command("demo-logins")
@with_appcontext
def demo_logins_command() -> None:
    """Print the demo accounts (one per role) and their password."""
    from loket.services import demo

    rows = demo.demo_logins()
    if not rows:
        click.echo("Geen demo-accounts gevonden: draai eerst `loket seed-demo`.", err=True)
        return
    click.echo(f"Demo-accounts (wachtwoord: {demo.DEMO_PASSWORD}):")
    for row in rows:
        click.echo(f"  {row['role']:<16} {row['email']:<24} {row['description']}")


COMMANDS: list[click.Command] = [init_db_command]
COMMANDS += [import_command, seed_demo_command, demo_logins_command]


def register(app: Flask) -> None:
    """Attach every command to ``app.cli``."""
    for cmd in COMMANDS:
        app.cli.add_command(cmd)


def _create_app() -> Flask:
    from loket import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Loket command line."""


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
    reminder_of,
    rate,
    as_json,
    quiet,
) -> None:
    """Mail dormant users a personal one-click reactivation link, exactly once each."""
    from flask import current_app

    from loket.services import ServiceError
    from loket.services.reactivation import Scope, create_reminder, create_run, execute_run, requeue_unknown
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
        else:
            run = create_reminder(None, reminder_of) if reminder_of else create_run(None, scope)
            db.session.commit()
            run_id = run.id
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


COMMANDS += [reactivate_command, bounces_command, archive_dormant_command, worker_command]


def _parse_now(value: str | None):
    """``--now`` as an ISO date/time (UTC when no zone is given); None means now."""
    if not value:
        return None
    from datetime import UTC, datetime

    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"geen geldige ISO-datum/tijd: {value!r} (bijv. 2026-09-01T06:00)") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


@click.command("deadlines")
@click.option("--now", "now_text", default=None, help="Pretend it is this ISO date/time (UTC).")
@with_appcontext
@transactional
def deadlines_command(now_text: str | None) -> None:
    """Daily match deadlines: reminders (7 days), expiry (21), feedback requests, completion. Idempotent."""
    from loket.services import deadlines

    echo_json(deadlines.run(_parse_now(now_text)))


@click.command("digest")
@click.option("--now", "now_text", default=None, help="Pretend it is this ISO date/time (UTC).")
@with_appcontext
@transactional
def digest_command(now_text: str | None) -> None:
    """Send the daily digest email to users who chose it (unmailed notifications only)."""
    from loket.services import notifications

    echo_json(notifications.send_digests(_parse_now(now_text)))


COMMANDS += [deadlines_command, digest_command]


@click.command("cluster")
@click.option("--dry-run", is_flag=True, help="Show the clusters, measures and moves; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout.")
@click.option("--max-radius-km", type=float, default=None, help="Maximum distance of a school to its centre.")
@click.option("--min-schools", type=int, default=None, help="Minimum number of schools per cluster.")
@click.option("--max-schools", type=int, default=None, help="Maximum number of schools per cluster.")
@click.option("--method", type=click.Choice(["kmeans", "grow"]), default=None, help="Clustering method.")
@click.option("--fresh", is_flag=True, help="Start from scratch instead of from the stored clusters.")
@click.option(
    "--rename", is_flag=True, help="Rename clusters after their largest place (not admin-locked names)."
)
@with_appcontext
@transactional
def cluster_command(dry_run, as_json, max_radius_km, min_schools, max_schools, method, fresh, rename) -> None:
    """Form regional clusters (keeps ids, names and managers of the stored ones) and print the changes."""
    from loket.services import ServiceError
    from loket.services import clusters as svc

    try:
        params = svc.make_params(max_radius_km, min_schools, max_schools, method)
        report = svc.run_clustering(
            None,
            params,
            dry_run=dry_run,
            warm=not fresh,
            refresh_names=rename,
            on_progress=lambda msg: click.echo(msg, err=True),
        )
    except ServiceError as exc:
        raise click.UsageError(exc.message) from exc
    if as_json:
        echo_json(report.as_json())
    else:
        click.echo(svc.format_report(report))
    if dry_run:
        db.session.rollback()


COMMANDS += [cluster_command]


# --- matching (issue 3) --------------------------------------------------------------------------
@click.command("match")
@click.option("--request", "request_key", default=None, help="Only this request (external_id or id).")
@click.option(
    "--top", "top_k", type=click.IntRange(1, 100), default=10, show_default=True, help="Offers per request."
)
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout.")
@click.option("--assign", "assign_pairs", is_flag=True, help="Choose one offer per request within capacity.")
@click.option("--dry-run", is_flag=True, help="Show the suggestions; store nothing.")
@with_appcontext
@transactional
def match_command(
    request_key: str | None, top_k: int, as_json: bool, assign_pairs: bool, dry_run: bool
) -> None:
    """Suggest offers for open requests and store them as proposed matches (or only show them)."""
    from loket.services import ServiceError
    from loket.services.matching import run_matching

    bar = None

    def on_progress(done: int, total: int) -> None:
        nonlocal bar
        if total < 1000:
            return
        if bar is None:
            bar = progress("Koppelen", total).__enter__()
        bar.update(done - bar.pos)

    try:
        run = run_matching(
            top_k, assign_pairs=assign_pairs, dry_run=dry_run, progress=on_progress, request_id=request_key
        )
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for msg in run.skipped:
        click.echo(f"overgeslagen: {msg}", err=True)
    if as_json:
        echo_json(run.as_json())
    else:
        for d in run.as_json():
            km = "-" if d["distance_km"] is None else f"{d['distance_km']} km"
            why = "; ".join(d["reasons"])
            click.echo(f"{d['request']}\t{d['offer']}\t#{d['rank']}\t{d['score']}\t{km}\t{why}")
    if assign_pairs:
        click.echo(
            f"Toewijzing: totaal {run.assignment_total:.3f}, "
            f"{run.assignment_unmatched} aanvragen zonder aanbod; "
            f"greedy: totaal {run.greedy_total:.3f}, {run.greedy_unmatched} zonder aanbod.",
            err=True,
        )
    stored = (
        "proefrun, niets opgeslagen"
        if dry_run
        else f"{run.created} nieuw voorgesteld, {run.existing} bestonden al"
    )
    click.echo(
        f"{run.requests} aanvragen, {run.offers} aanbiedingen: "
        f"{len(run.suggestions)} koppelingen ({stored}).",
        err=True,
    )


COMMANDS += [match_command]
