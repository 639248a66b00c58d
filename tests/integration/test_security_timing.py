"""No account enumeration by timing (issue 11, item 4).

Registration and the reset request do the same work for a registered and an unknown address:
registration hashes the password and mails one message either way (a verification link, or a notice
to the owner of the known address); a reset request mails one message either way (the link, or a
notice that the address has no account). Compared with medians of interleaved requests on the
Flask test client, within a generous margin: a statistical check, not a speed test.
"""

from __future__ import annotations

import statistics
import time

import pytest

from loket.db import db
from loket.models import AuditEvent, Organisation, User

ROUNDS = 15
WARM_UP = 2


@pytest.fixture
def no_rate_limits(app, monkeypatch):
    """These tests send many requests from one client on purpose; the limits have their own tests."""
    for key in (
        "LOKET_LOGIN_LIMIT",
        "LOKET_RESET_LIMIT",
        "LOKET_RESET_PAIR_LIMIT",
        "LOKET_RESET_ADDRESS_LIMIT",
    ):
        monkeypatch.setitem(app.config, key, "10000/minute")


def _timed(send) -> float:
    start = time.perf_counter()
    resp = send()
    elapsed = time.perf_counter() - start
    assert resp.status_code in (200, 302), resp.status_code
    return elapsed


def _medians(send_known, send_unknown) -> tuple[float, float]:
    """Median milliseconds of each, measured interleaved so that a busy machine slows both alike."""
    known, unknown = [], []
    for i in range(WARM_UP + ROUNDS):
        pair = [(known, send_known), (unknown, send_unknown)]
        if i % 2:
            pair.reverse()
        for bucket, send in pair:
            ms = _timed(lambda send=send, i=i: send(i)) * 1000
            if i >= WARM_UP:
                bucket.append(ms)
    return statistics.median(known), statistics.median(unknown)


def _assert_alike(a_ms: float, b_ms: float) -> None:
    fast, slow = sorted((a_ms, b_ms))
    assert slow <= 1.5 * fast + 15, f"known {a_ms:.1f} ms vs unknown {b_ms:.1f} ms"


def _registration(email: str) -> dict[str, str]:
    return {
        "kind": "school",
        "org_name": "Het Zwolse Lyceum",
        "postcode": "8011 AA",
        "name": "Sanne de Vries",
        "email": email,
        "password": "drie losse woorden",
        "password2": "drie losse woorden",
    }


def test_registration_takes_as_long_for_a_registered_address(client, make, mailbox, no_rate_limits):
    make.user(make.school(), email="bekend@school.example")
    db.session.commit()
    known_ms, unknown_ms = _medians(
        lambda i: client.post("/aanmelden", data=_registration("bekend@school.example")),
        lambda i: client.post("/aanmelden", data=_registration(f"nieuw{i}@school.example")),
    )
    _assert_alike(known_ms, unknown_ms)
    # both really did their work: a notice to the owner, a verification link to each new address
    assert len(mailbox.to("bekend@school.example")) == WARM_UP + ROUNDS
    assert len(mailbox.to("nieuw3@school.example")) == 1
    # the known address's rehearsal wrote nothing: one organisation per new address, plus the first
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Organisation.id))) == 1 + WARM_UP + ROUNDS
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1 + WARM_UP + ROUNDS
    assert db.session.scalar(
        db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "register")
    ) == (WARM_UP + ROUNDS)


def test_reset_request_takes_as_long_for_an_unknown_address(client, make, mailbox, no_rate_limits):
    make.user(make.school(), email="bekend@school.example")
    db.session.commit()
    known_ms, unknown_ms = _medians(
        lambda i: client.post("/wachtwoord-vergeten", data={"email": "bekend@school.example"}),
        lambda i: client.post("/wachtwoord-vergeten", data={"email": f"onbekend{i}@school.example"}),
    )
    _assert_alike(known_ms, unknown_ms)
    assert len(mailbox.to("bekend@school.example")) == WARM_UP + ROUNDS
    assert len(mailbox.to("onbekend3@school.example")) == 1
