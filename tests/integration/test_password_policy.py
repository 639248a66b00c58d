"""One password policy on every form that sets a password (issue 11, item 9).

Registration, reset link, invitation, password change and the reactivation page all refuse a weak
password with the same error beside the password field, and nothing changes.
"""

from __future__ import annotations

import re

import pytest

from loket.db import db
from loket.models import User
from loket.services.accounts import links as tokens
from loket.services.reactivation.tokens import issue_reactivation_token
from tests.factories import PASSWORD

WEAK = "aaaaaaaaaa"  # ten characters: long enough, but one character repeated


def _field_error(html: str, field_id: str) -> str:
    """The text of the error shown beside ``field_id`` (empty when there is none)."""
    m = re.search(rf'<p class="error" id="{field_id}-error" role="alert">([^<]*)</p>', html)
    return m.group(1) if m else ""


def _assert_refused(resp, field_id: str) -> None:
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422, resp.status_code
    assert f'id="{field_id}"' in html and 'aria-invalid="true"' in html
    assert "te eenvoudig" in _field_error(html, field_id), html


def test_registration_refuses_a_repeated_character(client, mailbox):
    resp = client.post(
        "/aanmelden",
        data={
            "kind": "school",
            "org_name": "Het Zwolse Lyceum",
            "postcode": "8011 AA",
            "name": "Sanne de Vries",
            "email": "sanne@lyceum.example",
            "password": WEAK,
            "password2": WEAK,
        },
    )
    _assert_refused(resp, "password")
    assert db.session.scalar(db.select(User).where(User.email == "sanne@lyceum.example")) is None
    assert mailbox.messages == []


def test_reset_link_refuses_a_repeated_character(client, make):
    user = make.user(make.school(), email="decaan@school.example")
    db.session.commit()
    old_hash = user.password_hash
    token = tokens.make_token(user, tokens.RESET)
    resp = client.post(f"/wachtwoord-herstellen/{token}", data={"password": WEAK, "password2": WEAK})
    _assert_refused(resp, "password")
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old_hash


def test_invitation_refuses_a_repeated_character(client, make):
    org = make.school()
    invited = make.user(org, email="collega@school.example", status="invited", password=None, verified=False)
    db.session.commit()
    token = tokens.make_token(invited, tokens.INVITE)
    resp = client.post(f"/uitnodiging/{token}", data={"name": "Collega", "password": WEAK, "password2": WEAK})
    _assert_refused(resp, "password")
    db.session.expire_all()
    again = db.session.get(User, invited.id)
    assert again.status == "invited" and again.password_hash is None


def test_password_change_refuses_a_repeated_character(client, auth, make):
    user = make.user(make.company(), email="hr@bedrijf.example")
    db.session.commit()
    old_hash = user.password_hash
    assert auth.login("hr@bedrijf.example").status_code == 302
    resp = client.post(
        "/account/wachtwoord",
        data={"current_password": PASSWORD, "new_password": WEAK, "new_password2": WEAK},
    )
    _assert_refused(resp, "new_password")
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old_hash


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (WEAK, "te eenvoudig"),
        ("wachtwoord123", "bekend"),
        ("kort", "minstens 10"),
        ("slaper@school.example", "e-mailadres"),
    ],
)
def test_reactivation_page_uses_the_same_policy(client, make, password, message):
    school = make.school(place="Zwolle")
    user = make.user(school, email="slaper@school.example", status="dormant", password=None)
    token = issue_reactivation_token(user, None)
    db.session.commit()
    page = client.get(f"/heractiveren/{token}").get_data(as_text=True)
    assert 'name="password"' in page  # no password yet: the page asks for one
    resp = client.post(
        f"/heractiveren/{token}",
        data={
            "name": "Slaper",
            "organisation": school.name,
            "postcode": "8011 AA",
            "agree": "y",
            "password": password,
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message in _field_error(html, "password"), html
    db.session.expire_all()
    again = db.session.get(User, user.id)
    assert again.status == "dormant" and again.password_hash is None


def test_reactivation_page_accepts_a_good_password(client, make):
    school = make.school(place="Zwolle")
    user = make.user(school, email="slaper@school.example", status="dormant", password=None)
    token = issue_reactivation_token(user, None)
    db.session.commit()
    resp = client.post(
        f"/heractiveren/{token}",
        data={
            "name": "Slaper",
            "organisation": school.name,
            "postcode": "8011 AA",
            "agree": "y",
            "password": "drie losse woorden",
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    again = db.session.get(User, user.id)
    assert again.status == "active" and again.check_password("drie losse woorden")
