"""Password hashing: Argon2id everywhere; older werkzeug hashes still verify and are upgraded at login.

Argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane) costs about 35 ms of one core
per check; werkzeug's scrypt default (N=2^15, 32 MiB) costs about 125 ms and is below OWASP's own
scrypt recommendation (N=2^17). At 50 users logging in at once on two cores, that difference is the
login page's p95 (docs/ARCHITECTURE.md, "Deviations"). Hashes made before the switch (``scrypt:`` or
``pbkdf2:``) still verify; :func:`needs_rehash` tells the login to store a new Argon2id hash.

``LOKET_FAST_PASSWORD_HASH`` exists to keep the test suite fast (hundreds of factory users). It is
honoured only when ``LOKET_ENV`` is ``testing``; ``loket.config.finalize`` refuses it in any other
environment, and ``hash_password`` ignores it there as a second guard.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

STRONG_METHOD = "argon2id"
FAST_METHOD = "pbkdf2:sha256:1"  # tests only
ARGON2_PREFIX = "$argon2id$"

# OWASP Password Storage Cheat Sheet, Argon2id minimum: m=19 MiB, t=2, p=1
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def method() -> str:
    """The hashing method in force for new hashes."""
    if has_app_context():
        cfg = current_app.config
        if cfg["LOKET_ENV"] == "testing" and cfg["LOKET_FAST_PASSWORD_HASH"]:
            return FAST_METHOD
    return STRONG_METHOD


def _hash(password: str, with_method: str) -> str:
    if with_method == STRONG_METHOD:
        return _hasher.hash(password)
    return generate_password_hash(password, method=with_method)


def hash_password(password: str) -> str:
    """A salted hash of ``password`` with the method in force."""
    return _hash(password, method())


def verify_password(password_hash: str | None, password: str | None) -> bool:
    """True when ``password`` matches ``password_hash`` (False for an empty or unreadable hash)."""
    if not password_hash:
        return False
    if password_hash.startswith("$argon2"):
        try:
            return _hasher.verify(password_hash, password or "")
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(password_hash, password or "")


def needs_rehash(password_hash: str | None) -> bool:
    """True when a verified hash should be replaced by one of the method (and cost) in force."""
    if not password_hash:
        return False
    if method() != STRONG_METHOD:
        return False  # the test suite's cheap hash is never "upgraded"
    if not password_hash.startswith(ARGON2_PREFIX):
        return True
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def _dummy_hash(for_method: str) -> str:
    return _hash("loket-dummy-password-for-timing", for_method)


def waste_a_check(password: str | None) -> None:
    """Do the work of one password check against nothing (equal timing for unknown addresses)."""
    verify_password(_dummy_hash(method()), password)
