"""Throttles for failed logins and password-reset requests that a stranger cannot turn into a lockout.

Everything is kept in the Flask-Limiter storage (Redis in production, so every app server sees the
same counters; memory in tests), never in process memory. Keys hold an HMAC of the address and the
source IP, not the address itself.

Login (``LOKET_LOGIN_*``):

- ``LOKET_LOGIN_LIMIT`` failures per source IP, whatever the address (a password spray from one
  place); successful logins do not count, so a whole school behind one NAT address can log in.
- Failures count per (address, source IP) for ``LOKET_LOGIN_FAILURE_WINDOW_S``. The first
  ``LOKET_LOGIN_FREE_ATTEMPTS`` cost nothing; each further failure makes that pair wait
  ``LOKET_LOGIN_BACKOFF_S`` seconds, doubling per failure up to ``LOKET_LOGIN_BACKOFF_MAX_S``.
  While it waits, the pair gets 429 without a password check. Another source (the owner at home)
  is not slowed down at all. A successful login clears the pair.
- A generous ceiling per address (``LOKET_LOGIN_ADDRESS_LIMIT``, failures from all sources together)
  stops a guess spread over many sources. Sources where the address logged in successfully in the
  last ``LOKET_LOGIN_KNOWN_SOURCE_DAYS`` days are exempt from it, so the owner's usual place still
  gets in.

Reset requests (``LOKET_RESET_*``): at most ``LOKET_RESET_LIMIT`` per source IP,
``LOKET_RESET_PAIR_LIMIT`` per (address, source), and ``LOKET_RESET_ADDRESS_LIMIT`` per address from
all sources together, where only requests that passed their pair limit count. One stranger alone
therefore never blocks the owner's request from another source.

These limits are checked here rather than with Flask-Limiter decorators so that the answer says how
long this particular wait is (``Retry-After``); Flask-Limiter would report its own window instead.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse_many

from loket.extensions import limiter

PREFIX = "loket-throttle"


@dataclass(frozen=True)
class Wait:
    """A refusal: how many seconds to wait, and whether it concerns the address (else the source)."""

    seconds: int
    address: bool


def _cfg(name: str):
    return current_app.config[name]


def _digest(*parts: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    msg = "\0".join(p.strip().lower() for p in parts).encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:32]


def _items(limit: str) -> list[RateLimitItem]:
    return list(parse_many(limit)) if limit else []


def _active() -> bool:
    return bool(limiter.enabled) and bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _seconds_until(timestamp: float) -> int:
    return max(1, math.ceil(timestamp - time.time()))


def _over(items: list[RateLimitItem], *ids: str) -> int:
    """Seconds until the first exceeded limit of ``items`` for ``ids`` resets; 0 when none is exceeded."""
    strategy = limiter.limiter
    for item in items:
        if not strategy.test(item, PREFIX, *ids):
            return _seconds_until(strategy.get_window_stats(item, PREFIX, *ids).reset_time)
    return 0


def _hit(items: list[RateLimitItem], *ids: str) -> None:
    for item in items:
        limiter.limiter.hit(item, PREFIX, *ids)


# --------------------------------------------------------------------------- login
def _login_keys(email: str, source: str) -> tuple[str, str, str, str]:
    pair, address = _digest(email, source), _digest(email)
    return (
        f"{PREFIX}/login-fail/{pair}",
        f"{PREFIX}/login-wait/{pair}",
        f"{PREFIX}/login-known/{pair}",
        address,
    )


def login_wait(email: str, source: str) -> Wait | None:
    """How long this (address, source) must wait before its next login attempt; None when it may try."""
    if not _active():
        return None
    _, wait_key, known_key, address = _login_keys(email, source)
    storage = limiter.storage
    seconds = _over(_items(_cfg("LOKET_LOGIN_LIMIT")), "login-source", _digest(source))
    if seconds:
        return Wait(seconds, address=False)
    if storage.get(wait_key):
        return Wait(_seconds_until(storage.get_expiry(wait_key)), address=True)
    if storage.get(known_key):
        return None  # the owner's usual source: never held back by other sources' failures
    seconds = _over(_items(_cfg("LOKET_LOGIN_ADDRESS_LIMIT")), "login-address", address)
    return Wait(seconds, address=True) if seconds else None


def login_failed(email: str, source: str) -> None:
    """Count a failed attempt; from the free attempts on, start a back-off that doubles each time."""
    if not _active():
        return
    fail_key, wait_key, _, address = _login_keys(email, source)
    storage = limiter.storage
    _hit(_items(_cfg("LOKET_LOGIN_LIMIT")), "login-source", _digest(source))
    _hit(_items(_cfg("LOKET_LOGIN_ADDRESS_LIMIT")), "login-address", address)
    failures = storage.incr(fail_key, int(_cfg("LOKET_LOGIN_FAILURE_WINDOW_S")))
    free = int(_cfg("LOKET_LOGIN_FREE_ATTEMPTS"))
    if failures >= free:
        base, ceiling = float(_cfg("LOKET_LOGIN_BACKOFF_S")), float(_cfg("LOKET_LOGIN_BACKOFF_MAX_S"))
        wait = max(1, math.ceil(min(base * 2 ** min(failures - free, 32), ceiling)))
        storage.clear(wait_key)
        storage.incr(wait_key, wait)


def login_succeeded(email: str, source: str) -> None:
    """Clear the pair's failures and remember the source as one the owner uses."""
    if not _active():
        return
    fail_key, wait_key, known_key, _ = _login_keys(email, source)
    storage = limiter.storage
    storage.clear(fail_key)
    storage.clear(wait_key)
    storage.clear(known_key)  # restart its lifetime
    storage.incr(known_key, int(_cfg("LOKET_LOGIN_KNOWN_SOURCE_DAYS")) * 24 * 3600)


def forgive_login_failures(email: str, source: str) -> None:
    """The owner proved the address (a password reset from this source): no back-off left there."""
    if not _active():
        return
    fail_key, wait_key, _, _ = _login_keys(email, source)
    limiter.storage.clear(fail_key)
    limiter.storage.clear(wait_key)


# --------------------------------------------------------------------------- reset requests
def reset_wait(email: str, source: str) -> Wait | None:
    """Check and count a reset request; how long to wait when refused, None when it may go ahead.

    Every request counts for its source; a request refused by its own (address, source) limit does
    not count towards the address ceiling, so one stranger cannot use that up."""
    if not _active():
        return None
    source_items = _items(_cfg("LOKET_RESET_LIMIT"))
    pair_items = _items(_cfg("LOKET_RESET_PAIR_LIMIT"))
    address_items = _items(_cfg("LOKET_RESET_ADDRESS_LIMIT"))
    origin, pair, address = _digest(source), _digest(email, source), _digest(email)
    seconds = _over(source_items, "reset-source", origin)
    _hit(source_items, "reset-source", origin)
    if seconds:
        return Wait(seconds, address=False)
    seconds = _over(pair_items, "reset-pair", pair)
    if seconds:
        return Wait(seconds, address=True)
    seconds = _over(address_items, "reset-address", address)
    _hit(pair_items, "reset-pair", pair)
    if seconds:
        return Wait(seconds, address=True)
    _hit(address_items, "reset-address", address)
    return None
