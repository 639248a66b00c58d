"""A real Loket server for browser tests: the app on 127.0.0.1 (random port) in a thread, a fresh file
SQLite database, the real SMTP server of ``tests/conftest.py`` (aiosmtpd) and CSRF switched ON; plus a
headless Debian Chromium driven by Playwright.

The browser tests are skipped with a clear reason when ``/usr/bin/chromium`` (Debian's ``chromium``
package) or Playwright is missing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask

from loket import create_app
from loket.db import db
from tests.conftest import Mailbox, test_config

CHROMIUM = Path(os.environ.get("LOKET_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


def skip_reason() -> str | None:
    """Why browser tests cannot run here (None when they can)."""
    if not CHROMIUM.exists():
        return f"browser tests skipped: {CHROMIUM} not found (install Debian's 'chromium' package)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests skipped: the Python package 'playwright' is not installed"
    return None


@dataclass
class LiveServer:
    app: Flask
    url: str
    mailbox: Mailbox
    shots: list[Path] = field(default_factory=list)


@pytest.fixture(scope="module")
def live_server(smtp_server, tmp_path_factory) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    box, smtp_port = smtp_server
    workdir = tmp_path_factory.mktemp("e2e")
    config = test_config(f"sqlite:///{workdir / 'loket-e2e.db'}", smtp_port, workdir / "instance")
    config.update(WTF_CSRF_ENABLED=True, TESTING=False, LOKET_ENV="testing", PROPAGATE_EXCEPTIONS=False)
    app = create_app(config)
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["LOKET_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="loket-e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=url, mailbox=box)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    """``test-artifacts/e2e/`` (git-ignored): screenshots of each step."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
