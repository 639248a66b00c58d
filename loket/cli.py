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


COMMANDS: list[click.Command] = [init_db_command]


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
