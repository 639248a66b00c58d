"""Loket: school-company matching for technology education."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

__all__ = ["create_app"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app. No side effects: no migrations, no table creation, no prompts."""
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
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_production(app)
    return app


def register_production(app: Flask) -> None:
    """Health, readiness and metrics endpoints, request ids and logs, and the proxy headers."""
    from loket import observability
    from loket.web import db_restart, health

    health.init_app(app)
    observability.init_app(app)
    db_restart.install(app)
    proxies = app.config["LOKET_PROXY_COUNT"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # trust exactly this many proxies in front of us for the client address, scheme, host, prefix
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )


def register_extensions(app: Flask) -> None:
    from loket.extensions import babel, csrf, db, limiter, login_manager, migrate, select_locale
    from loket.models.search import include_in_migrations
    from loket.web import transaction

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        render_as_batch=True,
        compare_type=True,
        include_object=include_in_migrations,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    transaction.init_app(app)
    from loket.web import security  # headers on every response (CSP, framing, HSTS in production)

    security.init_app(app)

    import loket.models  # noqa: F401  (register mappers)
    from loket.services.matching import dirty

    dirty.install()  # stale suggestion lists are marked in the transaction that changed them
    from loket.services.accounts.sessions import load_user

    login_manager.user_loader(load_user)


def register_blueprints(app: Flask) -> None:
    from loket.web import register_blueprints as _register

    _register(app)


def register_errorhandlers(app: Flask) -> None:
    from loket.web.errors import register as _register

    _register(app)


def register_commands(app: Flask) -> None:
    from loket.cli import register as _register

    _register(app)
