"""The mails of the account lifecycle: absolute links for them, the verification link, and the
notice to the owner of an address that is already registered (sent instead of revealing it)."""

from __future__ import annotations

from flask import url_for

from loket.mail.outbox import queue_email
from loket.mail.render import absolute_url
from loket.models import User
from loket.services.accounts import links as tokens


def link_to(endpoint: str, **values) -> str:
    """Absolute URL of ``endpoint`` for a mail."""
    return absolute_url(url_for(endpoint, _external=False, **values))


def send_verification(user: User) -> None:
    """(Re)send the verification link for the user's current address."""
    if user.email and user.email_verified_at is None:
        token = tokens.make_token(user, tokens.VERIFY)
        queue_email(user, "verify_email", link=link_to("auth.verify_email", token=token), change=False)


def notice_existing(user: User, reason: str) -> None:
    """Tell the owner of a known address that someone used it to ``reason`` (register, invite,
    email_change)."""
    queue_email(
        user,
        "account_exists",
        reason=reason,
        login_link=link_to("auth.login"),
        reset_link=link_to("auth.forgot_password"),
    )
