"""Settings from ``LOKET_*`` environment variables.

Development keeps a generated secret key in the instance folder; production refuses to start
without a real one. Tests pass a dict to ``create_app`` that overrides everything here.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

ENV_PREFIX = "LOKET_"
# config keys read from an environment variable of another name
ENV_ALIASES = {
    "SECRET_KEY": "LOKET_SECRET_KEY",
    "SQLALCHEMY_DATABASE_URI": "LOKET_DATABASE_URL",
    "RATELIMIT_STORAGE_URI": "LOKET_RATELIMIT_STORAGE_URL",
}
# LOKET_* config keys fixed in code, not read from the environment
NOT_FROM_ENV = frozenset({"LOKET_LOCALES"})


class ConfigError(RuntimeError):
    """Raised when the configuration is unusable (e.g. production without a secret key)."""


class _Env:
    """Typed reads of ``LOKET_<NAME>`` from one environment mapping; empty counts as unset."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def str(self, name: str, default: str | None = None) -> str | None:
        return self.environ.get(ENV_PREFIX + name) or default

    def int(self, name: str, default: int) -> int:
        raw = self.environ.get(ENV_PREFIX + name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError as exc:
            raise ConfigError(f"{ENV_PREFIX}{name} must be a whole number, got {raw!r}") from exc

    def float(self, name: str, default: float) -> float:
        raw = self.environ.get(ENV_PREFIX + name)
        if raw is None or raw == "":
            return default
        try:
            return float(raw)
        except ValueError as exc:
            raise ConfigError(f"{ENV_PREFIX}{name} must be a number, got {raw!r}") from exc

    def bool(self, name: str, default: bool) -> bool:
        raw = (self.environ.get(ENV_PREFIX + name) or "").strip().lower()
        if raw == "":
            return default
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{ENV_PREFIX}{name} must be 1 or 0, got {raw!r}")

    def positive(self, name: str, default: int) -> int:
        value = self.int(name, default)
        if value < 1:
            raise ConfigError(f"{ENV_PREFIX}{name} must be 1 or more, got {value}")
        return value

    def limit(self, name: str, default: str) -> str:
        """A rate limit in Flask-Limiter syntax, e.g. ``10/hour;50/day``."""
        from limits import parse_many

        raw = self.str(name) or default
        try:
            parse_many(raw)
        except ValueError as exc:
            raise ConfigError(
                f"{ENV_PREFIX}{name} must be a rate limit such as '10/hour;50/day', got {raw!r}"
            ) from exc
        return raw


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder with the taxonomy JSON (``LOKET_DATA_DIR``; default the repository's ``data/``).
    Read at import time by the pure ``loket.taxonomy``, before any app exists."""
    raw = (os.environ if environ is None else environ).get(ENV_PREFIX + "DATA_DIR")
    return Path(raw) if raw else Path(__file__).resolve().parent.parent / "data"


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
    if config["LOKET_PROXY_COUNT"] < 0:
        raise ConfigError(f"{ENV_PREFIX}PROXY_COUNT must be 0 or more, got {config['LOKET_PROXY_COUNT']}")
    if config["LOKET_ENV"] != "production":
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
    if config["LOKET_FAST_PASSWORD_HASH"] and config["LOKET_ENV"] != "testing":
        raise ConfigError(f"{ENV_PREFIX}FAST_PASSWORD_HASH is for the test suite only (LOKET_ENV=testing)")
    url = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    options = config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    options.setdefault("pool_pre_ping", True)
    if url.startswith("postgresql"):
        connect = options.setdefault("connect_args", {})
        # fail fast while the database is down (readiness check, 503 page) instead of hanging
        connect.setdefault("connect_timeout", config["LOKET_DB_CONNECT_TIMEOUT_S"])
        # short OLTP queries pay JIT start-up: 600 ms of one 1 s map query was JIT compilation
        connect.setdefault("options", "-c jit=off")
    check_production(config)
    return config


def load_config(instance_path: Path, environ: Mapping[str, str] | None = None) -> dict:
    """Build the Flask config mapping from the environment (``os.environ`` unless given)."""
    e = _Env(os.environ if environ is None else environ)
    env = e.str("ENV", "development")
    if env not in {"development", "production", "testing"}:
        raise ConfigError(f"{ENV_PREFIX}ENV must be development, production or testing, got {env!r}")
    secret = e.str("SECRET_KEY")
    if not secret:
        if env == "production":
            raise ConfigError(f"{ENV_PREFIX}SECRET_KEY must be set in production (a long random string)")
        secret = _dev_secret(instance_path)
    elif env == "production" and len(secret) < 32:
        raise ConfigError(f"{ENV_PREFIX}SECRET_KEY is too short for production (use at least 32 characters)")

    db_url = e.str("DATABASE_URL") or f"sqlite:///{instance_path / 'loket.db'}"
    redis_url = e.str("REDIS_URL") or None
    token_max_age_s = e.int("TOKEN_MAX_AGE_S", 2 * 24 * 3600)
    config = {
        "LOKET_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "LOKET_DB_CONNECT_TIMEOUT_S": e.int("DB_CONNECT_TIMEOUT_S", 5),
        # PostgreSQL restarting: new connections wait this long, a cut-off GET runs again once
        "LOKET_DB_RESTART_WAIT_S": e.float("DB_RESTART_WAIT_S", 5.0),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SECURE": env == "production",
        # the remember cookie: Lax, HttpOnly, 30 days; refused once the user's session version moves
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=e.positive("REMEMBER_DAYS", 30)),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LOKET_LOCALES": ["nl", "en"],
        "LOKET_BASE_URL": (e.str("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        # instance folder for generated files (dry-run .eml files, background run logs)
        "LOKET_INSTANCE_DIR": e.str("INSTANCE_DIR") or str(instance_path),
        "LOKET_DATA_DIR": str(data_dir(e.environ)),
        "LOKET_PAGE_SIZE": e.int("PAGE_SIZE", 25),
        "LOKET_TILE_URL": e.str("TILE_URL") or None,
        # mail (docs/OPERATIONS.md, "Mail delivery"): one delivery policy for every message
        # development writes mail to <instance>/mail/*.eml (listed on /dev/mail) instead of SMTP
        "LOKET_SMTP_URL": e.str("SMTP_URL")
        or (f"file://{instance_path / 'mail'}" if env == "development" else "smtp://127.0.0.1:25"),
        "LOKET_MAIL_FROM": e.str("MAIL_FROM") or "Loket <loket@localhost>",
        "LOKET_BOUNCE_ADDRESS": e.str("BOUNCE_ADDRESS") or "",
        "LOKET_MAIL_SEND_IMMEDIATELY": e.bool("MAIL_SEND_IMMEDIATELY", True),
        "LOKET_MAIL_RATE_PER_S": e.float("MAIL_RATE_PER_S", 50.0),
        "LOKET_MAIL_RETRY_BASE_S": e.float("MAIL_RETRY_BASE_S", 30.0),
        "LOKET_MAIL_MAX_ATTEMPTS": e.int("MAIL_MAX_ATTEMPTS", 5),
        "LOKET_MAIL_DELIVER_EVERY_S": e.float("MAIL_DELIVER_EVERY_S", 60.0),
        # background work: Redis for RQ and shared rate-limit storage
        "LOKET_REDIS_URL": redis_url,
        "LOKET_RQ_QUEUE": e.str("RQ_QUEUE") or "loket",
        # slow-changing national figures shared in Redis this long (0: compute on every page)
        "LOKET_FIGURES_CACHE_S": e.int("FIGURES_CACHE_S", 60),
        "RATELIMIT_STORAGE_URI": e.str("RATELIMIT_STORAGE_URL") or redis_url or "memory://",
        "RATELIMIT_ENABLED": True,
        "LOKET_GEOCODER": e.str("GEOCODER") or "none",
        "LOKET_GEOCODER_DOMAIN": e.str("GEOCODER_DOMAIN") or None,
        "LOKET_GEOCODER_SCHEME": e.str("GEOCODER_SCHEME") or "https",
        "LOKET_GEOCODER_MIN_DELAY_S": e.float("GEOCODER_MIN_DELAY_S", 1.0),
        "LOKET_GEOCODER_USER_AGENT": e.str("GEOCODER_USER_AGENT") or "loket (school-company matching)",
        "LOKET_INACTIVITY_DAYS": e.int("INACTIVITY_DAYS", 365),
        "LOKET_RETENTION_DAYS": e.int("RETENTION_DAYS", 180),
        # signed links: verification / reset, and invitations (at least 14 days)
        "LOKET_TOKEN_MAX_AGE_S": token_max_age_s,
        "LOKET_INVITE_MAX_AGE_S": e.int("INVITE_MAX_AGE_S", max(token_max_age_s, 14 * 24 * 3600)),
        # rate limits (Flask-Limiter syntax): per IP on POST, and per email address
        "LOKET_LOGIN_LIMIT": e.str("LOGIN_LIMIT") or "10/minute",
        "LOKET_RESET_LIMIT": e.str("RESET_LIMIT") or "10/minute",
        # no lockout by strangers (loket/web/throttle.py): failed logins per (address, source IP) with
        # a growing back-off; a per-address ceiling that spares the owner's usual sources
        "LOKET_LOGIN_FREE_ATTEMPTS": e.positive("LOGIN_FREE_ATTEMPTS", 5),
        "LOKET_LOGIN_BACKOFF_S": e.positive("LOGIN_BACKOFF_S", 1),
        "LOKET_LOGIN_BACKOFF_MAX_S": e.positive("LOGIN_BACKOFF_MAX_S", 900),
        "LOKET_LOGIN_FAILURE_WINDOW_S": e.positive("LOGIN_FAILURE_WINDOW_S", 24 * 3600),
        "LOKET_LOGIN_ADDRESS_LIMIT": e.limit("LOGIN_ADDRESS_LIMIT", "50/hour;200/day"),
        "LOKET_LOGIN_KNOWN_SOURCE_DAYS": e.positive("LOGIN_KNOWN_SOURCE_DAYS", 90),
        # reset requests per (address, source IP) and per address
        "LOKET_RESET_PAIR_LIMIT": e.limit("RESET_PAIR_LIMIT", "3/hour;10/day"),
        "LOKET_RESET_ADDRESS_LIMIT": e.limit("RESET_ADDRESS_LIMIT", "10/hour;50/day"),
        # reactivation runs (docs/OPERATIONS.md, "Reactivation runs")
        "LOKET_REACTIVATION_TOKEN_DAYS": e.int("REACTIVATION_TOKEN_DAYS", 30),
        # career days: the planner's time limit when a manager plans from the web (docs/EVENTS.md)
        "LOKET_EVENT_PLAN_WEB_S": e.float("EVENT_PLAN_WEB_S", 8.0),
        "LOKET_REMINDER_AFTER_DAYS": e.int("REMINDER_AFTER_DAYS", 21),
        # mail that a signed-in user makes Loket send to other addresses: invites and email changes
        "LOKET_INVITE_LIMIT": e.limit("INVITE_LIMIT", "10/hour;30/day"),
        "LOKET_INVITE_IP_LIMIT": e.limit("INVITE_IP_LIMIT", "30/hour;100/day"),
        "LOKET_EMAIL_CHANGE_LIMIT": e.limit("EMAIL_CHANGE_LIMIT", "3/hour;6/day"),
        "LOKET_EMAIL_CHANGE_IP_LIMIT": e.limit("EMAIL_CHANGE_IP_LIMIT", "10/hour;30/day"),
        # tests only: a cheap password hash (refused outside LOKET_ENV=testing, see finalize)
        "LOKET_FAST_PASSWORD_HASH": e.bool("FAST_PASSWORD_HASH", False),
        # running it in production (docs/OPERATIONS.md, "Production")
        "LOKET_PROXY_COUNT": e.int("PROXY_COUNT", 0),
        "LOKET_METRICS_TOKEN": e.str("METRICS_TOKEN") or None,
        "LOKET_WEB_WORKERS": e.int("WEB_WORKERS", default_web_workers()),
        "LOKET_WEB_TIMEOUT_S": e.int("WEB_TIMEOUT_S", 30),
        "LOKET_WEB_GRACEFUL_TIMEOUT_S": e.int("WEB_GRACEFUL_TIMEOUT_S", 30),
        "LOKET_WEB_MAX_REQUESTS": e.int("WEB_MAX_REQUESTS", 1000),
        "LOKET_WEB_MAX_REQUESTS_JITTER": e.int("WEB_MAX_REQUESTS_JITTER", 100),
        "LOKET_SCHEDULER_TICK_S": e.float("SCHEDULER_TICK_S", 15.0),
        "LOKET_SCHEDULER_LOCK_TTL_S": e.float("SCHEDULER_LOCK_TTL_S", 60.0),
        "LOKET_SCHEDULER_RETRY_S": e.float("SCHEDULER_RETRY_S", 300.0),
        "LOKET_SCHEDULER_DAILY_AT": e.str("SCHEDULER_DAILY_AT") or "06:00",
        # stored suggestions (docs/OPERATIONS.md, "Suggestions"): K per request and per offer, and
        # how many touched lists in one transaction make a full rebuild instead
        "LOKET_SUGGESTIONS_TOP": e.int("SUGGESTIONS_TOP", 20),
        "LOKET_BROKER_SEARCH_KM": e.float("BROKER_SEARCH_KM", 30.0),
        "LOKET_BROKER_MAX_CANDIDATES": e.int("BROKER_MAX_CANDIDATES", 40),
        "LOKET_BROKER_DATE_SLACK_DAYS": e.int("BROKER_DATE_SLACK_DAYS", 60),
        # loket tune-weights: decisions needed, held-out NDCG margin, bounds on each normalised weight
        "LOKET_TUNE_MIN_DECISIONS": e.int("TUNE_MIN_DECISIONS", 200),
        "LOKET_TUNE_MARGIN": e.float("TUNE_MARGIN", 0.01),
        "LOKET_WEIGHT_MIN": e.float("WEIGHT_MIN", 0.02),
        "LOKET_WEIGHT_MAX": e.float("WEIGHT_MAX", 0.5),
        "LOKET_SUGGESTIONS_FULL_AFTER": e.int("SUGGESTIONS_FULL_AFTER", 2000),
        # processes that rank `loket match`'s requests (0: every core; loket.matching.parallel)
        "LOKET_MATCH_WORKERS": e.int("MATCH_WORKERS", 0),
        # days a completed match still shows both sides' contact details (loket.services.matches.contact)
        "LOKET_CONTACT_RETENTION_DAYS": e.int("CONTACT_RETENTION_DAYS", 30),
    }
    check_production(config)
    return config


def to_env(config: Mapping[str, Any]) -> dict[str, str]:
    """The ``LOKET_*`` environment that makes ``load_config`` in a child process reproduce
    ``config``: every ``LOKET_*`` key (and the aliased ones) serialised; None becomes empty
    (= the default, which is None for every key that can be None)."""
    out: dict[str, str] = {}
    for key, value in config.items():
        name = ENV_ALIASES.get(key) or (key if key.startswith(ENV_PREFIX) else None)
        if name is None or key in NOT_FROM_ENV:
            continue
        if value is None:
            out[name] = ""
        elif isinstance(value, bool):
            out[name] = "1" if value else "0"
        else:
            out[name] = str(value)
    return out
