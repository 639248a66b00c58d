"""Issue 11, item 1: long free text never reaches a column that cannot hold it. Rejecting with a
200-character reason, cancelling with 260, and organisation names of 200 characters used to give a
500 on PostgreSQL (the email subject carried the whole reason into VARCHAR(300)). Also: any string
that does not fit its column is refused (or, for generated text, cut) before the database sees it,
so SQLite and PostgreSQL behave the same."""

from __future__ import annotations

import pytest

from loket.db import ValueTooLong, db
from loket.models import Match, Organisation, OutboxMessage
from loket.services import matches as svc
from tests.integration.lifecycle_helpers import build_world, login

LONG_NAME = "Stichting Voortgezet Onderwijs " + "Regio Noord-Oost " * 10  # ~200 characters


@pytest.fixture
def world(make):
    w = build_world(make)
    w.school.name = LONG_NAME[:200]
    w.company.name = ("Technisch Installatiebedrijf " + "Zonnepanelen en Warmtepompen " * 7)[:200]
    db.session.commit()
    return w


def _subjects() -> list[str]:
    db.session.expire_all()
    return [m.subject for m in db.session.query(OutboxMessage).all()]


def test_reject_with_a_long_reason_and_long_names(app, client, world, mailbox):
    w = world
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    db.session.commit()
    reason = ("De school vraagt om een gastles die dit bedrijf niet geeft; " * 4)[:200]
    login(client, w.manager)
    resp = client.post(f"/cluster/koppelingen/{m.id}/afwijzen", data={"reason": reason})
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert db.session.get(Match, m.id).status == "rejected"
    assert all(len(s) <= 300 for s in _subjects())
    assert not any(reason[:60] in s for s in _subjects()), "the reason must not be in a subject"
    mails = mailbox.to("leraar@school.test")
    assert mails, "the school heard about the rejection"
    body = " ".join(mailbox.text_of(mails[-1]).split())
    assert reason[:80] in body, "the reason is in the body"


def test_cancel_with_a_260_character_reason(app, client, world, mailbox):
    w = world
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    svc.approve(w.manager, m.id)
    svc.accept(w.hr, m.id)
    db.session.commit()
    reason = ("Door een verbouwing is het lokaal niet beschikbaar en schuiven alle lessen op. " * 4)[:260]
    login(client, w.teacher)
    resp = client.post(f"/koppelingen/{m.id}/annuleren", data={"reason": reason})
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert db.session.get(Match, m.id).status == "cancelled"
    assert all(len(s) <= 300 for s in _subjects())
    assert mailbox.to("hr@bedrijf.test"), "the other side heard about it"


def test_a_string_that_does_not_fit_is_refused_before_the_database(app):
    db.session.add(Organisation(kind="school", name="x" * 201, levels=[], sectors=[]))
    with pytest.raises(ValueTooLong) as err:
        db.session.flush()
    assert err.value.column == "name" and err.value.length == 200
    db.session.rollback()
    db.session.add(Organisation(kind="school", name="Nul\x00byte", levels=[], sectors=[]))
    with pytest.raises(ValueTooLong, match="NUL"):
        db.session.flush()
    db.session.rollback()


def test_generated_text_is_cut_to_its_column(app, make):
    user = make.user(make.school())
    row = OutboxMessage(
        kind="x", to_addr=user.email, subject="Onderwerp " * 60, body_text="b", state="queued"
    )
    db.session.add(row)
    db.session.flush()
    assert len(row.subject) == 300 and row.subject.endswith("…")
    db.session.commit()
    db.session.expire_all()
    assert len(db.session.get(OutboxMessage, row.id).subject) == 300
