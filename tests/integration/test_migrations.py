"""Alembic migrations build the whole schema from empty on SQLite and PostgreSQL, without drift."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from loket import create_app
from loket.db import db
from loket.models.search import include_in_migrations
from tests.conftest import BACKENDS, PG_URL, _create_pg_database, _drop_pg_database


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_from_empty_matches_models(backend, tmp_path):
    url = f"sqlite:///{tmp_path / 'mig.db'}" if backend == "sqlite" else _create_pg_database(PG_URL)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40, "TESTING": True})
        with app.app_context():
            upgrade()
            tables = set(inspect(db.engine).get_table_names())
            assert {"organisation", "user_account", "request", "offer", "match", "cluster"} <= tables
            with db.engine.connect() as conn:
                ctx = MigrationContext.configure(
                    conn, opts={"compare_type": True, "include_object": include_in_migrations}
                )
                diff = compare_metadata(ctx, db.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            db.engine.dispose()
    finally:
        if backend == "postgresql":
            _drop_pg_database(PG_URL, url)
