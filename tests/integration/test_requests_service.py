"""Request services: create, edit, pause, resume, cancel; validation per field; stale edits; permissions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from loket.db import db
from loket.models import AuditEvent, Match
from loket.services import PermissionDenied, ServiceError, StaleEdit
from loket.services.activities import requests as svc
from loket.services.activities import rules
from loket.services.activities.requests import RequestData

TODAY = date(2026, 3, 10)


def data(**kw) -> RequestData:
    values = dict(
        activity="Gastles",
        sectors=["Energie", "ict"],
        levels=["havo-3", "vwo"],
        pupils=28,
        earliest=TODAY + timedelta(days=7),
        latest=TODAY + timedelta(days=60),
        modes=["at_school", "online"],
        max_travel_km=30,
        topic="  zonne-energie   op het dak ",
    )
    values.update(kw)
    return RequestData(**values)


def test_create_normalises_and_audits(app, make):
    school = make.school()
    user = make.user(school)
    req = svc.create_request(user, data(), today=TODAY)
    assert req.id and req.status == "open"
    assert req.activity == "gastles" and req.sectors == ["energie", "ict"]
    assert req.levels == ["havo-3", "vwo"] and req.modes == ["at_school", "online"]
    assert req.topic == "zonne-energie op het dak"
    assert req.organisation_id == school.id and req.location_id == school.primary_location.id
    event = db.session.query(AuditEvent).filter_by(object_id=req.id).one()
    assert event.action == "request.created" and event.actor_id == user.id and event.to_state == "open"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (dict(activity=""), "activity", "Kies een activiteit"),
        (dict(activity="zeilen"), "activity", "Onbekende activiteit"),
        (dict(sectors=[]), "sectors", "minstens één sector"),
        (dict(sectors=["ruimtevaart"]), "sectors", "Onbekende sector"),
        (dict(levels=[]), "levels", "minstens één onderwijsniveau"),
        (dict(levels=["mbo-9"]), "levels", "Onbekend onderwijsniveau"),
        (dict(modes=[]), "modes", "minstens één vorm"),
        (dict(pupils=0), "pupils", "tussen 1 en 400"),
        (dict(pupils=401), "pupils", "tussen 1 en 400"),
        (dict(pupils="veel"), "pupils", "getal"),
        (dict(max_travel_km=-1), "max_travel_km", "tussen 0 en 200"),
        (dict(max_travel_km=201), "max_travel_km", "tussen 0 en 200"),
        (dict(earliest=None), "earliest", "begindatum"),
        (dict(latest=None), "latest", "einddatum"),
        (dict(earliest=TODAY - timedelta(days=1)), "earliest", "in het verleden"),
        (
            dict(latest=TODAY + timedelta(days=3), earliest=TODAY + timedelta(days=5)),
            "latest",
            "vóór de begindatum",
        ),
        (dict(latest=date(2027, 8, 1)), "latest", "volgende schooljaar"),
        (dict(earliest=date(2027, 8, 2), latest=date(2027, 9, 1)), "earliest", "volgende schooljaar"),
        (dict(topic="x" * 301), "topic", "te lang"),
    ],
)
def test_each_validation_error_names_its_field(app, make, change, field, words):
    user = make.user(make.school())
    with pytest.raises(ServiceError) as err:
        svc.create_request(user, data(**change), today=TODAY)
    assert err.value.field == field
    assert words in err.value.message


def test_school_year_horizon():
    assert rules.planning_horizon(date(2026, 3, 10)) == date(2027, 7, 31)
    assert rules.planning_horizon(date(2026, 8, 1)) == date(2028, 7, 31)
    assert rules.planning_horizon(date(2026, 7, 31)) == date(2027, 7, 31)


def test_only_verified_school_users_may_post(app, make):
    school = make.school()
    with pytest.raises(ServiceError, match="Bevestig eerst je e-mailadres"):
        svc.create_request(make.user(school, verified=False), data(), today=TODAY)
    with pytest.raises(PermissionDenied):
        svc.create_request(make.user(make.company()), data(), today=TODAY)
    with pytest.raises(PermissionDenied):
        svc.create_request(make.admin(), data(), today=TODAY)


def test_edit_with_version_and_stale_edit_refused(app, make):
    user = make.user(make.school())
    req = svc.create_request(user, data(), today=TODAY)
    version = req.version_id
    svc.update_request(user, req.id, data(pupils=30), version_id=version, today=TODAY)
    assert req.pupils == 30 and req.version_id == version + 1
    # a second tab still holds the old version: refused, nothing overwritten
    with pytest.raises(StaleEdit, match="intussen gewijzigd"):
        svc.update_request(user, req.id, data(pupils=12), version_id=version, today=TODAY)
    assert req.pupils == 30
    with pytest.raises(StaleEdit):
        svc.update_request(user, req.id, data(pupils=12), version_id=None, today=TODAY)


def test_edit_keeps_a_start_date_that_has_passed_since(app, make):
    user = make.user(make.school())
    req = svc.create_request(user, data(), today=TODAY)
    later = TODAY + timedelta(days=10)  # the earliest date now lies in the past
    svc.update_request(user, req.id, data(pupils=20), version_id=req.version_id, today=later)
    assert req.pupils == 20
    with pytest.raises(ServiceError, match="in het verleden"):
        svc.update_request(
            user, req.id, data(earliest=TODAY + timedelta(days=8)), version_id=req.version_id, today=later
        )


def test_other_school_cannot_touch_a_request(app, make):
    owner = make.user(make.school())
    other = make.user(make.school(place="Kampen"))
    req = svc.create_request(owner, data(), today=TODAY)
    for call in (
        lambda: svc.update_request(other, req.id, data(), version_id=req.version_id, today=TODAY),
        lambda: svc.pause_request(other, req.id),
        lambda: svc.cancel_request(other, req.id),
        lambda: svc.get_for_edit(other, req.id),
        lambda: svc.get_for_view(other, req.id),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_pause_resume_cancel(app, make):
    user = make.user(make.school())
    req = svc.create_request(user, data(), today=TODAY)
    svc.pause_request(user, req.id, version_id=req.version_id)
    assert req.status == "paused"
    svc.pause_request(user, req.id)  # twice is harmless
    svc.resume_request(user, req.id)
    assert req.status == "open"
    svc.cancel_request(user, req.id, reason="Klas gaat op kamp")
    assert req.status == "cancelled"
    with pytest.raises(ServiceError, match="kan niet meer worden gewijzigd"):
        svc.update_request(user, req.id, data(), version_id=req.version_id, today=TODAY)
    with pytest.raises(ServiceError, match="geannuleerd"):
        svc.cancel_request(user, req.id)
    with pytest.raises(ServiceError, match="dat kan nu niet"):
        svc.resume_request(user, req.id)
    actions = [e.action for e in db.session.query(AuditEvent).filter_by(object_type="request")]
    assert actions == ["request.created", "request.paused", "request.resumed", "request.cancelled"]


def test_cancel_cancels_open_matches_and_gives_capacity_back(app, make):
    school = make.school()
    user = make.user(school)
    company = make.company()
    req = make.request(school)
    offer = make.offer(company, capacity=2, capacity_used=1)
    match = make.match(req, offer, status="approved")
    svc.cancel_request(user, req.id, reason="Toch niet nodig")
    assert req.status == "cancelled"
    assert db.session.get(Match, match.id).status == "cancelled"
    assert offer.capacity_used == 0
