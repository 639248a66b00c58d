"""Signed links in reactivation mail: one-click reactivation (single use, expiring) and unsubscribe.

The reactivation link carries a signed ``jti``; the ``ActionToken`` row with that jti holds the
user, the run, ``expires_at`` and ``used_at``. Spending it is one conditional UPDATE, so two clicks
at the same moment cannot both succeed. The unsubscribe link carries a signed user id and never
expires (a mail may be read late); unsubscribing twice is harmless.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from loket.db import db, utcnow
from loket.models import ActionToken, User
from loket.services import ServiceError

PURPOSE = "reactivate"


class TokenError(ServiceError):
    """A link that cannot be used; ``reason`` is invalid, used or expired."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def issue_reactivation_token(user: User, run_id: int | None, days: int | None = None) -> str:
    """Add an ActionToken for ``user`` (flushed with the caller's transaction); return the signed value."""
    days = days or current_app.config["LOKET_REACTIVATION_TOKEN_DAYS"]
    jti = secrets.token_urlsafe(24)
    db.session.add(
        ActionToken(
            jti=jti,
            purpose=PURPOSE,
            user_id=user.id,
            run_id=run_id,
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    return _serializer("loket-reactivate").dumps(jti)


def preview_token() -> str:
    """A correctly signed value with no ActionToken behind it (for dry runs: the link shows 'invalid')."""
    return _serializer("loket-reactivate").dumps("voorbeeld-" + secrets.token_urlsafe(8))


def load_reactivation_token(token: str, now: datetime | None = None) -> ActionToken:
    """The ActionToken behind a link, or TokenError(invalid|used|expired)."""
    try:
        jti = _serializer("loket-reactivate").loads(token)
    except BadSignature as exc:
        raise TokenError("invalid", "Deze link is ongeldig of onvolledig gekopieerd.") from exc
    row = db.session.scalar(
        select(ActionToken).where(ActionToken.jti == str(jti), ActionToken.purpose == PURPOSE)
    )
    if row is None:
        raise TokenError("invalid", "Deze link is ongeldig of onvolledig gekopieerd.")
    if row.used_at is not None:
        raise TokenError("used", "Deze link is al gebruikt. Je kunt gewoon inloggen.")
    if row.expires_at <= (now or utcnow()):
        raise TokenError("expired", "Deze link is verlopen (na 30 dagen). Vraag een nieuwe uitnodiging aan.")
    return row


def spend(row: ActionToken) -> None:
    """Mark the token used, exactly once (a concurrent second use raises TokenError 'used')."""
    now = utcnow()
    result = db.session.execute(
        update(ActionToken)
        .where(ActionToken.id == row.id, ActionToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise TokenError("used", "Deze link is al gebruikt. Je kunt gewoon inloggen.")
    set_committed_value(row, "used_at", now)


def unsubscribe_token(user: User) -> str:
    return _serializer("loket-unsubscribe").dumps(user.id)


def user_for_unsubscribe(token: str) -> User:
    try:
        user_id = _serializer("loket-unsubscribe").loads(token)
    except BadSignature as exc:
        raise TokenError("invalid", "Deze afmeldlink is ongeldig of onvolledig gekopieerd.") from exc
    user = db.session.get(User, int(user_id))
    if user is None:
        raise TokenError("invalid", "Deze afmeldlink is ongeldig of onvolledig gekopieerd.")
    return user
