"""Service messages in the reader's language: one refusal from each service module whose messages
became lazy translations, provoked through the pages with and without the English cookie; and the
date form that reports every option's every error in one answer."""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from loket.db import db, utcnow
from loket.services import ServiceError, ServiceErrors
from loket.services import matches as svc
from loket.services.imports import validate_file
from tests.integration.lifecycle_helpers import build_world, login


@dataclass(frozen=True)
class Case:
    """Who does what (``call(client, w)`` returns the response) and what they read in each language."""

    user: str
    call: Callable
    status: int
    nl: str
    en: str


def _approved_match(w) -> int:
    """A second match of the world, approved by the manager but not accepted yet."""
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    svc.approve(w.manager, m.id)
    db.session.commit()
    return m.id


def _propose_dates(client, w):
    day = (date.today() + timedelta(days=20)).isoformat()
    data = {"day_1": day, "start_1": "10:00", "end_1": "11:00", "place_1": "Aula"}
    return client.post(f"/koppelingen/{_approved_match(w)}/data-voorstellen", data=data)


def _message_too_early(client, w):
    return client.post(f"/koppelingen/{_approved_match(w)}/berichten", data={"body": "Hallo"})


def _feedback_by_manager(client, w):
    return client.post(f"/koppelingen/{_approved_match(w)}/feedback", data={"rating": "5"})


def _someone_elses_match(client, w):
    return client.get(f"/koppelingen/{_approved_match(w)}")


def _day_off_backwards(client, w):
    first, last = date.today() + timedelta(days=10), date.today() + timedelta(days=5)
    data = {"first_day": first.isoformat(), "last_day": last.isoformat(), "description": "Studiedag"}
    return client.post("/school/vrije-dagen", data=data)


def _offer_full(client, w):
    w.offer.capacity_used = w.offer.capacity
    db.session.commit()
    return client.get(f"/school/aanbod/{w.offer.id}/aanvragen", follow_redirects=True)


def _missing_offer(client, w):
    return client.get("/aanbod/987654")


def _missing_notification(client, w):
    return client.post("/meldingen/987654/gelezen")


def _bad_link(client, w):
    return client.get("/bevestigen/not-a-token")


CASES = {
    "matches.steps": Case(
        "teacher",
        _propose_dates,
        400,
        "Je kunt deze koppeling niet een datum voorstellen voor: de koppeling is goedgekeurd.",
        "You cannot propose a date for this match: the match is approved.",
    ),
    "matches.messages": Case(
        "teacher",
        _message_too_early,
        400,
        "Berichten sturen kan zodra de koppeling geaccepteerd is en zolang ze loopt.",
        "You can send messages once the match is accepted and while it runs.",
    ),
    "matches.lifecycle": Case(
        "manager",
        _feedback_by_manager,
        403,
        "Alleen de school en het bedrijf geven feedback.",
        "Only the school and the company give feedback.",
    ),
    "matches.queue": Case(
        "other_teacher",
        _someone_elses_match,
        403,
        "Deze koppeling hoort niet bij jou.",
        "This match is not yours.",
    ),
    "calendar.days_off": Case(
        "teacher",
        _day_off_backwards,
        400,
        "De laatste dag ligt voor de eerste dag.",
        "The last day is before the first day.",
    ),
    "catalogue.ask": Case(
        "teacher",
        _offer_full,
        200,
        "Dit aanbod heeft geen plaats meer; kies een ander aanbod.",
        "This offer has no places left; choose another offer.",
    ),
    "catalogue.details": Case(
        "teacher",
        _missing_offer,
        404,
        "Dit aanbod bestaat niet (meer).",
        "This offer does not exist (any more).",
    ),
    "notifications.inbox": Case(
        "teacher",
        _missing_notification,
        404,
        "Deze melding bestaat niet (meer).",
        "This notification does not exist (any more).",
    ),
    "accounts.links": Case(
        None,
        _bad_link,
        400,
        "Deze link is ongeldig. Controleer of je de hele link hebt gebruikt.",
        "This link is invalid. Check that you used the whole link.",
    ),
}


