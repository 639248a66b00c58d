"""Helpers for the reactivation tests: dormant populations, logged-in clients, child-process env."""

from __future__ import annotations

import os
import re
import sys
from datetime import UTC, datetime, timedelta

from loket.db import db

LOKET_CMD = [sys.executable, "-c", "import sys; from loket.cli import main; sys.exit(main())"]


def ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def dormant_population(make, n: int = 4, place: str = "Zwolle", cluster=None, prefix: str = "slaper"):
    """``n`` dormant users (alternating school / company, last login 2 years ago) in one place."""
    users = []
    for i in range(n):
        org = make.school(place=place) if i % 2 == 0 else make.company(place=place)
        if cluster is not None:
            org.cluster_id = cluster.id
        users.append(
            make.user(org, email=f"{prefix}{i}@example.test", status="dormant", last_login_at=ago(730))
        )
    db.session.flush()
    return users


def login(client, user) -> None:
    from flask_login.utils import _create_identifier

    with client.application.test_request_context(environ_base=client.environ_base):
        ident = _create_identifier()  # session_protection = "strong" compares it
    with client.session_transaction() as s:
        s["_user_id"] = user.get_id()
        s["_fresh"] = True
        s["_id"] = ident
    from flask import g

    g.pop("_login_user", None)  # the test's app context (and so ``g``) outlives each request


def link(text: str, kind: str = "heractiveren") -> str:
    """The path of the first /heractiveren/... or /afmelden/... link in a mail text."""
    m = re.search(rf"http://loket\.test(/{kind}/[A-Za-z0-9_.\-]+)", text)
    assert m, f"no /{kind}/ link in:\n{text}"
    return m.group(1)


def child_env(app, **extra: str) -> dict[str, str]:
    """Environment for a real ``loket`` child process using the test app's database and SMTP server."""
    from loket.worker import child_env as _env

    env = _env(app)
    env.update({"LOKET_ENV": "testing", "PYTHONPATH": os.getcwd()})
    env.update(extra)
    return env
