"""Loket: school-company matching for technology education."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

__all__ = ["create_app"]


def create_app(config: dict[str, Any] | None = None, *, web: bool = True) -> Flask:
    """Build the Flask app. No side effects: no migrations, no table creation, no prompts.

    ``web=False`` builds the app of a command that serves no page, builds no link and runs no
    migration (``loket match``, ``cluster``, ``tune-weights``: ``loket.cli.NO_WEB``): the database,
    the translations and the commands, without the routes, sessions, CSRF, rate limits, schema
    tools and request middleware, whose imports cost about half a second of its start-up."""
    app = Flask(
        __name__, instance_relative_config=True, template_folder="web/templates", static_folder="web/static"
    )
    from loket.config import finalize, load_config

    app.config.update(load_config(Path(app.instance_path)))
    if config:
        app.config.update(config)
    finalize(app.config)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("loket").setLevel(logging.DEBUG if app.debug else logging.INFO)
    logging.getLogger("werkzeug").setLevel(logging.INFO)
    register_extensions(app)
    if web:
        register_web(app)
    register_commands(app)
    from loket.web import db_restart

    db_restart.install(app)  # also for commands: wait for PostgreSQL while it restarts
    return app


def register_web(app: Flask) -> None:
    """What serving pages needs: sessions, CSRF, rate limits, migrations, the blueprints, the error
    pages, the headers, one commit per request, and the production endpoints and middleware."""
    from flask_migrate import Migrate  # (alembic: a tenth of a second that the engine commands skip)

    from loket.db import db
    from loket.extensions import csrf, limiter, login_manager
    from loket.models.search import include_in_migrations
    from loket.services.accounts.sessions import load_user
    from loket.web import security, transaction

    Migrate(
        app,
        db,
        render_as_batch=True,
        compare_type=True,
        include_object=include_in_migrations,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
    )
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    csrf.init_app(app)
    limiter.init_app(app)
    transaction.init_app(app)
    security.init_app(app)  # headers on every response (CSP, framing, HSTS in production)
    register_blueprints(app)
    register_errorhandlers(app)
    register_production(app)


def register_production(app: Flask) -> None:
    """Health, readiness and metrics endpoints, request ids and logs, and the proxy headers."""
    from loket import observability
    from loket.web import health

    health.init_app(app)
    observability.init_app(app)
    proxies = app.config["LOKET_PROXY_COUNT"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # trust exactly this many proxies in front of us for the client address, scheme, host, prefix
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )


def register_extensions(app: Flask) -> None:
    """The database (and the models' mappers), the translations, and the stale-list marking."""
    from loket.db import db
    from loket.extensions import babel, select_locale

    db.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    import loket.models  # noqa: F401  (register mappers)
    from loket.services.matching import dirty

    dirty.install()  # stale suggestion lists are marked in the transaction that changed them


def register_blueprints(app: Flask) -> None:
    from loket.web import register_blueprints as _register

    _register(app)


def register_errorhandlers(app: Flask) -> None:
    from loket.web.errors import register as _register

    _register(app)


def register_commands(app: Flask) -> None:
    from loket.cli import register as _register

    _register(app)