def _text(resp) -> str:
    return htmllib.unescape(resp.get_data(as_text=True))


@pytest.mark.parametrize("english", [False, True], ids=["nl", "en"])
@pytest.mark.parametrize("name", list(CASES))
def test_each_module_refuses_in_the_readers_language(app, make, name, english):
    case = CASES[name]
    w = build_world(make)
    client = app.test_client()
    if english:
        client.get("/taal/en")
    if case.user:
        login(client, getattr(w, case.user))
    resp = case.call(client, w)
    text = _text(resp)
    assert resp.status_code == case.status
    assert (case.en if english else case.nl) in text
    assert (case.nl if english else case.en) not in text


def test_an_import_refusal_reads_in_the_locale_it_is_shown_in(app):
    """Imports run from the command line only: the message follows the locale where it is read."""
    with app.test_request_context():
        with pytest.raises(ServiceError) as exc:
            validate_file("nonsense", "")
        with force_locale("en"):
            assert exc.value.message.startswith("Unknown import type 'nonsense'; choose from: ")
        with force_locale("nl"):
            assert exc.value.message.startswith("Onbekend importtype 'nonsense'; kies uit: ")


@pytest.mark.parametrize("english", [False, True], ids=["nl", "en"])
def test_the_date_form_reports_every_option_error_at_once(app, make, english):
    w = build_world(make)
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    svc.approve(w.manager, m.id)
    svc.accept(w.hr, m.id)
    db.session.commit()
    client = app.test_client()
    if english:
        client.get("/taal/en")
    login(client, w.hr)
    past, later = date.today() - timedelta(days=2), date.today() + timedelta(days=20)
    data = {
        "day_1": past.isoformat(),
        "start_1": "10:00",
        "end_1": "11:00",
        "place_1": "Aula",
        "day_2": later.isoformat(),
        "start_2": "14:00",
        "end_2": "13:00",
        "place_2": "Aula",
        "day_3": (later + timedelta(days=1)).isoformat(),
        "start_3": "10:00",
        "end_3": "11:00",
        "place_3": "",
    }
    resp = client.post(f"/koppelingen/{m.id}/data-voorstellen", data=data)
    assert resp.status_code == 400
    text = _text(resp)
    if english:
        expected = {
            "day_1": "The date is in the past; choose a date in the future.",
            "end_2": "The end time must be after the start time.",
            "place_3": "Enter the place",
        }
    else:
        expected = {
            "day_1": "De datum ligt in het verleden; kies een datum in de toekomst.",
            "end_2": "De eindtijd moet na de begintijd liggen.",
            "place_3": "Vul de plaats in",
        }
    for field, message in expected.items():
        beside = re.search(rf'<p class="error" id="{field}-error" role="alert">([^<]*)</p>', text)
        assert beside and message in beside.group(1), (field, message)
    assert len(re.findall(r'<p class="error" id="\w+-error"', text)) == 3
    db.session.expire_all()
    assert svc.open_options(db.session.get(type(m), m.id)) == []


def test_the_service_names_every_broken_option_in_one_error(app):
    """``validate_choices`` (what the form's rules and ``check_choices`` run) keeps going after an
    option fails: a past start, an end before its start and a missing place come back together."""
    now = utcnow()
    later = now + timedelta(days=20)
    choices = [
        svc.DateChoice(1, now - timedelta(days=1), now - timedelta(days=1) + timedelta(hours=1), "Aula"),
        svc.DateChoice(2, later, later - timedelta(hours=1), "Aula"),
        svc.DateChoice(3, later, later + timedelta(hours=1), "  "),
    ]
    with app.test_request_context(), pytest.raises(ServiceErrors) as exc:
        svc.validate_choices(choices, now=now)
    assert [e.field for e in exc.value.errors] == ["day_1", "end_2", "place_3"]
