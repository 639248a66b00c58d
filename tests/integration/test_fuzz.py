"""Property-based fuzz test (issue 11, "Also build"): every form and every JSON endpoint, every role.

Routes come from ``app.url_map`` at collection time, so a new form or JSON endpoint is fuzzed without
touching this file. For each POST route, each role posts a complete, plausible form (every field name
any Loket form knows, with a valid-looking value) in which hypothesis replaces a few fields (and
sometimes a path argument) with hostile values: control characters, header injection, huge and
negative numbers, NaN/inf, impossible and far-away dates, very long strings, other scripts. Every
JSON endpoint gets hostile query strings and path arguments the same way.

Properties, on SQLite and PostgreSQL:
- never a 5xx (nor an exception escaping the app);
- a refused submission (status >= 400) changed nothing: every row of every table is the same;
- a JSON endpoint answers JSON, also when it refuses.

``pytest --fuzz-long`` raises the number of examples (for the benchmark machine); the default keeps
the test near a minute per backend.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from loket.db import db
from tests.integration.lifecycle_helpers import build_world, login, logout

ROLES = ("anon", "teacher", "hr", "manager", "admin")
# who can get past a blueprint's gate (those get the full number of examples, the others a few)
ACCESS = {
    "auth": ("anon", "teacher"),
    "account": ("teacher", "hr"),
    "school": ("teacher",),
    "company": ("hr",),
    "manager": ("manager", "admin"),
    "matches": ("teacher", "hr", "manager"),
    "notifications": ("teacher", "hr"),
    "regions": ("manager", "admin"),
    "admin": ("admin",),
    "reactivation": ("admin", "manager", "anon"),
    "api": ("teacher", "admin"),
    "main": ("anon", "teacher"),
}
# never fuzzed: buttons that start background work (a real reactivation run / clustering apply)
FIXED = {"action"}

HOSTILE_TEXT = [
    "\x00",
    "a\x00b",
    "Sanne\r\nBcc: boef@example.test",
    "naam\nX-Header: 1",
    "\u2028",
    "\x1b[31mrood",
    "\t",
    "\x7f\x85\x9f",
    "",
    " ",
    "x" * 5000,
    "é" * 300,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%s%n{0}",
    "{{7*7}}",
    "../../etc/passwd",
    '=HYPERLINK("http://boef.test")',
    "\ufeff\u202eabc",
    "١٢٣",
    "²",
]
HOSTILE_NUMBERS = [
    str(2**31),
    str(2**31 - 1),
    str(2**63),
    str(-(2**63) - 1),
    "9" * 40,
    "-1",
    "0",
    "-0",
    "nan",
    "NaN",
    "sNaN",
    "inf",
    "-Infinity",
    "1e309",
    "1e-400",
    "0x10",
    "1_000",
    "3,5",
]
HOSTILE_DATES = [
    "0001-01-01",
    "9999-12-31",
    "1999-12-31",
    "2030-03-31",
    "2024-02-30",
    "31-12-2024",
    "2025-13-01",
    "02:30",
    "25:61",
    "24:00",
]


def hostile() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT + HOSTILE_NUMBERS + HOSTILE_DATES),
        st.text(st.characters(codec="utf-8"), max_size=30),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
        st.text(max_size=3).map(lambda s: s * 20000),
    )


# NUL (PostgreSQL refuses it) and CR LF (header injection) most often
CONTROL = ["\x00"] * 4 + ["\r\n"] * 3 + ["\n", "\r", "\x0b", "\x1b", "\x7f", "\x85", "\u2028", "\t", "\ufeff"]


def spoiled(base: str) -> st.SearchStrategy[str]:
    """A plausible value made hostile: a control character inside it, a header injected, or it
    repeated until it is far too long. These pass more checks than random text and reach further."""
    inserted = st.tuples(st.integers(0, len(base)), st.sampled_from(CONTROL)).map(
        lambda t: base[: t[0]] + t[1] + base[t[0] :]
    )
    return st.one_of(
        inserted,
        inserted,
        inserted,
        st.just(base + "\r\nBcc: boef@example.test"),
        st.integers(2, 3000).map(lambda n: base * n),
    )


def long_examples(config) -> bool:
    return bool(config.getoption("--fuzz-long", default=False))


# ----------------------------------------------------------------------------- discovery
def _discovery_app():
    from loket import create_app

    return create_app(
        {
            "TESTING": True,
            "LOKET_ENV": "testing",
            "SECRET_KEY": "fuzz-discovery-secret-key-long-enough",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )


def _rules():
    app = _discovery_app()
    posts, gets = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint == "static":
            continue
        if "POST" in (rule.methods or ()):
            posts.append((rule.endpoint, rule.rule))
        if "GET" in (rule.methods or ()):
            gets.append((rule.endpoint, rule.rule))
    return posts, gets


POST_RULES, GET_RULES = _rules()


def _form_field_names() -> dict[str, bool]:
    """Every field name of every Loket form -> whether it takes several values."""
    from flask_wtf import FlaskForm
    from wtforms import SelectMultipleField

    app = _discovery_app()
    names: dict[str, bool] = {}

    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    with app.test_request_context():
        for form_class in set(walk(FlaskForm)):
            if not form_class.__module__.startswith("loket."):
                continue
            for field in form_class(meta={"csrf": False}):
                names[field.name] = names.get(field.name, False) or isinstance(field, SelectMultipleField)
    # fields that views read from request.form themselves
    names.update({"match_ids": True, "back": False, "open": False, "action": False})
    return names


FIELDS = _form_field_names()


# ----------------------------------------------------------------------------- the world
@functools.cache
def _password_hash() -> str:
    from werkzeug.security import generate_password_hash

    from tests.factories import PASSWORD

    return generate_password_hash(PASSWORD)


class _CheapPasswords:
    """The factories, with the password hashed once per session instead of once per user (the world
    is built for every route; hashing is deliberately slow)."""

    def __init__(self, make) -> None:
        self._make = make

    def __getattr__(self, name: str):
        return getattr(self._make, name)

    def user(self, org=None, **kw):
        user = self._make.user(org, **{**kw, "password": None})
        user.password_hash, user.security_stamp = _password_hash(), 1
        return user

    def manager(self, clusters=(), **kw):
        user = self.user(None, role="cluster_manager", **kw)
        for c in clusters:
            c.managers.append(user)
        return user

    def admin(self, **kw):
        return self.user(None, role="admin", **kw)


@pytest.fixture(autouse=True)
def _no_background_runs(monkeypatch):
    """A reactivation run started by one example would go on in a background process and write
    while a later example is checked for "no change on refusal". Runs started here are recorded, not
    executed: background execution has its own tests (test_reactivation_background.py)."""
    started: list[int] = []
    monkeypatch.setattr("loket.worker.dispatch_run", lambda run_id: started.append(run_id) or "fuzz")
    return started


@pytest.fixture
def fuzz_world(make, app):
    from loket.extensions import limiter
    from loket.services.accounts import links as tokens
    from loket.services.reactivation import Scope, create_run
    from loket.services.reactivation.tokens import issue_reactivation_token, unsubscribe_token

    w = build_world(_CheapPasswords(make))
    now = datetime.now(UTC)
    offer2 = make.offer(w.company, capacity=2, topic="tweede aanbod")
    w.matches = {
        "proposed": make.match(w.req, w.offer, status="proposed"),
        "approved": make.match(make.request(w.school), w.offer, status="approved"),
        "accepted": make.match(make.request(w.school), offer2, status="accepted"),
        "past": make.match(
            make.request(w.school),
            offer2,
            status="scheduled",
            scheduled_start=now - timedelta(days=2),
            place="Zwolle",
        ),
    }
    w.offer2 = offer2
    from loket.services import notifications

    notifications.notify([w.teacher, w.hr], "match_proposed", "Fuzz-melding", "/koppelingen/1")
    invited = make.user(w.school, email="uitgenodigd@school.test", status="invited", password=None)
    dormant = make.user(
        w.company, email="slaper@bedrijf.test", status="dormant", last_login_at=now - timedelta(days=900)
    )
    w.run = create_run(None, Scope(inactive_days=365))
    db.session.flush()
    w.tokens = {
        "auth.reset_password": tokens.make_token(w.teacher, tokens.RESET),
        "auth.accept_invite": tokens.make_token(invited, tokens.INVITE),
        "auth.verify_email": tokens.make_token(w.teacher, tokens.VERIFY),
        "auth.confirm_email_change": tokens.make_token(
            w.teacher, tokens.CHANGE_EMAIL, new_email="nieuw@school.test"
        ),
        "reactivation.landing": issue_reactivation_token(dormant, w.run.id),
        "reactivation.unsubscribe": unsubscribe_token(dormant),
        "reactivation.unsubscribe_post": unsubscribe_token(dormant),
    }
    db.session.commit()
    was = limiter.enabled
    limiter.enabled = False  # many posts to /inloggen are the point here, not the rate limit
    yield w
    limiter.enabled = was


MATCH_FOR = {
    "manager.approve": "proposed",
    "manager.reject": "proposed",
    "manager.reroute": "proposed",
    "matches.accept": "approved",
    "matches.decline": "approved",
    "matches.schedule": "accepted",
    "matches.feedback": "past",
}


def path_values(w, endpoint: str) -> dict[str, object]:
    from loket.models import Notification

    note = db.session.scalar(select(Notification.id).where(Notification.user_id == w.teacher.id))
    return {
        "match_id": w.matches[MATCH_FOR.get(endpoint, "accepted")].id,
        "request_id": w.req.id,
        "offer_id": w.offer.id,
        "cluster_id": w.cluster.id,
        "org_id": w.school.id,
        "notification_id": note or 1,
        "run_id": w.run.id,
        "token": w.tokens.get(endpoint, "onbekend-token"),
        "kind": "sector",
        "code": "nl",
    }


counter = itertools.count()


def base_form(w) -> dict[str, object]:
    """A plausible value for every field name any form has (so every form is complete)."""
    today = date.today()
    n = next(counter)
    values: dict[str, object] = {
        "email": f"fuzz{n:08d}@school.example",  # fixed length: strategies depend on it
        "password": "lange zin met woorden",
        "password2": "lange zin met woorden",
        "current_password": "wachtwoord-123",
        "new_password": "lange zin met woorden",
        "new_password2": "lange zin met woorden",
        "kind": "school",
        "org_name": "Fuzz Lyceum",
        "organisation": "Fuzz Lyceum",
        "name": "Fuzz Naam",
        "brin": "",
        "kvk": "",
        "levels": ["havo"],
        "sectors": ["energie"],
        "modes": ["at_school"],
        "postcode": "8011 AA",
        "city": "Zwolle",
        "phone": "",
        "locale": "nl",
        "notify_mode": "immediate",
        "remember": "",
        "next": "",
        "confirm": "y",
        "agree": "y",
        "activity": "gastles",
        "topic": "zonne-energie",
        "pupils": "25",
        "capacity": "3",
        "earliest": (today + timedelta(days=7)).isoformat(),
        "latest": (today + timedelta(days=30)).isoformat(),
        "max_travel_km": "25",
        "radius_km": "25",
        "reason": "Geen tijd dit jaar",
        "version_id": "",
        "day": (today + timedelta(days=14)).isoformat(),
        "start": "10:00",
        "end": "11:00",
        "place": "Zwolle",
        "rating": "4",
        "comment": "Goede les",
        "pupils_reached": "20",
        "offer_id": str(w.offer2.id),
        "max_radius_km": "25",
        "min_schools": "1",
        "max_schools": "40",
        "method": "kmeans",
        "fresh": "",
        "rename": "",
        "source_id": str(w.other_cluster.id),
        "target": str(w.manager.id),
        "cluster_id": "0",
        "role": "",
        "inactive_days": "365",
        "limit": "5",
        "match_ids": [str(w.matches["proposed"].id)],
        "action": "preview",
        "back": "detail",
        "open": "1",
    }
    for name, multi in FIELDS.items():
        values.setdefault(name, ["x"] if multi else "x")
    return values


# ----------------------------------------------------------------------------- forms as the pages show them
class _FormParser(HTMLParser):
    """Collect (action, {field name: several values?}) of every POST form on a page."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[tuple[str, dict[str, bool]]] = []
        self._current: dict[str, bool] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self._current = {}
                self.forms.append((urlsplit(a.get("action") or self.page).path, self._current))
            else:
                self._current = None
        elif tag in ("input", "select", "textarea", "button") and self._current is not None and a.get("name"):
            name = a["name"]
            several = name in self._current or a.get("type") == "checkbox" or "multiple" in a
            self._current[name] = several

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


