"""Shared fixtures: app (SQLite, and PostgreSQL when LOKET_TEST_DATABASE_URL is set), client,
CLI runner, a real SMTP server (aiosmtpd), small factories and count_queries (SQL statements sent).

Every database test runs once per backend. Each test session gets its own PostgreSQL database
(created and dropped here), so parallel sessions never see each other's rows. Tables are emptied
after each test.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from loket import create_app
from loket.db import db

PG_URL = os.environ.get("LOKET_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--fuzz-long",
        action="store_true",
        default=False,
        help="many more examples in tests/integration/test_fuzz.py (for the benchmark machine)",
    )


# --------------------------------------------------------------------------- SMTP server
class Mailbox:
    """What a real local SMTP server received, parsed into EmailMessage objects."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        self.refuse: dict[str, int] = {}  # recipient -> SMTP code to answer (e.g. 451, 550)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        code = self.refuse.get(address.lower())
        if code:
            return f"{code} {'try again later' if code < 500 else 'no such user'}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.envelopes.clear()
            self.refuse.clear()

    def to(self, addr: str) -> list[EmailMessage]:
        return [m for m in self.messages if addr.lower() in str(m["To"]).lower()]

    @staticmethod
    def text_of(msg: EmailMessage) -> str:
        part = msg.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @staticmethod
    def html_of(msg: EmailMessage) -> str:
        part = msg.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    box, _ = smtp_server
    box.clear()
    return box


# --------------------------------------------------------------------------- databases
def _create_pg_database(base_url: str) -> str:
    url = make_url(base_url)
    name = f"loket_t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(base_url: str, test_url: str) -> None:
    name = make_url(test_url).database
    admin = create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory) -> Iterator[dict[str, str]]:
    """One fresh, empty database per backend for this test session."""
    urls = {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('db') / 'loket-test.db'}"}
    if PG_URL:
        urls["postgresql"] = _create_pg_database(PG_URL)
    yield urls
    if PG_URL:
        _drop_pg_database(PG_URL, urls["postgresql"])


def test_config(db_url: str, smtp_port: int, instance: Path) -> dict:
    return {
        "TESTING": True,
        "LOKET_ENV": "testing",
        "LOKET_FAST_PASSWORD_HASH": True,  # see tests/integration/test_password_hashing.py
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOKET_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "LOKET_MAIL_FROM": "Loket <loket@example.test>",
        "LOKET_BASE_URL": "http://loket.test",
        "LOKET_MAIL_RATE_PER_S": 0,
        "LOKET_DB_RESTART_WAIT_S": 0,  # a database that is down answers 503 at once (test_ops_db_restart)
        "LOKET_INSTANCE_DIR": str(instance),
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session", params=BACKENDS)
def _session_app(request, database_urls, smtp_server, tmp_path_factory):
    _, port = smtp_server
    app = create_app(test_config(database_urls[request.param], port, tmp_path_factory.mktemp("instance")))
    app.config["LOKET_TEST_BACKEND"] = request.param
    _forget_user_per_request(app)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _forget_user_per_request(app) -> None:
    """Tests keep one app context (and so one ``g``) across requests; a real server has one per
    request. Forget Flask-Login's cached user at each request start, as a real server would."""
    from flask import g, request_started

    def forget_user(sender, **extra):
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)  # the locale is chosen per request too

    request_started.connect(forget_user, app, weak=False)


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for t in tables:
            db.session.execute(t.delete())
    db.session.commit()


@pytest.fixture
def app(_session_app, smtp_server):
    """The app with an app context pushed and empty tables; emptied again afterwards."""
    from loket.extensions import limiter

    smtp_server[0].clear()
    with _session_app.app_context():
        limiter.reset()
        yield _session_app
        db.session.rollback()
        _empty_tables()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner(mix_stderr=False) if _runner_supports_mix() else app.test_cli_runner()


def _runner_supports_mix() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


@pytest.fixture
def backend(app) -> str:
    return app.config["LOKET_TEST_BACKEND"]


@pytest.fixture
def count_queries(app) -> Callable[[], AbstractContextManager[list[str]]]:
    """``with count_queries() as seen:`` collects the SQL statements the block sends to the database
    (``len(seen)`` for "a fixed number of queries per page, whatever the number of rows")."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        seen: list[str] = []

        def before(conn, cursor, statement, *args) -> None:
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield seen
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


# --------------------------------------------------------------------------- factories + login
from tests.factories import Factory  # noqa: E402


@pytest.fixture
def make(app) -> Factory:
    """Factories that write real rows: ``make.school()``, ``make.user(org)``, ``make.request(org)``..."""
    return Factory()


class AuthActions:
    def __init__(self, client) -> None:
        self._client = client

    def login(self, email: str, password: str = "wachtwoord-123"):
        return self._client.post("/inloggen", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/uitloggen")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)
