"""Invites: a member invites a colleague to the own organisation; the colleague sets name and
password through the mailed link.

Every function flushes and never commits (the request boundary commits). A known address gets a
notice instead of an invite.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from loket.db import db, utcnow
from loket.mail.outbox import queue_email
from loket.models import User
from loket.models.users import ACTIVE, INVITED
from loket.services import ServiceError, audit, policies
from loket.services.accounts import links as tokens
from loket.services.accounts.fields import check_name, check_password, find_user_by_email, normalise_email
from loket.services.accounts.mails import link_to, notice_existing


def require_can_invite(actor: User) -> None:
    """PermissionDenied unless the actor is a member of an organisation (and so may invite)."""
    policies.require(policies.can_invite_to_organisation(actor, actor.organisation_id))


def invite_colleague(actor: User, *, name: str, email: str) -> User | None:
    """Invite someone to the actor's organisation: a user with status ``invited`` and a mailed link.

    Only members of the organisation may invite. A known address gets a notice instead (None).
    """
    require_can_invite(actor)
    if not policies.is_verified(actor):
        raise ServiceError(
            _l(
                "Bevestig eerst je eigen e-mailadres via de link in je mail; "
                "daarna kun je collega's uitnodigen."
            )
        )
    name = check_name(name, "name", "colleague")
    email = normalise_email(email)
    if not email or "@" not in email:
        raise ServiceError(_l("Vul een geldig e-mailadres in."), field="email")
    existing = find_user_by_email(email)
    if existing is not None:
        notice_existing(existing, "invite")
        return None
    org = actor.organisation
    assert org is not None
    user = User(email=email, name=name, role=org.kind, status=INVITED, organisation=org, locale=actor.locale)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "invite", user, to_state=INVITED, organisation_id=org.id)
    token = tokens.make_token(user, tokens.INVITE)
    queue_email(
        user,
        "invite_colleague",
        link=link_to("auth.accept_invite", token=token),
        inviter=actor,
        organisation=org,
    )
    return user


def check_invite_token(token: str) -> User:
    """The user of a valid invitation link (TokenError otherwise); the link stays usable."""
    user, _ = tokens.read_token(token, tokens.INVITE)
    return user


def accept_invite(token: str, *, name: str, password: str) -> User:
    """Set name and password from an invitation link; the user becomes active and verified."""
    user, _ = tokens.read_token(token, tokens.INVITE)
    user.name = check_name(name, "name")
    user.set_password(check_password(password, email=user.email))
    user.email_verified_at = user.email_verified_at or utcnow()
    audit.record(user, "invite_accepted", user, from_state=user.status, to_state=ACTIVE)
    user.status = ACTIVE
    user.last_login_at = utcnow()
    db.session.flush()
    return user
