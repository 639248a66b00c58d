"""The test suite uses a cheap password hash; every other environment uses Argon2id and refuses the
switch. These tests prove that production cannot run with the cheap hash, and that a login with an
older hash (werkzeug's scrypt or pbkdf2) stores today's Argon2id hash."""

from __future__ import annotations

import pytest

from loket import create_app, passwords
from loket.config import ConfigError
from loket.models import User

PROD = {
    "LOKET_ENV": "production",
    "SECRET_KEY": "x" * 40,
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
    "LOKET_REDIS_URL": "redis://127.0.0.1:6379/15",
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
}


def test_production_hashes_with_argon2id(monkeypatch):
    monkeypatch.delenv("LOKET_FAST_PASSWORD_HASH", raising=False)
    app = create_app(PROD)
    with app.app_context():
        user = User(email="a@example.nl")
        user.set_password("een-lang-wachtwoord")
        assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert user.check_password("een-lang-wachtwoord")
        assert not user.check_password("fout-wachtwoord")


@pytest.mark.parametrize("env", ["production", "development"])
def test_the_cheap_hash_is_refused_outside_tests(env, monkeypatch):
    with pytest.raises(ConfigError, match="FAST_PASSWORD_HASH"):
        create_app({**PROD, "LOKET_ENV": env, "LOKET_FAST_PASSWORD_HASH": True})
    monkeypatch.setenv("LOKET_FAST_PASSWORD_HASH", "1")
    monkeypatch.setenv("LOKET_ENV", env)
    monkeypatch.setenv("LOKET_SECRET_KEY", "y" * 40)
    monkeypatch.setenv("LOKET_REDIS_URL", "redis://127.0.0.1:6379/15")
    with pytest.raises(ConfigError, match="FAST_PASSWORD_HASH"):
        create_app({k: v for k, v in PROD.items() if k != "LOKET_ENV"})


def test_the_suite_runs_with_the_cheap_hash_and_old_hashes_still_verify(app):
    assert passwords.method() == passwords.FAST_METHOD
    user = User(email="b@example.nl")
    user.set_password("een-lang-wachtwoord")
    assert user.password_hash.startswith("pbkdf2:sha256:1$")
    user.password_hash = "scrypt:32768:8:1$" + "x"  # a malformed stored hash never verifies
    assert not user.check_password("een-lang-wachtwoord")
    from werkzeug.security import generate_password_hash

    user.password_hash = generate_password_hash("een-lang-wachtwoord", method="scrypt")
    assert user.check_password("een-lang-wachtwoord")


@pytest.mark.parametrize("old_method", ["scrypt", "pbkdf2:sha256:600000"])
def test_login_with_an_older_hash_stores_argon2id(app, client, make, monkeypatch, old_method):
    from werkzeug.security import generate_password_hash

    from loket.db import db

    user = make.user(make.school(), email="oud@example.nl")
    user.password_hash = generate_password_hash("een-lang-wachtwoord", method=old_method)
    db.session.commit()
    monkeypatch.setitem(app.config, "LOKET_FAST_PASSWORD_HASH", False)  # hash as production does

    # a wrong password changes nothing
    client.post("/inloggen", data={"email": "oud@example.nl", "password": "fout-wachtwoord"})
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash.startswith(old_method.split(":")[0] + ":")

    res = client.post("/inloggen", data={"email": "oud@example.nl", "password": "een-lang-wachtwoord"})
    assert res.status_code in (302, 303)
    db.session.expire_all()
    stored = db.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$")
    client.post("/uitloggen")
    res = client.post("/inloggen", data={"email": "oud@example.nl", "password": "een-lang-wachtwoord"})
    assert res.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == stored  # upgraded once, not at every login
