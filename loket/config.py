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


def default_web_workers(cpus: int | None = None) -> int:
    """gunicorn's rule of thumb, 2 x CPUs + 1, capped at 8: each worker holds its own caches and a
    database pool, and more than 8 sync workers per host rarely helps a database-bound app."""
    cpus = cpus or os.cpu_count() or 1
    return min(2 * cpus + 1, 8)


def check_production(config: dict) -> None:
    """Refuse settings that are unsafe when several workers or hosts serve the app."""
    if config.get("LOKET_PROXY_COUNT", 0) < 0:
        raise ConfigError(f"{ENV_PREFIX}PROXY_COUNT must be 0 or more, got {config['LOKET_PROXY_COUNT']}")
    if config.get("LOKET_ENV") != "production":
        return
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://"):
        raise ConfigError(
            "production refuses in-memory rate-limit storage: each gunicorn worker (and each host) would "
            "keep its own counters, so a login lockout of 10 attempts becomes 10 per worker. "
            f"Set {ENV_PREFIX}REDIS_URL (shared storage, also used by the worker) or "
            f"{ENV_PREFIX}RATELIMIT_STORAGE_URL (any Flask-Limiter storage URL, e.g. redis://host:6379/1)."
        )


def finalize(config: dict) -> dict:
    """Checks and derived settings once overrides (``create_app(config)``) were applied."""
    if config.get("LOKET_FAST_PASSWORD_HASH") and config.get("LOKET_ENV") != "testing":
        raise ConfigError(f"{ENV_PREFIX}FAST_PASSWORD_HASH is for the test suite only (LOKET_ENV=testing)")
    url = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    options = config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    options.setdefault("pool_pre_ping", True)
    if url.startswith("postgresql"):
        connect = options.setdefault("connect_args", {})
        # fail fast while the database is down (readiness check, 503 page) instead of hanging
        connect.setdefault("connect_timeout", config.get("LOKET_DB_CONNECT_TIMEOUT_S", 5))
        # short OLTP queries pay JIT start-up: 600 ms of one 1 s map query was JIT compilation
        connect.setdefault("options", "-c jit=off")
    check_production(config)
    return config


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
    config = {
        "LOKET_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "LOKET_DB_CONNECT_TIMEOUT_S": _int("DB_CONNECT_TIMEOUT_S", 5),
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
        # mail that a signed-in user makes Loket send to other addresses: invites and email changes
        "LOKET_INVITE_LIMIT": _env("INVITE_LIMIT") or "10/hour;30/day",
        "LOKET_INVITE_IP_LIMIT": _env("INVITE_IP_LIMIT") or "30/hour;100/day",
        "LOKET_EMAIL_CHANGE_LIMIT": _env("EMAIL_CHANGE_LIMIT") or "3/hour;6/day",
        "LOKET_EMAIL_CHANGE_IP_LIMIT": _env("EMAIL_CHANGE_IP_LIMIT") or "10/hour;30/day",
        # reactivation runs (docs/OPERATIONS.md, "Reactivation runs")
        "LOKET_MAIL_RETRY_BASE_S": _float("MAIL_RETRY_BASE_S", 30.0),
        "LOKET_MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", 5),
        "LOKET_REACTIVATION_TOKEN_DAYS": _int("REACTIVATION_TOKEN_DAYS", 30),
        "LOKET_REMINDER_AFTER_DAYS": _int("REMINDER_AFTER_DAYS", 21),
        "LOKET_RQ_QUEUE": _env("RQ_QUEUE") or "loket",
        # tests only: a cheap password hash (refused outside LOKET_ENV=testing, see finalize)
        "LOKET_FAST_PASSWORD_HASH": _env("FAST_PASSWORD_HASH", "0") == "1",
        # running it in production (docs/OPERATIONS.md, "Production")
        "LOKET_PROXY_COUNT": _int("PROXY_COUNT", 0),
        "LOKET_METRICS_TOKEN": _env("METRICS_TOKEN") or None,
        "LOKET_WEB_WORKERS": _int("WEB_WORKERS", default_web_workers()),
        "LOKET_WEB_TIMEOUT_S": _int("WEB_TIMEOUT_S", 30),
        "LOKET_WEB_GRACEFUL_TIMEOUT_S": _int("WEB_GRACEFUL_TIMEOUT_S", 30),
        "LOKET_WEB_MAX_REQUESTS": _int("WEB_MAX_REQUESTS", 1000),
        "LOKET_WEB_MAX_REQUESTS_JITTER": _int("WEB_MAX_REQUESTS_JITTER", 100),
        "LOKET_SCHEDULER_TICK_S": _float("SCHEDULER_TICK_S", 15.0),
        "LOKET_SCHEDULER_LOCK_TTL_S": _float("SCHEDULER_LOCK_TTL_S", 60.0),
        "LOKET_SCHEDULER_RETRY_S": _float("SCHEDULER_RETRY_S", 300.0),
        "LOKET_SCHEDULER_DAILY_AT": _env("SCHEDULER_DAILY_AT") or "06:00",
        "LOKET_SCHEDULER_MAIL_EVERY_S": _float("SCHEDULER_MAIL_EVERY_S", 60.0),
    }
    check_production(config)
    return config
