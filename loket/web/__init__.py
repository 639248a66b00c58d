"""Thin Flask blueprints: parse and validate input, call a service, render a template or JSON."""

from __future__ import annotations

import importlib

from flask import Flask

from loket.web import inputs

# blueprint modules, each exposing ``bp``; a module listed here that does not exist yet is skipped
BLUEPRINTS = (
    "main",
    "auth",
    "account",
    "school",
    "company",
    "manager",
    "regions",
    "admin",
    "api",
    "reactivation",
    "matches",
    "notifications",
)


def register_blueprints(app: Flask) -> None:
    inputs.register(app)  # the <id:...> converter must exist before the routes; query-string checks
    for name in BLUEPRINTS:
        try:
            module = importlib.import_module(f"loket.web.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"loket.web.{name}":
                continue
            raise
        app.register_blueprint(module.bp)
    from loket.web.template_helpers import register as register_helpers

    register_helpers(app)
