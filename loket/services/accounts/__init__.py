"""Accounts: registration, verification, login, reset, invites (``lifecycle``); the own profile and
organisation (``profile``); signed account links (``links``); personal-data export and deletion
(``privacy``); where an organisation is (``geocoding``)."""

from loket.services.accounts.lifecycle import (
    Registration,
    accept_invite,
    authenticate,
    change_password,
    check_invite_token,
    check_reset_token,
    end_sessions,
    invite_colleague,
    load_user,
    log_out_everywhere,
    register,
    request_password_reset,
    require_can_invite,
    reset_password,
    send_verification,
    verify_email,
)

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
