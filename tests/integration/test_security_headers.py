"""Security headers on every response, and pages that need no inline code (issue 11, item 3).

Every answer (page, JSON, error page, static file) carries a Content-Security-Policy without
'unsafe-inline', X-Frame-Options, X-Content-Type-Options, Referrer-Policy and Permissions-Policy;
HSTS only in production. The pages of every role are walked like a visitor would (following links)
and none holds an inline script, an inline event handler or a style attribute, which that policy
would block.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from loket.db import db
from loket.services import matches as match_svc
from loket.services.accounts import links as tokens
from loket.services.reactivation import Scope, create_run
from loket.services.reactivation.tokens import issue_reactivation_token, unsubscribe_token
from tests.integration.lifecycle_helpers import build_world, login, logout


def _csp(resp) -> dict[str, list[str]]:
    header = resp.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {resp.request.path}"
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _assert_security_headers(resp) -> None:
    path = resp.request.path
    csp = _csp(resp)
    assert "'unsafe-inline'" not in resp.headers["Content-Security-Policy"], path
    assert "'unsafe-eval'" not in resp.headers["Content-Security-Policy"], path
    assert csp["default-src"] == ["'self'"], path
    assert csp["script-src"] == ["'self'"], path
    assert csp["style-src"] == ["'self'"], path
    assert csp["img-src"][:2] == ["'self'", "data:"], path
    assert csp["frame-ancestors"] == ["'none'"], path
    assert csp["form-action"] == ["'self'"], path
    assert csp["base-uri"] == ["'self'"], path
    assert csp["object-src"] == ["'none'"], path
    assert resp.headers["X-Frame-Options"] == "DENY", path
    assert resp.headers["X-Content-Type-Options"] == "nosniff", path
    assert resp.headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "same-origin"), path
    assert "camera=()" in resp.headers["Permissions-Policy"], path
    assert "geolocation=()" in resp.headers["Permissions-Policy"], path


@pytest.fixture
def world(make):
    w = build_world(make)
    m = match_svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    match_svc.approve(w.manager, m.id)
    w.match = m
    w.run = create_run(w.admin, Scope(inactive_days=365))  # status "created": the page polls
    db.session.commit()
    return w


def test_headers_on_a_page_json_an_error_and_a_static_file(client, make):
    user = make.user(make.school(), email="docent@school.example")
    db.session.commit()
    responses = [
        client.get("/"),
        client.get("/inloggen"),
        client.get("/healthz"),  # JSON
        client.get("/api/taxonomie/sector?q=ener"),  # JSON 401 from a before_request
        client.get("/bestaat-niet"),  # 404 page
        client.post("/healthz"),  # 405
        client.get("/static/loket.css"),
    ]
    login(client, user)
    responses.append(client.get("/api/taxonomie/sector?q=ener"))  # JSON 200
    expected = [200, 200, 200, 401, 404, 405, 200, 200]
    assert [r.status_code for r in responses] == expected
    assert responses[2].is_json and responses[7].is_json
    for resp in responses:
        _assert_security_headers(resp)
        assert "Strict-Transport-Security" not in resp.headers  # not outside production
        if resp.mimetype == "text/html":  # error pages too
            assert _inline_code(resp.get_data(as_text=True)) == [], resp.request.path


def test_hsts_only_in_production(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOKET_ENV", "production")
    for path in ("/", "/static/loket.css", "/bestaat-niet"):
        resp = client.get(path)
        assert resp.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", path
        _assert_security_headers(resp)


def test_map_tile_host_is_allowed_for_images(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOKET_TILE_URL", "https://{s}.tiles.example.org/osm/{z}/{x}/{y}.png")
    csp = _csp(client.get("/"))
    assert csp["img-src"] == ["'self'", "data:", "https://*.tiles.example.org"]
    monkeypatch.setitem(app.config, "LOKET_TILE_URL", "https://tiles.example.org:8443/{z}/{x}/{y}.png")
    assert _csp(client.get("/"))["img-src"] == ["'self'", "data:", "https://tiles.example.org:8443"]


def test_reactivation_progress_script_is_a_static_file_fed_by_data_attributes(client, world):
    login(client, world.admin)
    html = client.get(f"/heractivering/{world.run.id}").get_data(as_text=True)
    assert re.search(r'<script src="/static/[^"]+\.js"', html)
    assert f'data-progress-url="/heractivering/{world.run.id}/voortgang"' in html
    progress = client.get(f"/heractivering/{world.run.id}/voortgang")
    assert progress.is_json and progress.get_json()["status"] == "created"
    _assert_security_headers(progress)
    script = re.search(r'<script src="(/static/[^"]+\.js)"', html).group(1)
    js = client.get(script)
    assert js.status_code == 200 and "progressUrl" in js.get_data(as_text=True)
    _assert_security_headers(js)


# --------------------------------------------------------------------------- no inline code
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
TAG = re.compile(r"<[a-zA-Z][^>]*>", re.S)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)
SKIP = ("/static/", "/taal/", "/uitloggen", "/account/mijn-gegevens")


def _crawl(client, start: list[str], limit: int = 120) -> dict[str, str]:
    """Every HTML page reachable by following same-site links from ``start`` (GET only)."""
    queue, seen, pages = list(start), set(), {}
    while queue and len(pages) < limit:
        path = queue.pop(0)
        if path in seen or path.startswith(SKIP):
            continue
        seen.add(path)
        resp = client.get(path)
        assert resp.status_code < 500, path
        if resp.status_code != 200 or resp.mimetype != "text/html":
            continue
        html = resp.get_data(as_text=True)
        pages[path] = html
        for href in re.findall(r'href="(/[^"#]*)', html):
            queue.append(unescape(href))
    return pages


def _inline_code(html: str) -> list[str]:
    problems = [m.group(0) for m in INLINE_SCRIPT.finditer(html)]
    problems += [m.group(0)[:80] for m in STYLE_ELEMENT.finditer(html)]
    for tag in TAG.findall(html):
        if HANDLER.search(tag) or STYLE_ATTR.search(tag) or "javascript:" in tag.lower():
            problems.append(tag[:160])
    return problems


ROLE_STARTS = {
    "anonymous": ["/", "/inloggen", "/aanmelden", "/wachtwoord-vergeten", "/privacy"],
    "school": ["/", "/school/", "/account"],
    "company": ["/", "/bedrijf/", "/account"],
    "manager": ["/", "/cluster/overzicht", "/regio/", "/regio/kaart", "/heractivering/", "/account"],
    "admin": ["/", "/beheer/", "/beheer/clusters", "/regio/kaart", "/heractivering/", "/account"],
}


@pytest.mark.parametrize("role", list(ROLE_STARTS))
def test_pages_of_every_role_have_no_inline_script_handler_or_style(client, make, world, role):
    users = {"school": world.teacher, "company": world.hr, "manager": world.manager, "admin": world.admin}
    starts = list(ROLE_STARTS[role])
    if role == "anonymous":  # and the pages behind the links in mails
        invited = make.user(world.school, email="nieuw@school.test", status="invited", password=None)
        dormant = make.user(world.company, email="slaper@bedrijf.test", status="dormant", password=None)
        starts += [
            f"/wachtwoord-herstellen/{tokens.make_token(world.teacher, tokens.RESET)}",
            f"/uitnodiging/{tokens.make_token(invited, tokens.INVITE)}",
            f"/heractiveren/{issue_reactivation_token(dormant, None)}",
            f"/afmelden/{unsubscribe_token(dormant)}",
        ]
        db.session.commit()
        logout(client)
    else:
        login(client, users[role])
    pages = _crawl(client, starts)
    assert len(pages) >= len(starts), sorted(pages)
    found = {path: _inline_code(html) for path, html in pages.items()}
    found = {path: problems for path, problems in found.items() if problems}
    assert found == {}, found
    if role == "admin":  # the pages that had inline code before were reached
        assert f"/beheer/clusters/{world.cluster.id}" in pages
        assert f"/heractivering/{world.run.id}" in pages
        assert "/regio/kaart" in pages
