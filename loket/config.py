"""Settings from ``LOKET_*`` environment variables.

Development keeps a generated secret key in the instance folder; production refuses to start
without a real one. Tests pass a dict to ``create_app`` that overrides everything here.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ENV_PREFIX = "LOKET_"


class ConfigError(RuntimeError):
    """Raised when the configuration is unusable (e.g. production without a secret key)."""


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def _int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}{name} must be a whole number, got {raw!r}") from exc


def _positive(name: str, default: int) -> int:
    value = _int(name, default)
    if value < 1:
        raise ConfigError(f"{ENV_PREFIX}{name} must be 1 or more, got {value}")
    return value


def _limit(name: str, default: str) -> str:
    """A rate limit in Flask-Limiter syntax, e.g. ``10/hour;50/day``."""
    from limits import parse_many

    raw = _env(name) or default
    try:
        parse_many(raw)
    except ValueError as exc:
        raise ConfigError(
            f"{ENV_PREFIX}{name} must be a rate limit such as '10/hour;50/day', got {raw!r}"
        ) from exc
    return raw


def _float(name: str, default: float) -> float:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}{name} must be a number, got {raw!r}") from exc


def _dev_secret(instance_path: Path) -> str:
    """Return the development secret kept in the instance folder, creating it once."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(instance_path: Path) -> dict:
    """Build the Flask config mapping from the environment."""
    env = _env("ENV", "development")
    if env not in {"development", "production", "testing"}:
        raise ConfigError(f"{ENV_PREFIX}ENV must be development, production or testing, got {env!r}")
    secret = _env("SECRET_KEY")
    if not secret:
        if env == "production":
            raise ConfigError(f"{ENV_PREFIX}SECRET_KEY must be set in production (a long random string)")
        secret = _dev_secret(instance_path)
    elif env == "production" and len(secret) < 32:
        raise ConfigError(f"{ENV_PREFIX}SECRET_KEY is too short for production (use at least 32 characters)")

    db_url = _env("DATABASE_URL") or f"sqlite:///{instance_path / 'loket.db'}"
    redis_url = _env("REDIS_URL") or None
    return {
        "LOKET_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SECURE": env == "production",
        # "stay logged in": a signed cookie with the user's session version (logout ends it)
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=_positive("REMEMBER_DAYS", 30)),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LOKET_LOCALES": ["nl", "en"],
        "LOKET_BASE_URL": (_env("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "LOKET_SMTP_URL": _env("SMTP_URL") or "smtp://127.0.0.1:25",
        "LOKET_MAIL_FROM": _env("MAIL_FROM") or "Loket <loket@localhost>",
        "LOKET_BOUNCE_ADDRESS": _env("BOUNCE_ADDRESS") or "",
        "LOKET_MAIL_RATE_PER_S": _float("MAIL_RATE_PER_S", 50.0),
        "LOKET_MAIL_SEND_IMMEDIATELY": (_env("MAIL_SEND_IMMEDIATELY", "1") == "1"),
        "LOKET_REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URL") or redis_url or "memory://",
        "RATELIMIT_ENABLED": True,
        "LOKET_GEOCODER": _env("GEOCODER") or "none",
        "LOKET_GEOCODER_DOMAIN": _env("GEOCODER_DOMAIN") or None,
        "LOKET_GEOCODER_SCHEME": _env("GEOCODER_SCHEME") or "https",
        "LOKET_GEOCODER_MIN_DELAY_S": _float("GEOCODER_MIN_DELAY_S", 1.0),
        "LOKET_GEOCODER_USER_AGENT": _env("GEOCODER_USER_AGENT") or "loket (school-company matching)",
        "LOKET_INACTIVITY_DAYS": _int("INACTIVITY_DAYS", 365),
        "LOKET_RETENTION_DAYS": _int("RETENTION_DAYS", 180),
        "LOKET_TOKEN_MAX_AGE_S": _int("TOKEN_MAX_AGE_S", 2 * 24 * 3600),
        "LOKET_PAGE_SIZE": _int("PAGE_SIZE", 25),
        # rate limits (Flask-Limiter syntax): failed logins and reset requests per source IP
        "LOKET_LOGIN_LIMIT": _env("LOGIN_LIMIT") or "10/minute",
        "LOKET_RESET_LIMIT": _env("RESET_LIMIT") or "10/minute",
        # no lockout by strangers (loket/web/throttle.py): failed logins per (address, source IP) with
        # a growing back-off; a per-address ceiling that spares the owner's usual sources
        "LOKET_LOGIN_FREE_ATTEMPTS": _positive("LOGIN_FREE_ATTEMPTS", 5),
        "LOKET_LOGIN_BACKOFF_S": _positive("LOGIN_BACKOFF_S", 1),
        "LOKET_LOGIN_BACKOFF_MAX_S": _positive("LOGIN_BACKOFF_MAX_S", 900),
        "LOKET_LOGIN_FAILURE_WINDOW_S": _positive("LOGIN_FAILURE_WINDOW_S", 24 * 3600),
        "LOKET_LOGIN_ADDRESS_LIMIT": _limit("LOGIN_ADDRESS_LIMIT", "50/hour;200/day"),
        "LOKET_LOGIN_KNOWN_SOURCE_DAYS": _positive("LOGIN_KNOWN_SOURCE_DAYS", 90),
        # reset requests per (address, source IP), and per address from all sources together
        "LOKET_RESET_PAIR_LIMIT": _limit("RESET_PAIR_LIMIT", "3/hour;10/day"),
        "LOKET_RESET_ADDRESS_LIMIT": _limit("RESET_ADDRESS_LIMIT", "10/hour;50/day"),
        # reactivation runs (docs/OPERATIONS.md, "Reactivation runs")
        "LOKET_MAIL_RETRY_BASE_S": _float("MAIL_RETRY_BASE_S", 30.0),
        "LOKET_MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", 5),
        "LOKET_REACTIVATION_TOKEN_DAYS": _int("REACTIVATION_TOKEN_DAYS", 30),
        "LOKET_REMINDER_AFTER_DAYS": _int("REMINDER_AFTER_DAYS", 21),
        "LOKET_RQ_QUEUE": _env("RQ_QUEUE") or "loket",
    }
