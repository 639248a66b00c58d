"""The ``loket`` command line: init-db, seed-demo, import, match, cluster, reactivate, ...

Commands are thin: parse options, call a service, commit once at the end (long runs commit at
their own natural boundary inside the service), print. With ``--json`` only JSON goes to stdout;
progress and logs go to stderr. One module per family of commands.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from loket.cli import data, engines, events, mail, scheduler, serve, workflow
from loket.cli.helpers import echo_json, parse_now, progress, transactional

__all__ = ["COMMANDS", "NO_WEB", "echo_json", "main", "parse_now", "progress", "register", "transactional"]

COMMANDS: list[click.Command] = [
    data.init_db_command,
    data.import_command,
    data.export_command,
    data.seed_demo_command,
    data.demo_logins_command,
    data.holidays_group,
    engines.match_command,
    engines.cluster_command,
    engines.tune_weights_command,
    workflow.deadlines_command,
    workflow.digest_command,
    mail.mail_group,
    mail.reactivate_command,
    mail.bounces_command,
    mail.archive_dormant_command,
    mail.worker_command,
    serve.serve_command,
    scheduler.scheduler_command,
    events.event_group,
]


def register(app: Flask) -> None:
    """Attach every command to ``app.cli``."""
    for cmd in COMMANDS:
        app.cli.add_command(cmd)


#: commands that serve no page, build no link and run no migration: their app is built without the
#: web layer (``create_app(web=False)``), which saves about half a second of start-up on every run
NO_WEB = frozenset({"match", "cluster", "tune-weights"})


class LoketGroup(FlaskGroup):
    """Flask's command group, telling ``_create_app`` which command the app is built for. A command
    of ``NO_WEB`` is found without loading the plugins' commands or the app (which its
    ``with_appcontext`` builds then, without the web layer)."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        ctx.ensure_object(ScriptInfo).data["web"] = name not in NO_WEB
        if name in NO_WEB:
            return next(cmd for cmd in COMMANDS if cmd.name == name)
        return super().get_command(ctx, name)


def _create_app() -> Flask:
    from loket import create_app
    from loket.config import ConfigError

    ctx = click.get_current_context(silent=True)
    info = ctx.find_object(ScriptInfo) if ctx is not None else None
    try:
        return create_app(web=info.data.get("web", True) if info is not None else True)
    except ConfigError as exc:  # a clear one-line error, not a traceback
        raise click.ClickException(str(exc)) from exc


@click.group(cls=LoketGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Loket command line."""
