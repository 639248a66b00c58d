"""What the browser stories share: numbered screenshots, logging in, reading a match's state."""

from __future__ import annotations

from pathlib import Path

from loket.db import db
from loket.models import Match

PASSWORD = "wachtwoord-123"
TIMEOUT_MS = 10_000


class Step:
    """Numbered screenshots of the story."""

    def __init__(self, artifacts: Path, story: str = "") -> None:
        self.dir = artifacts / story if story else artifacts
        self.dir.mkdir(parents=True, exist_ok=True)
        self.n = 0
        for old in self.dir.glob("*.png"):
            old.unlink()

    def shot(self, page, name: str) -> None:
        self.n += 1
        page.screenshot(path=str(self.dir / f"{self.n:02d}-{name}.png"), full_page=True)


def login(browser, server, email: str, locale: str = "nl-NL", **context_options):
    """A new browser context (``context_options``: e.g. ``viewport``) logged in as ``email``."""
    context = browser.new_context(locale=locale, base_url=server.url, **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/inloggen")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/inloggen" not in page.url, page.content()
    return page


def match_status(app, match_id: int) -> str:
    with app.app_context():
        return db.session.get(Match, match_id).status


SEVERE = ("serious", "critical")


def axe_violations(page) -> list[tuple[str, str]]:
    """What axe-core (bundled with axe-playwright-python, nothing fetched) finds on the page: (impact,
    one line naming the rule and its first elements) per violated rule."""
    from axe_playwright_python.sync_playwright import Axe

    return [
        (v.get("impact") or "", f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}")
        for v in Axe().run(page).response["violations"]
    ]
