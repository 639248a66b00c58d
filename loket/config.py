"""Settings from ``LOKET_*`` environment variables.

Development keeps a generated secret key in the instance folder; production refuses to start
without a real one. Tests pass a dict to ``create_app`` that overrides everything here.
"""

from __future__ import annotations

import os
import secrets
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
        # rate limits (Flask-Limiter syntax): per IP on POST, and per email address
        "LOKET_LOGIN_LIMIT": _env("LOGIN_LIMIT") or "10/minute",
        "LOKET_LOGIN_EMAIL_LIMIT": _env("LOGIN_EMAIL_LIMIT") or "5/minute;20/hour",
        "LOKET_RESET_LIMIT": _env("RESET_LIMIT") or "10/minute",
        "LOKET_RESET_EMAIL_LIMIT": _env("RESET_EMAIL_LIMIT") or "3/hour",
        # reactivation runs (docs/OPERATIONS.md, "Reactivation runs")
        "LOKET_MAIL_RETRY_BASE_S": _float("MAIL_RETRY_BASE_S", 30.0),
        "LOKET_MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", 5),
        "LOKET_REACTIVATION_TOKEN_DAYS": _int("REACTIVATION_TOKEN_DAYS", 30),
        "LOKET_REMINDER_AFTER_DAYS": _int("REMINDER_AFTER_DAYS", 21),
        "LOKET_RQ_QUEUE": _env("RQ_QUEUE") or "loket",
        # stored suggestions (docs/OPERATIONS.md, "Suggestions"): K per request and per offer, and
        # how many touched lists in one transaction make a full rebuild instead
        "LOKET_SUGGESTIONS_TOP": _int("SUGGESTIONS_TOP", 20),
        "LOKET_SUGGESTIONS_FULL_AFTER": _int("SUGGESTIONS_FULL_AFTER", 2000),
    }
