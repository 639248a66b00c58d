"""Accounts: registration and email verification (``registration``), login and sessions
(``sessions``), password reset and change (``credentials``), invites (``invites``), the field checks
they share (``fields``) and their mails (``mails``); the own profile and organisation (``profile``);
signed account links (``links``); personal-data export and deletion (``privacy``); where an
organisation is (``geocoding``)."""

from loket.services.accounts.credentials import (
    change_password,
    check_reset_token,
    request_password_reset,
    reset_password,
)
from loket.services.accounts.invites import (
    accept_invite,
    check_invite_token,
    invite_colleague,
    require_can_invite,
)
from loket.services.accounts.mails import send_verification
from loket.services.accounts.registration import Registration, register, verify_email
from loket.services.accounts.sessions import authenticate, end_sessions, load_user, log_out_everywhere

__all__ = [
    "Registration",
    "accept_invite",
    "authenticate",
    "change_password",
    "check_invite_token",
    "end_sessions",
    "check_reset_token",
    "invite_colleague",
    "load_user",
    "log_out_everywhere",
    "register",
    "request_password_reset",
    "require_can_invite",
    "reset_password",
    "send_verification",
    "verify_email",
]
