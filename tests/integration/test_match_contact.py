"""Contact details and the message thread of a match, through the pages, with real mail (aiosmtpd)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from loket.db import db, utcnow
from loket.models import Match, MatchMessage, Notification
from loket.services import matches as svc
from loket.services.accounts.privacy import delete_account
from tests.integration.lifecycle_helpers import build_world, login, logout


@pytest.fixture
def w(make):
    w = build_world(make)
    w.teacher.name, w.teacher.phone = "Sanne de Vries", "038 123 4567"
    w.hr.name, w.hr.phone = "Bram Jansen", "06 98765432"
    w.req.created_by_id, w.offer.created_by_id = w.teacher.id, w.hr.id
    m = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    svc.approve(w.manager, m.id)
    db.session.commit()
    w.mid = m.id
    return w


def page(client, user, mid) -> str:
    login(client, user)
    resp = client.get(f"/koppelingen/{mid}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def accept(client, w, mailbox) -> None:
    mailbox.clear()
    login(client, w.hr)
    assert client.post(f"/koppelingen/{w.mid}/accepteren").status_code == 302


# ----------------------------------------------------------------------------- contact details
def test_contact_details_only_after_acceptance_on_the_page_and_in_the_mail(w, client, mailbox):
    before = page(client, w.teacher, w.mid)
    assert "Contactgegevens" not in before and "hr@bedrijf.test" not in before and "06 98765432" not in before
    assert "leraar@school.test" not in page(client, w.hr, w.mid)

    accept(client, w, mailbox)
    teacher_page = page(client, w.teacher, w.mid)
    assert "Contactgegevens" in teacher_page
    assert (
        "Bram Jansen" in teacher_page and "hr@bedrijf.test" in teacher_page and "06 98765432" in teacher_page
    )
    assert "leraar@school.test" not in teacher_page.split("Contactgegevens")[1].split("</section>")[0]
    hr_page = page(client, w.hr, w.mid)
    assert "Sanne de Vries" in hr_page and "leraar@school.test" in hr_page and "038 123 4567" in hr_page
    manager_page = page(client, w.manager, w.mid)
    assert "hr@bedrijf.test" in manager_page and "leraar@school.test" in manager_page

    (to_teacher,) = mailbox.to("leraar@school.test")
    text, html = mailbox.text_of(to_teacher), mailbox.html_of(to_teacher)
    for expected in ("Bram Jansen", "hr@bedrijf.test", "06 98765432", "Zonnebedrijf BV"):
        assert expected in text and expected in html
    assert "038 123 4567" not in text, "each side gets the other side's details"
    (to_hr,) = mailbox.to("hr@bedrijf.test")
    assert "leraar@school.test" in mailbox.text_of(to_hr) and "038 123 4567" in mailbox.text_of(to_hr)
    assert not mailbox.to("leraar@noord.test")


def test_contact_details_disappear_when_the_match_ends(w, client, mailbox):
    accept(client, w, mailbox)
    svc.cancel(w.teacher, w.mid, "Toch geen tijd")
    db.session.commit()
    for user in (w.teacher, w.hr, w.manager):
        html = page(client, user, w.mid)
        assert "Contactgegevens" not in html and "06 98765432" not in html and "038 123 4567" not in html


def test_contact_details_stay_30_days_after_completion(w, client, mailbox, app):
    accept(client, w, mailbox)
    m = db.session.get(Match, w.mid)
    m.status, m.status_changed_at = "completed", utcnow() - timedelta(days=29)
    db.session.commit()
    assert "06 98765432" in page(client, w.teacher, w.mid)
    m.status_changed_at = utcnow() - timedelta(days=app.config["LOKET_CONTACT_RETENTION_DAYS"], minutes=1)
    db.session.commit()
    assert "06 98765432" not in page(client, w.teacher, w.mid)


def test_a_deleted_contact_person_is_replaced_by_a_colleague_or_nobody(w, client, mailbox, make):
    accept(client, w, mailbox)
    colleague = make.user(w.company, email="collega@bedrijf.test", name="Collega Kees")
    db.session.commit()
    delete_account(w.hr, "wachtwoord-123")
    db.session.commit()
    html = page(client, w.teacher, w.mid)
    assert "Bram Jansen" not in html and "06 98765432" not in html and "hr@bedrijf.test" not in html
    assert "collega@bedrijf.test" in html
    delete_account(colleague, "wachtwoord-123")
    db.session.commit()
    assert "collega@bedrijf.test" not in page(client, w.teacher, w.mid)


# ----------------------------------------------------------------------------- messages
def post(client, mid, body):
    return client.post(f"/koppelingen/{mid}/berichten", data={"body": body})


def test_no_messages_before_acceptance(w, client):
    login(client, w.teacher)
    resp = post(client, w.mid, "Hallo, wanneer kunnen jullie?")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "zodra de koppeling geaccepteerd is" in html
    assert "Hallo, wanneer kunnen jullie?" in html, "the typed text stays in the form"
    assert db.session.scalar(select(MatchMessage)) is None
    assert "Bericht versturen" not in page(client, w.teacher, w.mid)


def test_thread_both_sides_and_the_manager_with_mail_and_digest(w, client, mailbox, runner):
    accept(client, w, mailbox)
    w.manager.notify_mode = "digest"
    db.session.commit()
    mailbox.clear()
    login(client, w.teacher)
    resp = post(client, w.mid, "Hallo Bram,\nkunnen jullie\x00 in maart?\x07")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#berichten")
    stored = db.session.scalars(select(MatchMessage)).one()
    assert stored.body == "Hallo Bram,\nkunnen jullie in maart?" and stored.author_role == "school"
    (mail,) = mailbox.to("hr@bedrijf.test")
    assert "Nieuw bericht van Zwolle College" in mail["Subject"]
    assert "kunnen jullie in maart?" in mailbox.text_of(mail) and "Sanne de Vries" in mailbox.text_of(mail)
    assert not mailbox.to("leraar@school.test") and not mailbox.to("beheer@zwolle.test")

    login(client, w.hr)
    assert post(client, w.mid, "Ja, de tweede week past goed.").status_code == 302
    login(client, w.manager)
    assert post(client, w.mid, "Fijn dat het lukt!").status_code == 302
    mailbox.clear()
    login(client, w.hr)
    assert post(client, w.mid, "Dank je!").status_code == 302
    assert mailbox.to("leraar@school.test"), "the school hears of the company's message"
    assert not mailbox.to("beheer@zwolle.test"), "the manager chose the daily digest"
    note = db.session.scalars(
        select(Notification).where(Notification.user_id == w.manager.id, Notification.kind == "match_message")
    ).one()
    assert note.emailed_at is None and "Zonnebedrijf BV" in note.message
    assert runner.invoke(args=["digest"]).exit_code == 0
    (digest,) = mailbox.to("beheer@zwolle.test")
    assert "Nieuw bericht van Zonnebedrijf BV" in mailbox.text_of(digest)

    html = page(client, w.teacher, w.mid)
    thread = html.split('id="berichten"')[1]
    order = [thread.index(t) for t in ("kunnen jullie", "tweede week", "Fijn dat het lukt", "Dank je!")]
    assert order == sorted(order), "newest last"
    assert "Sanne de Vries" in thread and "Bram Jansen" in thread and "(clusterbeheerder)" in thread
    assert "(school)" in thread and "(bedrijf)" in thread


def test_thread_permissions(w, client, mailbox):
    accept(client, w, mailbox)
    svc.post_message(w.teacher, w.mid, "Alleen voor ons")
    db.session.commit()
    for outsider in (w.other_teacher, w.other_hr, w.other_manager):
        login(client, outsider)
        assert client.get(f"/koppelingen/{w.mid}").status_code == 403
        assert post(client, w.mid, "Ik lees mee").status_code == 403
    assert post(client, 987654, "x").status_code == 404
    logout(client)
    assert post(client, w.mid, "x").status_code == 302
    assert "Alleen voor ons" in page(client, w.admin, w.mid)
    assert db.session.scalars(select(MatchMessage)).one().body == "Alleen voor ons"


def test_a_long_message_is_refused_beside_the_field_and_kept(w, client, mailbox):
    accept(client, w, mailbox)
    login(client, w.teacher)
    resp = post(client, w.mid, "a" * 2001)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'id="body-error"' in html and "a" * 2001 in html
    assert post(client, w.mid, "   \n ").status_code == 400
    assert db.session.scalar(select(MatchMessage)) is None


def test_deleting_the_author_keeps_the_message_anonymously_and_the_export_has_it(w, client, mailbox):
    accept(client, w, mailbox)
    login(client, w.teacher)
    post(client, w.mid, "Mijn bericht")
    data = json.loads(client.get("/account/mijn-gegevens").get_data(as_text=True))
    assert [m["body"] for m in data["messages"]] == ["Mijn bericht"]
    login(client, w.hr)
    data = json.loads(client.get("/account/mijn-gegevens").get_data(as_text=True))
    assert data["messages"] == []
    delete_account(w.teacher, "wachtwoord-123")
    db.session.commit()
    stored = db.session.scalars(select(MatchMessage)).one()
    assert stored.author_id is None and stored.body == "Mijn bericht" and stored.author_role == "school"
    html = page(client, w.hr, w.mid)
    assert "Mijn bericht" in html and "verwijderde gebruiker" in html and "Sanne de Vries" not in html
