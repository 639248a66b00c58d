"""Thin Flask blueprints: parse and validate input, call a service, render a template or JSON."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every blueprint and the template helpers (an import error fails loudly).

    The view modules are imported here, not when the package is: a command that only needs
    ``loket.web.db_restart`` (see ``create_app(web=False)``) does not load every page."""
    from loket.web import (
        account,
        admin,
        api,
        auth,
        company,
        details,
        devmail,
        events,
        events_manage,
        events_outputs,
        events_register,
        inputs,
        main,
        manager,
        matches,
        notifications,
        reactivation,
        regions,
        school,
    )
    from loket.web.template_helpers import register as register_helpers

    inputs.register(app)  # the <id:...> converter must exist before the routes; query-string checks
    blueprints = (
        main,
        auth,
        account,
        school,
        company,
        manager,
        regions,
        admin,
        api,
        reactivation,
        matches,
        notifications,
        devmail,
        details,
        events_manage,
        events_register,
        events,
        events_outputs,
    )
    for module in blueprints:
        app.register_blueprint(module.bp)
    register_helpers(app)