_DISCOVERED: dict[str, dict[str, bool]] = {}  # endpoint -> fields, filled once per test session


def discovered_fields(app, client, w) -> dict[str, dict[str, bool]]:
    """The fields of every POST form on every page the world's users can open, by endpoint."""
    if _DISCOVERED:
        return _DISCOVERED
    adapter = app.url_map.bind("localhost")
    for role in ROLES:
        _as(client, w, role)
        for endpoint, rule in GET_RULES:
            url = build_url(rule, path_values(w, endpoint), {})
            resp = client.get(url)
            if resp.status_code != 200 or resp.mimetype != "text/html":
                continue
            parser = _FormParser(url)
            parser.feed(resp.get_data(as_text=True))
            for action, fields in parser.forms:
                try:
                    target, _ = adapter.match(action, method="POST")
                except Exception:  # noqa: BLE001 - a form that posts elsewhere
                    continue
                _DISCOVERED.setdefault(target, {}).update(fields)
    return _DISCOVERED


# ----------------------------------------------------------------------------- the properties
def snapshot() -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table (the world is small): the strictest "changed nothing"."""
    out = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        out[table.name] = sorted(tuple(repr(v) for v in row) for row in rows)
    return out


def build_url(rule: str, values: dict[str, object], mutate: dict[str, str]) -> str:
    def one(m: re.Match) -> str:
        arg = m.group(2)
        if arg in mutate:
            return quote(mutate[arg], safe="") or "x"
        return quote(str(values.get(arg, "x")), safe="")

    return re.sub(r"<(?:([a-z]+):)?([a-z_]+)>", one, rule)


def check(resp, before, after_fn, label: str) -> None:
    assert resp.status_code < 500, f"{label}: {resp.status_code}"
    if resp.status_code >= 400:
        after = after_fn()
        changed = [t for t in before if before[t] != after[t]]
        assert not changed, f"{label}: refused with {resp.status_code} but changed {changed}"


def _examples(request, role: str, blueprint: str) -> int:
    full = 100 if long_examples(request.config) else 6
    return full if role in ACCESS.get(blueprint, ()) else (10 if long_examples(request.config) else 1)


def _as(client, w, role: str) -> None:
    if role == "anon":
        logout(client)
    else:
        login(client, getattr(w, role))


def _settings(request, role: str, blueprint: str):
    return settings(
        max_examples=_examples(request, role, blueprint),
        deadline=None,
        database=None,
        derandomize=not long_examples(request.config),
        suppress_health_check=list(HealthCheck),
    )


def _post(client, w, endpoint: str, rule: str, role: str, fields: dict[str, bool], data) -> None:
    """One example: a complete plausible form with one or two hostile fields of this route's own form
    (or, now and then, a hostile path argument)."""
    names = sorted(n for n in fields if n not in FIXED and n != "csrf_token") or ["version_id"]
    path_args = re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", rule)
    form = base_form(w)
    hostile_fields = {}
    for name in data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True)):
        base = form.get(name)
        one = (
            st.one_of(spoiled(base or "x"), spoiled(base or "x"), hostile())
            if isinstance(base, str)
            else hostile()
        )
        value = data.draw(st.lists(one, max_size=3) if fields.get(name) else one)
        form[name] = hostile_fields[name] = value
    mutate = {}
    if path_args and data.draw(st.integers(0, 4)) == 0:
        mutate[data.draw(st.sampled_from(path_args))] = data.draw(hostile())
    url = build_url(rule, path_values(w, endpoint), mutate)
    _as(client, w, role)
    before = snapshot()
    shown = {k: repr(v)[:80] for k, v in hostile_fields.items()}
    label = f"POST {url[:200]} as {role} with {shown}"
    try:
        resp = client.post(url, data=form)
    except Exception as exc:  # noqa: BLE001 - an exception escaping the app is a 500
        db.session.rollback()
        raise AssertionError(f"{label}: {type(exc).__name__}: {exc}") from exc
    check(resp, before, snapshot, label)


def _run(request, role: str, endpoint: str, body, **strategies) -> None:
    """Run ``body(**drawn)`` under hypothesis with the example budget of ``role`` on ``endpoint``."""

    def example(**drawn):
        body(**drawn)

    example.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in strategies]
    )
    _settings(request, role, endpoint.split(".")[0])(given(**strategies)(example))()


@pytest.mark.parametrize(("endpoint", "rule"), POST_RULES, ids=[f"POST {r}" for _, r in POST_RULES])
def test_fuzz_every_form(request, app, client, fuzz_world, endpoint, rule):
    fields = discovered_fields(app, client, fuzz_world).get(endpoint) or FIELDS
    for role in ROLES:
        body = functools.partial(_post, client, fuzz_world, endpoint, rule, role, fields)
        _run(request, role, endpoint, body, data=st.data())


JSON_VALUES = st.one_of(hostile(), st.sampled_from(["json", "1", "sector", "havo"]))


def _json_endpoints(client, w) -> list[tuple[str, str]]:
    """(endpoint, rule) of every GET route that answers JSON to a role that may open it."""
    found = []
    for endpoint, rule in GET_RULES:
        url = build_url(rule, path_values(w, endpoint), {})
        _as(client, w, ACCESS.get(endpoint.split(".")[0], ("teacher",))[0])
        for query in ({}, {"format": "json"}):
            resp = client.get(url, query_string=query)
            if resp.status_code == 200 and resp.is_json:
                found.append((endpoint, rule))
                break
    return found


def test_fuzz_every_json_endpoint(request, app, client, fuzz_world):
    w = fuzz_world
    endpoints = _json_endpoints(client, w)
    assert any(r.startswith("/api/") for _, r in endpoints), endpoints
    assert len(endpoints) >= 4, endpoints
    params = ("q", "format", "page", "cluster", "limit", "ongelezen", "status", "next")
    for (endpoint, rule), role in itertools.product(endpoints, ROLES):
        path_args = re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", rule)
        _run(
            request,
            role,
            endpoint,
            functools.partial(_get_json, client, w, endpoint, rule, role),
            query=st.dictionaries(st.sampled_from(params), JSON_VALUES, max_size=4),
            mutate=st.dictionaries(st.sampled_from(path_args or ["-"]), hostile(), max_size=1),
        )


def _get_json(client, w, endpoint: str, rule: str, role: str, query: dict, mutate: dict) -> None:
    url = build_url(rule, path_values(w, endpoint), mutate)
    _as(client, w, role)
    before = snapshot()
    label = f"GET {url[:200]} {query!r:.300} as {role}"
    try:
        resp = client.get(url, query_string=query)
    except Exception as exc:  # noqa: BLE001 - an exception escaping the app is a 500
        db.session.rollback()
        raise AssertionError(f"{label}: {type(exc).__name__}: {exc}") from exc
    check(resp, before, snapshot, label)
    if url.startswith("/api/"):
        assert resp.is_json, f"{label}: {resp.status_code} {resp.mimetype}"
