"""English translation: pages switch to English after /taal/en (or by the user's setting), Dutch stays the
default, every message in the catalogue is translated, and the committed .mo matches the .po."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from loket.db import db
from loket.mail.render import render_email
from tests.factories import commit

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "loket" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)s")
HINT = "run scripts/update_translations.sh and translate the entries it lists"


def html_lang(body: str) -> str:
    found = re.search(r'<html lang="([^"]*)"', body)
    assert found, "no <html lang=...> in the page"
    return found.group(1)


def h1(body: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
    assert found, "no <h1> in the page"
    return re.sub(r"\s+", " ", found.group(1)).strip()


def load_po():
    with PO.open("rb") as fh:
        return read_po(fh)


def strings(msg) -> tuple[str, ...]:
    return msg.string if isinstance(msg.string, tuple) else (msg.string,)


def ids(msg) -> tuple[str, ...]:
    return msg.id if isinstance(msg.id, tuple) else (msg.id,)


@pytest.fixture
def client(app):
    """The shared test client, but Flask-Babel's cached locale (kept on ``g``) is forgotten at each request
    start: the test app keeps one app context across requests, a real server has one per request."""
    from flask import g, request_started

    def forget_locale(sender, **extra):
        g.pop("_flask_babel", None)

    request_started.connect(forget_locale, app)
    yield app.test_client()
    request_started.disconnect(forget_locale, app)


# --------------------------------------------------------------------------- pages
def test_dutch_is_the_default(client):
    body = client.get("/").get_data(as_text=True)
    assert html_lang(body) == "nl"
    assert h1(body) == "Techniek in de klas, dichtbij"
    assert "Aanmelden als school of bedrijf" in body

    body = client.get("/inloggen").get_data(as_text=True)
    assert html_lang(body) == "nl"
    assert h1(body) == "Inloggen"


def test_language_switch_turns_landing_and_login_english(client):
    resp = client.get("/taal/en")
    assert resp.status_code == 302
    assert "lang=en" in resp.headers["Set-Cookie"]

    body = client.get("/").get_data(as_text=True)
    assert html_lang(body) == "en"
    assert h1(body) == "Technology in the classroom, close to home"
    assert "Register as a school or company" in body
    assert 'lang="nl">Nederlands</a>' in body  # the switch offers the way back

    body = client.get("/inloggen").get_data(as_text=True)
    assert html_lang(body) == "en"
    assert h1(body) == "Log in"
    assert "Forgotten your password?" in body
    assert "Wachtwoord vergeten?" not in body


def test_switch_back_to_dutch(client):
    client.get("/taal/en")
    client.get("/taal/nl")
    body = client.get("/").get_data(as_text=True)
    assert html_lang(body) == "nl"
    assert h1(body) == "Techniek in de klas, dichtbij"


def test_logged_in_school_dashboard_in_english(client, make, auth):
    school = make.school(name="Het Zwolse Lyceum")
    user = make.user(school, email="docent@zwolse-lyceum.nl")
    commit()
    client.get("/taal/en")
    assert auth.login(user.email).status_code == 302

    resp = client.get("/school/")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert html_lang(body) == "en"
    assert h1(body) == "Overview of Het Zwolse Lyceum"
    for label in ("Requests", "Matches", "Log out", "Notifications"):
        assert label in body, label
    for dutch in ("Uitloggen", "Koppelingen", "Overzicht van"):
        assert dutch not in body, dutch


def test_users_own_setting_chooses_english_without_a_cookie(client, make, auth):
    school = make.school(name="Thorbecke Scholengemeenschap")
    user = make.user(school, email="decaan@thorbecke.nl")
    user.locale = "en"
    commit()
    auth.login(user.email)
    client.delete_cookie("lang")

    body = client.get("/school/").get_data(as_text=True)
    assert html_lang(body) == "en"
    assert h1(body) == "Overview of Thorbecke Scholengemeenschap"


def test_login_page_dutch_for_the_same_school_without_the_switch(client, make, auth):
    school = make.school(name="Greijdanus")
    user = make.user(school, email="docent@greijdanus.nl")
    commit()
    auth.login(user.email)
    body = client.get("/school/").get_data(as_text=True)
    assert html_lang(body) == "nl"
    assert h1(body) == "Overzicht van Greijdanus"


def test_email_rendered_in_english(app, make):
    user = make.user(make.school(), name="Sanne de Vries")
    db.session.flush()
    mail = render_email("password_changed", locale="en", user=user, reset_link="http://loket.test/x")
    assert mail.subject == "Your Loket password has been changed"
    assert "Dear Sanne de Vries," in mail.text
    assert "Kind regards," in mail.text
    dutch = render_email("password_changed", locale="nl", user=user, reset_link="http://loket.test/x")
    assert dutch.subject == "Je wachtwoord voor Loket is gewijzigd"


# --------------------------------------------------------------------------- the catalogue
def test_every_message_is_translated_and_none_fuzzy():
    catalog = load_po()
    messages = [m for m in catalog if m.id]
    assert len(messages) > 500
    untranslated = [m.id for m in messages if not all(s.strip() for s in strings(m))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated ({HINT}): {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy ({HINT}): {fuzzy[:10]}"


def test_placeholders_are_kept():
    catalog = load_po()
    errors = [(m.id, errs) for m, errs in catalog.check()]
    assert not errors, errors
    for m in catalog:
        if not m.id:
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(ids(m))))
        for s in strings(m):
            assert set(PLACEHOLDER.findall(s)) <= wanted, (m.id, s)
            if not m.pluralizable:
                assert set(PLACEHOLDER.findall(s)) == wanted, (m.id, s)


def test_compiled_mo_matches_the_po(tmp_path):
    catalog = load_po()
    fresh = tmp_path / "messages.mo"
    with fresh.open("wb") as fh:
        write_mo(fh, catalog)
    with fresh.open("rb") as fh:
        expected = read_mo(fh)
    with MO.open("rb") as fh:
        committed = read_mo(fh)

    def contents(cat) -> dict:
        def key(value):
            return tuple(value) if isinstance(value, list | tuple) else value

        return {key(m.id): key(m.string) for m in cat if m.id}

    assert contents(committed) == contents(expected), f"messages.mo is out of date with messages.po ({HINT})"


def test_catalogue_covers_every_string_in_the_sources():
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    # the keywords of scripts/update_translations.sh
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2)}
    source = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)
    }
    in_po = {ids(m)[0] for m in load_po() if m.id}
    missing = sorted(source - in_po)
    assert source, "nothing extracted: check babel.cfg"
    assert not missing, f"{len(missing)} strings not in the catalogue ({HINT}): {missing[:10]}"


@pytest.mark.parametrize(
    ("dutch", "english"),
    [
        ("Heractivering", "Reactivation"),
        ("clusterbeheerder", "cluster manager"),
        ("Koppeling", "Match"),
        ("Aanvraag", "Request"),
        ("Nieuw aanbod", "New offer"),
    ],
)
def test_glossary_terms(dutch, english):
    catalog = load_po()
    assert catalog[dutch].string == english
