"""Password hashing: werkzeug's scrypt everywhere; a cheap hash only for the test suite.

``LOKET_FAST_PASSWORD_HASH`` exists to keep the test suite fast (hundreds of factory users). It is
honoured only when ``LOKET_ENV`` is ``testing``; ``loket.config.finalize`` refuses it in any other
environment, and ``hash_password`` ignores it there as a second guard.
"""

from __future__ import annotations

from functools import cache

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

STRONG_METHOD = "scrypt"
FAST_METHOD = "pbkdf2:sha256:1"  # tests only


def method() -> str:
    """The hashing method in force for new hashes."""
    if has_app_context():
        cfg = current_app.config
        if cfg["LOKET_ENV"] == "testing" and cfg["LOKET_FAST_PASSWORD_HASH"]:
            return FAST_METHOD
    return STRONG_METHOD


def hash_password(password: str) -> str:
    """A salted hash of ``password`` with the method in force."""
    return generate_password_hash(password, method=method())


def verify_password(password_hash: str | None, password: str | None) -> bool:
    """True when ``password`` matches ``password_hash`` (False for an empty hash)."""
    return bool(password_hash) and check_password_hash(password_hash, password or "")


@cache
def _dummy_hash(for_method: str) -> str:
    return generate_password_hash("loket-dummy-password-for-timing", method=for_method)


def waste_a_check(password: str | None) -> None:
    """Do the work of one password check against nothing (equal timing for unknown addresses)."""
    check_password_hash(_dummy_hash(method()), password or "")
