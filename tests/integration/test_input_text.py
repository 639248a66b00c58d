"""Issue 11, item 7: line breaks and control characters never get in (forms, query strings, path) and
never break an email.

Through the test client on SQLite and PostgreSQL: a name with ``\\r\\nBcc:`` or a NUL byte is refused
beside its field (nothing stored, nothing mailed, no 500); free text keeps its line breaks but loses
NUL; a legacy name with a line break makes its email fail with a reason instead of hanging in
``sending``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from loket.db import db
from loket.models import MatchFeedback, Organisation, OutboxMessage, User
from tests.integration.lifecycle_helpers import build_world, login

BAD_NAMES = [
    pytest.param("Sanne\r\nBcc: boef@example.test", "regeleinde", id="crlf-header-injection"),
    pytest.param("Sanne\nVisser", "regeleinde", id="lf"),
    pytest.param("Sanne\x00Visser", "ongeldig teken", id="nul"),
    pytest.param("Sanne\x1b[31mVisser", "ongeldig teken", id="escape"),
    pytest.param("Sanne\u2028Visser", "regeleinde", id="unicode-line-separator"),
    pytest.param("Sanne\x85Visser", "regeleinde", id="c1-next-line"),
]
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def field_error(html: str, field: str) -> str | None:
    m = re.search(rf'<p class="error" id="{field}-error" role="alert">([^<]*)</p>', html)
    return m.group(1).replace("&#39;", "'") if m else None


def register_form(**over) -> dict:
    data = {
        "kind": "school",
        "org_name": "Het Stedelijk Lyceum",
        "levels": ["havo"],
        "postcode": "8011 AA",
        "city": "",
        "name": "Anna de Vries",
        "email": "anna@school.example",
        "password": "lange zin met woorden",
        "password2": "lange zin met woorden",
    }
    data.update(over)
    return data


def stored_text() -> list[str]:
    """Every user and organisation name in the database."""
    names = list(db.session.scalars(select(User.name)))
    names += list(db.session.scalars(select(Organisation.name)))
    return [n for n in names if n]


@pytest.mark.parametrize("field", ["name", "org_name", "city"])
@pytest.mark.parametrize(("value", "message"), BAD_NAMES)
def test_registration_refuses_control_characters_beside_the_field(client, mailbox, field, value, message):
    resp = client.post("/aanmelden", data=register_form(**{field: value}))
    assert resp.status_code == 422
    error = field_error(resp.get_data(as_text=True), field)
    assert error is not None and message in error, error
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert mailbox.messages == []


def test_registration_turns_a_pasted_tab_into_a_space(client, mailbox):
    resp = client.post("/aanmelden", data=register_form(name="Anna\tde Vries", org_name="Het\tLyceum"))
    assert resp.status_code == 302
    user = db.session.scalar(select(User))
    assert (user.name, user.organisation.name) == ("Anna de Vries", "Het Lyceum")
    assert not any(CONTROL.search(t) for t in stored_text())
    assert len(mailbox.to("anna@school.example")) == 1


@pytest.fixture
def teacher(make, client):
    user = make.user(make.school(), email="juf@school.example", name="Juf Jansen")
    db.session.commit()
    login(client, user)
    return user


def profile_form(**over) -> dict:
    data = {"name": "Juf Jansen", "email": "juf@school.example", "phone": "", "locale": "nl"}
    data["notify_mode"] = "immediate"
    data.update(over)
    return data


@pytest.mark.parametrize(("value", "message"), BAD_NAMES)
def test_profile_refuses_control_characters_in_the_name(client, teacher, mailbox, value, message):
    resp = client.post("/account", data=profile_form(name=value))
    assert resp.status_code == 422
    error = field_error(resp.get_data(as_text=True), "name")
    assert error is not None and message in error, error
    db.session.expire_all()
    assert db.session.get(User, teacher.id).name == "Juf Jansen"
    assert not any(CONTROL.search(t) for t in stored_text())
    assert mailbox.messages == []


@pytest.mark.parametrize("field", ["email", "phone"])
def test_profile_refuses_nul_in_other_fields(client, teacher, field):
    resp = client.post(
        "/account", data=profile_form(**{field: "06\x00123456" if field == "phone" else "a\x00@b.nl"})
    )
    assert resp.status_code == 422
    assert "ongeldig teken" in (field_error(resp.get_data(as_text=True), field) or "")
    db.session.expire_all()
    user = db.session.get(User, teacher.id)
    assert (user.email, user.phone) == ("juf@school.example", None)


def test_invitation_with_a_line_break_in_the_name_is_refused(client, teacher, mailbox):
    resp = client.post(
        "/account/collega-uitnodigen",
        data={"name": "Piet\r\nBcc: boef@example.test", "email": "piet@school.example"},
    )
    assert resp.status_code == 422
    assert "regeleinde" in (field_error(resp.get_data(as_text=True), "name") or "")
    assert db.session.scalar(select(func.count(User.id))) == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert mailbox.messages == []


def test_free_text_keeps_line_breaks_and_drops_nul(client, make):
    w = build_world(make)
    match = make.match(
        w.req,
        w.offer,
        status="scheduled",
        scheduled_start=datetime.now(UTC) - timedelta(days=2),
        place="Zwolle",
    )
    db.session.commit()
    login(client, w.teacher)
    comment = "Goede les.\r\nDe klas was\x00 enthousiast.\rVolgend jaar\tweer!\x07"
    resp = client.post(f"/koppelingen/{match.id}/feedback", data={"rating": "5", "comment": comment})
    assert resp.status_code == 302
    stored = db.session.scalar(select(MatchFeedback.comment))
    assert stored == "Goede les.\nDe klas was enthousiast.\nVolgend jaar\tweer!"


# ----------------------------------------------------------------------------- query string and path
@pytest.mark.parametrize(
    "url",
    [
        "/api/taxonomie/sector?q=%00",
        "/api/taxonomie/sector?q=zon%0d%0a",
        "/beheer/clusters/{cluster}?q=%00",
        "/beheer/clusters/{cluster}?org=a%00b",
        "/cluster/goedkeuren?status=%00",
        "/school/aanvragen?status=open%00",
        "/meldingen/?ongelezen=%00",
    ],
)
def test_control_characters_in_the_query_string_are_a_clear_400(client, make, url):
    w = build_world(make)
    user = w.admin if url.startswith(("/beheer", "/cluster", "/api")) else w.teacher
    login(client, user)
    resp = client.get(url.format(cluster=w.cluster.id))
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "ongeldig teken" in body
    if url.startswith("/api/"):
        assert resp.is_json and resp.json["status"] == 400


@pytest.mark.parametrize(
    "url",
    ["/bevestigen/abc%00def", "/wachtwoord-herstellen/abc%00", "/uitnodiging/%0d%0a", "/heractiveren/x%00y"],
)
def test_control_characters_in_a_token_are_a_404(client, url):
    assert client.get(url).status_code == 404


# ----------------------------------------------------------------------------- email headers
def test_a_legacy_name_with_a_line_break_fails_its_mail_with_a_reason(client, make, mailbox):
    """A name stored before the forms refused line breaks: the notice to that person is refused
    with a reason (state failed), the approval itself goes through, nobody else gets mail."""
    w = build_world(make)
    w.hr.name = "Sanne\r\nBcc: boef@example.test"
    from loket.services import matches as svc

    match = svc.propose(w.teacher, w.req.id, w.offer.id, source="school")
    db.session.commit()
    mailbox.clear()
    login(client, w.manager)
    resp = client.post(f"/cluster/koppelingen/{match.id}/goedkeuren", data={"version_id": match.version_id})
    assert resp.status_code == 302
    db.session.expire_all()
    assert match.status == "approved"
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == w.hr.id)).all()
    assert rows, "the notice to the company was not even attempted"
    for row in rows:
        assert row.state == "failed"
        assert "niet op te bouwen" in row.last_error and "linefeed" in row.last_error
    assert not mailbox.to("hr@bedrijf.test")
    assert all("boef@example.test" not in rcpts for _, rcpts in mailbox.envelopes)
    assert all(m["Bcc"] is None for m in mailbox.messages)


def test_a_queued_row_with_a_line_break_fails_instead_of_hanging_in_sending(app, make, mailbox):
    """A row queued before the check existed: delivery marks it failed with the reason."""
    from loket.mail.delivery import deliver_due

    user = make.user(make.school(), email="oud@school.example", name="Oud\r\nBcc: boef@example.test")
    row = OutboxMessage(
        user_id=user.id,
        kind="verify_email",
        to_addr=user.email,
        subject="Bevestig je e-mailadres",
        body_text="Hallo",
        body_html="",
        headers={},
        message_id="<legacy-1@loket.test>",
        state="queued",
    )
    db.session.add(row)
    db.session.commit()
    assert deliver_due()["sent"] == 0
    db.session.expire_all()
    assert row.state == "failed" and "niet op te bouwen" in row.last_error
    assert mailbox.messages == []


def test_a_reactivation_run_skips_a_name_with_a_line_break_and_sends_the_rest(runner, make, mailbox):
    from tests.helpers.reactivation import dormant_population

    users = dormant_population(make, 3)
    users[1].name = "Slaper\r\nBcc: boef@example.test"
    db.session.commit()
    result = runner.invoke(args=["reactivate", "--inactive-days", "365", "--quiet"])
    assert result.exit_code == 0, (result.output, result.exception)
    db.session.expire_all()
    states = {r.to_addr: (r.state, r.last_error) for r in db.session.scalars(select(OutboxMessage))}
    assert states[users[1].email][0] == "failed" and "niet op te bouwen" in states[users[1].email][1]
    assert states[users[0].email][0] == states[users[2].email][0] == "sent"
    assert {rcpt for _, rcpts in mailbox.envelopes for rcpt in rcpts} == {users[0].email, users[2].email}


# ----------------------------------------------------------------------------- one mechanism for all forms
def _all_subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_all_subclasses(sub)]
    return out


def test_every_form_in_the_app_filters_control_characters(app):
    """Every form class of every blueprint derives from LoketForm, and each of its text fields starts
    with the right filter: new forms are covered without anyone remembering to."""
    from flask_wtf import FlaskForm
    from wtforms import (
        DecimalField,
        FieldList,
        FloatField,
        FormField,
        IntegerField,
        PasswordField,
        TextAreaField,
    )

    from loket.web.forms.base import LoketForm, multi_line_filter, number_filter, single_line_filter

    forms = {f for f in _all_subclasses(FlaskForm) if f.__module__.startswith("loket.")} - {LoketForm}
    assert len(forms) > 20
    assert not [f.__qualname__ for f in forms if not issubclass(f, LoketForm)]

    def fields_of(form):
        """The fields of a form, with the fields of each row of a list or sub-form (their own filters)."""
        for field in form:
            if isinstance(field, FieldList | FormField):
                for entry in field:
                    yield from fields_of(entry) if isinstance(entry, FormField) else [entry]
            else:
                yield field

    with app.test_request_context():
        for form_class in forms:
            form = form_class(meta={"csrf": False})
            for field in fields_of(form):
                if isinstance(field, PasswordField):
                    continue
                want = multi_line_filter if isinstance(field, TextAreaField) else single_line_filter
                if isinstance(field, IntegerField | FloatField | DecimalField):
                    want = number_filter
                assert field.filters and field.filters[0] is want, (form_class.__qualname__, field.name)
