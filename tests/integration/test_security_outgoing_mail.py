"""Issue 11, item 5: an account cannot make Loket mail arbitrary addresses. Inviting needs a verified
address; invitations and email changes are limited per user and per source address."""

from __future__ import annotations

from loket.db import db
from loket.models import User
from tests.integration.lifecycle_helpers import login


def _as(client, user, ip: str = "10.0.0.1") -> None:
    """Log in from ``ip`` (the session is bound to the client's address)."""
    client.environ_base["REMOTE_ADDR"] = ip
    login(client, user)


def _invite(client, n: int):
    return client.post(
        "/account/collega-uitnodigen", data={"name": f"Collega {n}", "email": f"collega{n}@elders.test"}
    )


def test_an_unverified_account_cannot_invite(app, client, make, mailbox):
    school = make.school()
    user = make.user(school, verified=False)
    db.session.commit()
    _as(client, user)
    page = client.get("/account/collega-uitnodigen").get_data(as_text=True)
    assert "Bevestig eerst je eigen e-mailadres" in page
    resp = _invite(client, 1)
    assert resp.status_code == 422
    assert "Bevestig eerst je eigen e-mailadres" in resp.get_data(as_text=True)
    assert db.session.query(User).filter_by(email="collega1@elders.test").count() == 0
    assert not mailbox.to("collega1@elders.test")


def test_invitations_are_limited_per_user(app, client, make, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "LOKET_INVITE_LIMIT", "3/hour")
    user = make.user(make.school())
    db.session.commit()
    _as(client, user)
    resps = [_invite(client, n) for n in range(5)]
    assert all("/inloggen" not in (r.headers.get("Location") or "") for r in resps)
    codes = [r.status_code for r in resps]
    assert codes[:3] == [302, 302, 302] and codes[3:] == [429, 429]
    assert len([m for m in mailbox.messages if "collega" in str(m["To"])]) == 3


def test_invitations_are_limited_per_source_address(app, client, make, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "LOKET_INVITE_IP_LIMIT", "4/hour")
    school = make.school()
    users = [make.user(school) for _ in range(3)]
    db.session.commit()
    codes = []
    for i, user in enumerate(users):
        _as(client, user, ip="10.9.9.9")
        codes += [_invite(client, 10 * i + n).status_code for n in range(2)]
    assert codes.count(302) == 4 and codes.count(429) == 2


def _change_email(client, user, n: int):
    data = {"name": user.name, "email": f"nieuw{n}@elders.test", "locale": "nl", "notify_mode": "immediate"}
    return client.post("/account", data=data)


def test_email_changes_are_limited_but_other_edits_are_not(app, client, make, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "LOKET_EMAIL_CHANGE_LIMIT", "2/hour")
    user = make.user(make.school(), verified=False)
    db.session.commit()
    _as(client, user)
    codes = [_change_email(client, user, n) for n in range(4)]
    assert [r.status_code for r in codes] == [302, 302, 429, 429]
    assert all("/inloggen" not in (r.headers.get("Location") or "") for r in codes)
    assert len([m for m in mailbox.messages if "nieuw" in str(m["To"])]) == 2
    # saving the profile without changing the address is never limited
    for _ in range(4):
        resp = client.post(
            "/account",
            data={
                "name": "Andere Naam",
                "email": user.email,
                "phone": "",
                "locale": "nl",
                "notify_mode": "immediate",
            },
        )
        assert resp.status_code == 302
