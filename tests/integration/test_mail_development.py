"""Mail in development: a ``file://`` mail URL (development's default) writes each message to
``<dir>/<time>-<id>.eml`` through the one delivery function, with a log line; ``/dev/mail/`` lists
them newest first and shows each with clickable links (404 in production and for SMTP)."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from loket.config import load_config
from loket.db import db
from loket.models import OutboxMessage, User
from tests.integration.test_auth_register import company_form, school_form


@pytest.fixture
def mail_folder(app, tmp_path, monkeypatch):
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.config, "LOKET_SMTP_URL", f"file://{folder}")
    return folder


def test_development_defaults_to_the_instance_mail_folder(tmp_path):
    dev = load_config(tmp_path, environ={})
    assert dev["LOKET_SMTP_URL"] == f"file://{tmp_path / 'mail'}"
    for env in ("testing", "production"):
        environ = {"LOKET_ENV": env, "LOKET_SECRET_KEY": "x" * 40, "LOKET_REDIS_URL": "redis://h:6379/0"}
        assert load_config(tmp_path, environ=environ)["LOKET_SMTP_URL"] == "smtp://127.0.0.1:25"


def test_registration_mail_is_written_logged_listed_and_its_link_works(client, mail_folder, caplog):
    with caplog.at_level(logging.INFO, logger="loket.mail"):
        assert client.post("/aanmelden", data=school_form()).status_code == 302
        assert client.post("/aanmelden", data=company_form()).status_code == 302
    files = sorted(mail_folder.glob("*.eml"))
    assert len(files) == 2 and all(re.fullmatch(r"\d{8}T\d{12}Z-\w+\.eml", f.name) for f in files)
    assert db.session.scalars(select(OutboxMessage.state)).all() == ["sent", "sent"]
    logged = [r.getMessage() for r in caplog.records if "written to" in r.getMessage()]
    assert len(logged) == 2 and "anna@school.example" in logged[0] and str(mail_folder) in logged[0]

    html = client.get("/dev/mail/").get_data(as_text=True)
    assert html.index("bram@zonwind.example") < html.index("anna@school.example")  # newest first
    name = files[0].name
    assert f'href="/dev/mail/{name}"' in html
    page = client.get(f"/dev/mail/{name}").get_data(as_text=True)
    link = re.search(r'<a href="http://loket\.test(/bevestigen/[^"]+)">', page)
    assert link, page
    client.get(link.group(1))
    assert db.session.scalars(select(User).where(User.email == "anna@school.example")).one().email_verified_at


def test_the_page_is_404_in_production_with_smtp_and_for_strange_names(app, client, mail_folder, monkeypatch):
    assert client.get("/dev/mail/").status_code == 200
    assert client.get("/dev/mail/..%2Fsecret_key").status_code == 404
    assert client.get("/dev/mail/20260101T000000000000Z-x.eml").status_code == 404
    monkeypatch.setitem(app.config, "LOKET_ENV", "production")
    assert client.get("/dev/mail/").status_code == 404
    monkeypatch.setitem(app.config, "LOKET_ENV", "testing")
    monkeypatch.setitem(app.config, "LOKET_SMTP_URL", "smtp://127.0.0.1:1")
    assert client.get("/dev/mail/").status_code == 404


def test_an_unwritable_folder_keeps_the_mail_queued_with_a_warning(
    app, client, tmp_path, monkeypatch, caplog
):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setitem(app.config, "LOKET_SMTP_URL", f"file://{blocker}/mail")
    with caplog.at_level(logging.WARNING, logger="loket.mail"):
        assert client.post("/aanmelden", data=school_form()).status_code == 302
    assert db.session.scalars(select(OutboxMessage.state)).all() == ["queued"]
    assert any("not sent" in r.getMessage() for r in caplog.records)
