"""Accounts: loading the logged-in user (registration, login, reset and invites follow)."""

from __future__ import annotations

from loket.db import db
from loket.models import User


def load_user(user_id: str) -> User | None:
    """Flask-Login loader; the id carries the security stamp so a password change ends old sessions."""
    try:
        raw_id, stamp = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or str(user.security_stamp or 0) != stamp or not user.is_active:
        return None
    return user
