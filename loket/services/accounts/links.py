"""Signed, expiring links for accounts: email verification, email change, password reset, invites.

Tokens are ``itsdangerous.URLSafeTimedSerializer`` strings with a salt per purpose, so a token
made for one purpose never works for another. Each payload carries what makes the link single-use:

- ``verify``: user id + the address to verify; dead once that address is verified or changed.
- ``change_email``: user id + old and new address; dead once the address has changed.
- ``reset`` / ``invite``: user id + ``security_stamp``; setting a password bumps the stamp, so a
  used link, or an old link after any password change, no longer works.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from loket.db import db
from loket.models import User
from loket.services import ServiceError

VERIFY = "verify"
CHANGE_EMAIL = "change_email"
RESET = "reset"
INVITE = "invite"
PURPOSES = (VERIFY, CHANGE_EMAIL, RESET, INVITE)


class TokenError(ServiceError):
    """A link that is invalid, expired or already used (a lazy translation)."""

    def __init__(self, message: Any, reason: str = "invalid") -> None:
        super().__init__(message)
        self.reason = reason  # invalid | expired | used


def _signer_at(issued_at: float) -> type[TimestampSigner]:
    class _FixedTime(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(issued_at)

    return _FixedTime


def _serializer(purpose: str, issued_at: float | None = None) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    kwargs: dict[str, Any] = {}
    if issued_at is not None:
        kwargs["signer"] = _signer_at(issued_at)
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"loket-{purpose}", **kwargs)


def max_age(purpose: str) -> int:
    """Seconds a link of this purpose stays valid (LOKET_INVITE_MAX_AGE_S for invites, else
    LOKET_TOKEN_MAX_AGE_S)."""
    key = "LOKET_INVITE_MAX_AGE_S" if purpose == INVITE else "LOKET_TOKEN_MAX_AGE_S"
    return int(current_app.config[key])


def make_token(
    user: User, purpose: str, *, new_email: str | None = None, issued_at: float | None = None
) -> str:
    """A signed token for ``user`` and ``purpose`` (``issued_at``: epoch seconds, for tests/backdating)."""
    payload: dict[str, Any] = {"u": user.id}
    if purpose == VERIFY:
        payload["e"] = user.email
    elif purpose == CHANGE_EMAIL:
        if not new_email:
            raise ValueError("change_email tokens need new_email")
        payload["e"] = new_email
        payload["o"] = user.email
    else:
        payload["s"] = user.security_stamp or 0
    return _serializer(purpose, issued_at).dumps(payload)


def read_token(token: str, purpose: str) -> tuple[User, dict[str, Any]]:
    """Check a token and return its user and payload; raises TokenError when unusable."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age(purpose))
    except SignatureExpired as exc:
        raise TokenError(
            _l("Deze link is verlopen. Vraag een nieuwe link aan."),
            reason="expired",
        ) from exc
    except BadSignature as exc:
        raise TokenError(_l("Deze link is ongeldig. Controleer of je de hele link hebt gebruikt.")) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise TokenError(_l("Deze link is ongeldig. Controleer of je de hele link hebt gebruikt."))
    user = db.session.get(User, payload["u"])
    if user is None or not user.is_active or not user.email:
        raise TokenError(_l("Deze link is ongeldig: het account bestaat niet (meer)."))
    used = TokenError(
        _l("Deze link is al gebruikt of niet meer geldig. Vraag zo nodig een nieuwe link aan."), "used"
    )
    if purpose == VERIFY and (payload.get("e") != user.email or user.email_verified_at is not None):
        raise used
    if purpose == CHANGE_EMAIL and payload.get("o") != user.email:
        raise used
    if purpose in (RESET, INVITE) and payload.get("s") != (user.security_stamp or 0):
        raise used
    return user, payload


def now_epoch() -> float:
    """Current epoch seconds (for backdating tokens in tests: ``now_epoch() - 3 * 86400``)."""
    return time.time()
