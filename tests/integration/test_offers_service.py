"""Offer services: publish, edit, pause, resume, close; capacity never below what is used."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from loket.db import db
from loket.models import AuditEvent
from loket.services import PermissionDenied, ServiceError, StaleEdit
from loket.services.activities import offers as svc
from loket.services.activities.offers import OfferData

TODAY = date(2026, 3, 10)


def data(**kw) -> OfferData:
    values = dict(
        activity="bedrijfsbezoek",
        sectors=["Chemie"],
        levels=["vmbo", "havo"],
        capacity=4,
        earliest=TODAY,
        latest=TODAY + timedelta(days=120),
        modes=["at_company"],
        radius_km=40,
        topic="procestechniek in de fabriek",
    )
    values.update(kw)
    return OfferData(**values)


def test_publish_normalises_and_audits(app, make):
    company = make.company()
    user = make.user(company)
    offer = svc.publish_offer(user, data(), today=TODAY)
    assert offer.status == "open" and offer.capacity == 4 and offer.capacity_used == 0
    assert offer.sectors == ["chemie"] and offer.levels == ["vmbo", "havo"]
    assert offer.organisation_id == company.id
    event = db.session.query(AuditEvent).filter_by(object_type="offer", object_id=offer.id).one()
    assert event.action == "offer.published" and event.actor_id == user.id


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (dict(activity="kokkerellen"), "activity", "Onbekende activiteit"),
        (dict(sectors=[]), "sectors", "minstens één sector"),
        (dict(levels=[]), "levels", "minstens één onderwijsniveau"),
        (dict(modes=["teleportatie"]), "modes", "Onbekende vorm"),
        (dict(capacity=0), "capacity", "tussen 1 en 100"),
        (dict(capacity=101), "capacity", "tussen 1 en 100"),
        (dict(radius_km=250), "radius_km", "tussen 0 en 200"),
        (dict(latest=TODAY - timedelta(days=1)), "latest", "in het verleden"),
        (dict(earliest=TODAY + timedelta(days=9), latest=TODAY + timedelta(days=8)), "latest", "vóór"),
        (dict(latest=date(2027, 8, 1)), "latest", "volgende schooljaar"),
    ],
)
def test_each_validation_error_names_its_field(app, make, change, field, words):
    user = make.user(make.company())
    with pytest.raises(ServiceError) as err:
        svc.publish_offer(user, data(**change), today=TODAY)
    assert err.value.field == field
    assert words in err.value.message


def test_only_companies_publish(app, make):
    with pytest.raises(PermissionDenied):
        svc.publish_offer(make.user(make.school()), data(), today=TODAY)
    with pytest.raises(ServiceError, match="Bevestig eerst"):
        svc.publish_offer(make.user(make.company(), verified=False), data(), today=TODAY)


def test_capacity_cannot_go_below_what_is_used(app, make):
    company = make.company()
    user = make.user(company)
    offer = make.offer(company, capacity=5, capacity_used=3)
    with pytest.raises(ServiceError) as err:
        svc.update_offer(user, offer.id, data(capacity=2), version_id=offer.version_id, today=TODAY)
    assert err.value.field == "capacity" and "(3)" in err.value.message
    svc.update_offer(user, offer.id, data(capacity=3), version_id=offer.version_id, today=TODAY)
    assert offer.capacity == 3 and offer.capacity_left == 0


def test_stale_edit_refused(app, make):
    company = make.company()
    user = make.user(company)
    offer = svc.publish_offer(user, data(), today=TODAY)
    old = offer.version_id
    svc.update_offer(user, offer.id, data(capacity=6), version_id=old, today=TODAY)
    with pytest.raises(StaleEdit):
        svc.update_offer(user, offer.id, data(capacity=9), version_id=old, today=TODAY)
    assert offer.capacity == 6


def test_pause_resume_close_and_other_company_refused(app, make):
    company = make.company()
    user = make.user(company)
    stranger = make.user(make.company(place="Deventer"))
    offer = svc.publish_offer(user, data(), today=TODAY)
    with pytest.raises(PermissionDenied):
        svc.pause_offer(stranger, offer.id)
    with pytest.raises(PermissionDenied):
        svc.update_offer(stranger, offer.id, data(), version_id=offer.version_id, today=TODAY)
    svc.pause_offer(user, offer.id, version_id=offer.version_id)
    assert offer.status == "paused"
    svc.resume_offer(user, offer.id)
    assert offer.status == "open"
    svc.close_offer(user, offer.id, reason="Seizoen voorbij")
    assert offer.status == "closed"
    with pytest.raises(ServiceError, match="gesloten"):
        svc.update_offer(user, offer.id, data(), version_id=offer.version_id, today=TODAY)
    with pytest.raises(ServiceError, match="gesloten"):
        svc.resume_offer(user, offer.id)
    with pytest.raises(StaleEdit):
        svc.pause_offer(user, offer.id, version_id=1)
