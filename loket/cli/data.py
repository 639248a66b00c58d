"""Data commands: schema (init-db), CSV import, demo data, demo logins, school holidays."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import text

from loket.cli.helpers import counting_progress, echo_json, progress, transactional
from loket.db import db


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
    read_as = f" (gelezen als {parsed.encoding})" if parsed.encoding else ""
    if parsed.errors:
        if as_json:
            echo_json(
                {
                    "kind": kind,
                    "ok": False,
                    "encoding": parsed.encoding,
                    "errors": [e.as_dict() for e in parsed.errors],
                }
            )
        for err in parsed.errors:
            click.echo(str(err), err=True)
        click.echo(f"{len(parsed.errors)} fout(en) in {path}{read_as}: er is niets geïmporteerd.", err=True)
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
            f"{report.unchanged} ongewijzigd; tekenset {report.encoding}"
            + (" (proefrun, niets opgeslagen)" if dry_run else "")
        )
    if dry_run:
        db.session.rollback()


@click.command("export")
@click.argument("kind", type=click.Choice(["requests", "offers"]))
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--open-only", is_flag=True, help="Only open requests / offers.")
@with_appcontext
def export_command(kind: str, path: str, open_only: bool) -> None:
    """Write requests or offers in the exchange format (with the optional description column)."""
    from loket.services.imports.export import export_activities

    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        n = export_activities(kind, fh, statuses=("open",) if open_only else None)
    click.echo(f"{kind}: {n} regels geschreven naar {path}", err=True)


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
    """Fill the database with realistic demo data over real Dutch places, with demo logins, and
    compute the stored suggestions (as `loket match --refresh`)."""
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
    db.session.commit()  # the demo data is there; the suggestions follow in blocks
    decided = demo.seed_decisions(seed=seed)
    click.echo(f"Demodata: {decided} beslissingen over voorgestelde koppelingen.", err=True)
    db.session.commit()
    if event_id := demo.seed_career_day():
        click.echo(f"Demodata: loopbaandag {event_id} aangemaakt, ingedeeld en gepubliceerd.", err=True)
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))  # fresh planner statistics after the bulk load
        db.session.commit()
    from loket.services.matching.rebuild import refresh_all

    with counting_progress("Suggesties") as on_progress:
        done = refresh_all(progress=on_progress)
    click.echo(f"Suggesties: {done['rows']} opgeslagen in {done['seconds']} s.", err=True)


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


@click.group("holidays")
def holidays_group() -> None:
    """The official school holidays per region (noord, midden, zuid)."""


@holidays_group.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print only a JSON summary on stdout.")
@with_appcontext
@transactional
def holidays_load_command(path: str, dry_run: bool, as_json: bool) -> None:
    """Load school holidays from a CSV (region,school_year,name,first_day,last_day). Every line is
    checked first; any error writes nothing. Loading the same file again changes nothing."""
    from loket.services.calendar import HolidayFileError, load_holidays

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path}: geen UTF-8-tekst ({exc.reason}).") from exc
    try:
        counts = load_holidays(text, dry_run=dry_run)
    except HolidayFileError as exc:
        for line in exc.errors:
            click.echo(f"{path}: {line}", err=True)
        raise click.ClickException(f"{len(exc.errors)} fout(en); er is niets ingelezen.") from exc
    if as_json:
        echo_json({"file": path, "dry_run": dry_run, **counts})
    else:
        click.echo(
            f"{'Proef: ' if dry_run else ''}{counts['added']} toegevoegd, {counts['updated']} bijgewerkt, "
            f"{counts['unchanged']} ongewijzigd."
        )
