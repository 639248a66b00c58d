"""English pages contain no Dutch: a school and a company walk their main pages (dashboards, lists,
forms with every error, details, matches, account, organisation, notifications) and the public
pages with the ``lang=en`` cookie; the visible text (and labels read aloud) must not contain words
that never appear in English. User-entered content (names, topics) and the language switcher are
left out."""

from __future__ import annotations

import html as htmllib
import re
from datetime import date, timedelta

from loket.db import db
from tests.integration.lifecycle_helpers import login

# Dutch words that never appear in English text (whole words, any case)
DUTCH = [
    "aanvraag",
    "aanvragen",
    "bedrijf",
    "bedrijven",
    "koppeling",
    "koppelingen",
    "niveau",
    "niveaus",
    "onderwijsniveau",
    "leerlingen",
    "leerling",
    "onderwijs",
    "wijzigen",
    "opslaan",
    "annuleren",
    "pauzeren",
    "hervatten",
    "gepauzeerd",
    "geannuleerd",
    "voorgesteld",
    "gastles",
    "bedrijfsbezoek",
    "vestiging",
    "organisatie",
    "meldingen",
    "uitloggen",
    "inloggen",
    "sectoren",
    "onderwerp",
    "datum",
    "plaats",
    "afstand",
    "het",
    "een",
    "niet",
    "geen",
    "naar",
    "voor",
    "zijn",
    "worden",
    "wordt",
    "ook",
    "alle",
    "jouw",
    "jij",
    "nieuwe",
    "mijn",
    "gegevens",
    "wachtwoord",
    "aanmelden",
    "vul",
    "kies",
    "moet",
    "tussen",
    "liggen",
    "ligt",
    "begindatum",
    "einddatum",
    "verleden",
    "capaciteit",
    "straal",
    "reisafstand",
    "schooljaar",
    "vroegste",
    "uiterste",
    "periode",
    "maximaal",
    "minstens",
    "hoogstens",
    "onbekend",
    "onbekende",
    "wereld",
    "energie",
    "zorg",
    "techniek",
]
DUTCH_PHRASES = ("en de", "van de", "in de", "op de", "met de", "voor de")
WORD = re.compile(r"\b(" + "|".join(DUTCH) + r")\b", re.IGNORECASE)
PHRASE = re.compile(r"\b(" + "|".join(DUTCH_PHRASES) + r")\b", re.IGNORECASE)

TODAY = date.today()
PAST = TODAY - timedelta(days=3)
USER_CONTENT = ("Alpha Academy", "Beta Works", "Ada Teacher", "Bob Volunteer", "solar panels", "robots")


def visible_text(page: str) -> str:
    """The text a reader sees or hears: no scripts, styles, language switcher, datalist values or
    hidden inputs; with the aria-label, title, placeholder and alt attributes."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r'<nav[^>]*class="lang-switch".*?</nav>', " ", page, flags=re.S)
    page = re.sub(r"<datalist\b.*?</datalist>", " ", page, flags=re.S)
    attrs = re.findall(r'\b(?:aria-label|title|placeholder|alt)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    text = htmllib.unescape(" ".join([text, *attrs]))
    for content in USER_CONTENT:
        text = text.replace(content, " ")
    return " ".join(text.split())


def dutch_in(page: str) -> list[str]:
    text = visible_text(page)
    found = [m.group(0) for m in WORD.finditer(text)] + [m.group(0) for m in PHRASE.finditer(text)]
    return sorted(set(found))


def world(make):
    w = type("W", (), {})()
    w.school = make.school(name="Alpha Academy")
    w.company = make.company(name="Beta Works")
    w.teacher = make.user(w.school, name="Ada Teacher", email="ada@alpha.example")
    w.volunteer = make.user(w.company, name="Bob Volunteer", email="bob@beta.example")
    for u in (w.teacher, w.volunteer):
        u.locale = "en"
    w.request = make.request(w.school, topic="solar panels")
    w.offer = make.offer(w.company, topic="robots")
    w.match = make.match(w.request, w.offer, status="proposed")
    db.session.commit()
    return w


def walk(client, urls) -> dict[str, list[str]]:
    problems = {}
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code)
        found = dutch_in(resp.get_data(as_text=True))
        if found:
            problems[url] = found

    return problems


def post_errors(client, url, data) -> dict[str, list[str]]:
    resp = client.post(url, data=data)
    assert resp.status_code == 422, (url, resp.status_code)
    found = dutch_in(resp.get_data(as_text=True))
    return {f"POST {url}": found} if found else {}


def test_the_english_pages_of_a_school_have_no_dutch(client, make):
    w = world(make)
    login(client, w.teacher)
    client.set_cookie("lang", "en")
    r = w.request.id
    problems = walk(
        client,
        [
            "/school/",
            "/school/aanvragen",
            "/school/aanvragen/nieuw",
            f"/school/aanvragen/{r}",
            f"/school/aanvragen/{r}/wijzigen",
            "/school/koppelingen",
            f"/koppelingen/{w.match.id}",
            "/account",
            f"/account/organisatie/{w.school.id}",
            "/meldingen/",
        ],
    )
    bad = {"pupils": "0", "earliest": PAST.isoformat(), "latest": (PAST - timedelta(days=1)).isoformat()}
    problems |= post_errors(client, "/school/aanvragen/nieuw", {"activity": "gastles", **bad})
    assert problems == {}


def test_the_english_pages_of_a_company_have_no_dutch(client, make):
    w = world(make)
    login(client, w.volunteer)
    client.set_cookie("lang", "en")
    o = w.offer.id
    problems = walk(
        client,
        [
            "/bedrijf/",
            "/bedrijf/aanbod",
            "/bedrijf/aanbod/nieuw",
            f"/bedrijf/aanbod/{o}",
            f"/bedrijf/aanbod/{o}/wijzigen",
            "/bedrijf/koppelingen",
            f"/koppelingen/{w.match.id}",
            f"/account/organisatie/{w.company.id}",
        ],
    )
    bad = {"capacity": "0", "latest": (PAST - timedelta(days=1)).isoformat(), "radius_km": "900"}
    problems |= post_errors(client, "/bedrijf/aanbod/nieuw", {"activity": "workshop", **bad})
    assert problems == {}


def test_the_managers_activity_filters_are_english(client, make):
    w = world(make)
    cluster = make.cluster("North", members=[w.school, w.company])
    manager = make.manager(clusters=[cluster], email="max@loket.example", name="Max Manager")
    db.session.commit()
    login(client, manager)
    client.set_cookie("lang", "en")
    for url in ("/cluster/goedkeuren", "/cluster/overzicht"):
        page = client.get(url).get_data(as_text=True)
        assert ">Guest lesson</option>" in page and ">Gastles</option>" not in page, url


def test_the_public_english_pages_have_no_dutch(client):
    client.set_cookie("lang", "en")
    page = client.get("/aanmelden").get_data(as_text=True)
    assert "Energy, Water &amp; Safety" in page and "havo year 3" in page  # the reader's language
    problems = walk(client, ["/", "/aanmelden", "/inloggen", "/wachtwoord-vergeten", "/privacy"])
    problems |= post_errors(client, "/aanmelden", {"kind": "school", "postcode": "99", "brin": "x"})
    assert problems == {}


def test_the_check_finds_dutch():
    assert dutch_in("<p>Vul een begindatum in.</p>") == ["Vul", "begindatum", "een"]
    assert dutch_in('<nav aria-label="Language" class="lang-switch"><a>Nederlands</a></nav><p>Ok</p>') == []
