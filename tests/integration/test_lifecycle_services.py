"""The match lifecycle through the services: transitions, capacity, audit, notifications, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from loket.db import db, utcnow
from loket.models import AuditEvent, Match, Notification, Offer
from loket.services import PermissionDenied, ServiceError, StaleEdit
from loket.services import matches as svc
from tests.integration.lifecycle_helpers import agree_date


@pytest.fixture
def world(make):
    school = make.school(place="Zwolle")
    company = make.company(place="Zwolle")
    cluster = make.cluster(members=[school, company])
    w = type("W", (), {})()
    w.school, w.company, w.cluster = school, company, cluster
    w.teacher = make.user(school, email="leraar@school.test")
    w.hr = make.user(company, email="hr@bedrijf.test")
    w.manager = make.manager(clusters=[cluster], email="beheer@cluster.test")
    w.admin = make.admin(email="admin@loket.test")
    w.req = make.request(school)
    w.offer = make.offer(company, capacity=2)
    db.session.commit()
    return w


def states(match_id):
    return [
        (e.action, e.from_state, e.to_state)
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "match", AuditEvent.object_id == match_id)
            .order_by(AuditEvent.id)
        )
    ]


def test_full_happy_path_with_audit_capacity_and_mail(world, mailbox):
    w = world
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    assert m.status == "proposed" and m.cluster_id == w.cluster.id
    db.session.commit()
    from loket.mail.delivery import deliver_after_commit

    deliver_after_commit()
    assert mailbox.to("beheer@cluster.test"), "the manager is mailed about the proposal"
    msg = mailbox.to("beheer@cluster.test")[0]
    assert f"http://loket.test/koppelingen/{m.id}" in mailbox.text_of(msg)
    assert f"http://loket.test/koppelingen/{m.id}" in mailbox.html_of(msg)

    svc.approve(w.manager, m.id)
    assert db.session.get(Offer, w.offer.id).capacity_used == 1
    assert db.session.scalars(select(Notification).where(Notification.user_id == w.hr.id)).first()
    svc.accept(w.hr, m.id)
    assert w.req.status == "matched"
    start = utcnow() + timedelta(days=3)
    agree_date(w.hr, w.teacher, m.id, start, start + timedelta(hours=2), "Bedrijfsstraat 1, Zwolle")
    assert m.status == "scheduled"
    later = start + timedelta(hours=3)
    svc.give_feedback(w.teacher, m.id, 5, "Top", 25, now=later)
    assert m.status == "scheduled"
    svc.give_feedback(w.hr, m.id, 4, "Leuke klas", now=later)
    assert m.status == "completed" and w.req.status == "completed"
    assert [s[2] for s in states(m.id) if s[0] not in ("feedback", "propose_dates")] == [
        "proposed",
        "approved",
        "accepted",
        "scheduled",
        "completed",
    ]
    db.session.commit()


def test_invalid_transitions_raise_dutch_errors(world):
    w = world
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    with pytest.raises(ServiceError, match="niet accepteren: de koppeling is voorgesteld"):
        svc.accept(w.hr, m.id)
    with pytest.raises(PermissionDenied):
        svc.approve(w.teacher, m.id)
    with pytest.raises(ServiceError, match="reden"):
        svc.reject(w.manager, m.id, "   ")
    with pytest.raises(ServiceError, match="al eerder"):
        svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    with pytest.raises(StaleEdit):
        svc.approve(w.manager, m.id, version=m.version_id + 1)
    svc.approve(w.manager, m.id)
    with pytest.raises(PermissionDenied):
        svc.accept(w.teacher, m.id)  # the school proposed: the company accepts
    with pytest.raises(ServiceError, match="niet goedkeuren"):
        svc.approve(w.manager, m.id)


def test_decline_and_cancel_release_capacity_and_return_request(world, make):
    w = world
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    svc.approve(w.manager, m.id)
    svc.decline(w.hr, m.id, "Geen tijd")
    assert m.status == "declined" and m.reason == "Geen tijd"
    assert db.session.get(Offer, w.offer.id).capacity_used == 0
    req2 = make.request(w.school)
    m2 = svc.propose(w.hr, req2.id, w.offer.id, source="company")
    svc.approve(w.manager, m2.id)
    svc.accept(w.teacher, m2.id)  # company proposal: the school accepts
    assert req2.status == "matched"
    svc.cancel(w.teacher, m2.id, "Klas is ziek")
    assert req2.status == "open" and db.session.get(Offer, w.offer.id).capacity_used == 0
    # an explicit re-propose of a cancelled pair reopens it
    again = svc.propose(w.hr, req2.id, w.offer.id, source="company")
    assert again.id == m2.id and again.status == "proposed"


def test_accept_cancels_other_open_proposals_of_the_request(world, make):
    w = world
    other = make.offer(make.company(place="Zwolle"), capacity=1)
    m1 = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    m2 = svc.propose(w.teacher, w.req.id, other.id, source="school")
    svc.approve(w.manager, m1.id)
    svc.approve(w.manager, m2.id)
    assert db.session.get(Offer, other.id).capacity_used == 1
    svc.accept(w.hr, m1.id)
    assert m2.status == "cancelled" and "al gekoppeld" in m2.reason
    assert db.session.get(Offer, other.id).capacity_used == 0


def test_capacity_is_never_overbooked(world, make):
    w = world
    ms = [svc.propose(w.teacher, make.request(w.school).id, w.offer.id, source="school") for _ in range(3)]
    approved, errors = svc.bulk_approve(w.manager, [m.id for m in ms])
    assert len(approved) == 2 and list(errors) == [ms[2].id]
    assert "geen capaciteit meer" in errors[ms[2].id]
    assert db.session.get(Match, ms[2].id).status == "proposed"
    assert db.session.get(Offer, w.offer.id).capacity_used == 2


def test_reroute_rejects_old_and_approves_new(world, make):
    w = world
    other = make.offer(make.company(place="Zwolle"), capacity=1)
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    new = svc.reroute(w.manager, m.id, other.id, "Dichterbij")
    assert m.status == "rejected" and new.status == "approved" and new.proposed_by == "manager"
    assert db.session.get(Offer, other.id).capacity_used == 1


def test_cluster_without_manager_goes_to_admins(make, mailbox):
    school = make.school()
    company = make.company()
    teacher = make.user(school)
    admin = make.admin(email="admin2@loket.test")
    req = make.request(school)
    off = make.offer(company)
    m = svc.propose(teacher, req.id, off.id, source="school")
    assert m.cluster_id is None
    assert db.session.scalars(select(Notification).where(Notification.user_id == admin.id)).first()
    svc.approve(admin, m.id)
    assert m.status == "approved"


def test_date_validation(world):
    w = world
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    svc.approve(w.manager, m.id)
    svc.accept(w.hr, m.id)

    def choice(start, end=None, place="School"):
        return [svc.DateChoice(1, start, end or start + timedelta(hours=1), place)]

    with pytest.raises(ServiceError) as e:
        svc.propose_dates(w.teacher, m.id, choice(utcnow() - timedelta(days=1)), confirmed=True)
    assert e.value.field == "day_1"
    start = utcnow() + timedelta(days=2)
    with pytest.raises(ServiceError) as e:
        svc.propose_dates(w.teacher, m.id, choice(start, start - timedelta(hours=1)), confirmed=True)
    assert e.value.field == "end_1"
    with pytest.raises(ServiceError) as e:
        svc.propose_dates(w.teacher, m.id, choice(start, place=" "), confirmed=True)
    assert e.value.field == "place_1"
    with pytest.raises(ServiceError, match="pas na de activiteit"):
        agree_date(w.teacher, w.hr, m.id, start)
        svc.give_feedback(w.teacher, m.id, 4, "")
    with pytest.raises(ServiceError, match="1 tot en met 5"):
        svc.give_feedback(w.teacher, m.id, 9, "", now=start + timedelta(hours=2))


def test_infeasible_pair_is_refused_with_the_engines_reason(make):
    school = make.school(place="Maastricht")
    company = make.company(place="Groningen")
    teacher = make.user(school)
    req = make.request(school, modes=["at_school"], max_travel_km=20.0)
    off = make.offer(company, modes=["at_school"], radius_km=20.0)
    with pytest.raises(ServiceError, match="past niet bij de aanvraag"):
        svc.propose(teacher, req.id, off.id, source="school")
