"""Settings: every LOKET_* key has its one default in loket/config.py; code never restates one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loket.config import ENV_ALIASES, ConfigError, load_config, to_env

LOKET = Path(__file__).resolve().parents[2] / "loket"
SOURCES = [p for p in LOKET.rglob("*") if p.suffix in (".py", ".html", ".txt") and p.is_file()]
# LOKET_* names in the code that are not settings: a Python constant
NOT_SETTINGS = {"LOKET_CMD"}


def _hits(pattern: re.Pattern[str]) -> list[tuple[str, int, str]]:
    out = []
    for path in SOURCES:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in pattern.finditer(line):
                out.append((str(path.relative_to(LOKET.parent)), lineno, m.group(0)))
    return out


def test_no_code_restates_a_default_with_config_get():
    restated = _hits(re.compile(r"""\.get\(\s*["']LOKET_\w+["']"""))
    assert restated == [], "read current_app.config['LOKET_...'] instead:\n" + "\n".join(
        f"{f}:{n}: {m}" for f, n, m in restated
    )


def test_every_loket_key_used_in_the_code_has_a_default_in_load_config(tmp_path):
    defaults = load_config(tmp_path, environ={})
    env_names = set(ENV_ALIASES.values())
    used = {m for _, _, m in _hits(re.compile(r"\bLOKET_[A-Z0-9_]*[A-Z0-9]\b"))}
    assert {"LOKET_PAGE_SIZE", "LOKET_MAIL_RATE_PER_S", "LOKET_TILE_URL"} <= used  # the scan works
    missing = sorted(used - set(defaults) - env_names - NOT_SETTINGS)
    assert missing == [], f"add a default to loket/config.py load_config() for: {missing}"
    # and the aliased names really are environment variables of config keys
    assert all(key in defaults for key in ENV_ALIASES)


def test_the_one_default_rate_is_used_by_everything(tmp_path):
    cfg = load_config(tmp_path, environ={})
    assert cfg["LOKET_MAIL_RATE_PER_S"] == 50.0
    assert (cfg["LOKET_MAIL_MAX_ATTEMPTS"], cfg["LOKET_MAIL_RETRY_BASE_S"]) == (5, 30.0)
    assert cfg["LOKET_INSTANCE_DIR"] == str(tmp_path)
    assert cfg["LOKET_INVITE_MAX_AGE_S"] == 14 * 24 * 3600
    # invitations never expire before an ordinary link
    longer = load_config(tmp_path, environ={"LOKET_TOKEN_MAX_AGE_S": str(30 * 24 * 3600)})
    assert longer["LOKET_INVITE_MAX_AGE_S"] == 30 * 24 * 3600


def test_to_env_reproduces_the_settings_in_a_child(tmp_path):
    environ = {
        "LOKET_ENV": "production",
        "LOKET_SECRET_KEY": "s" * 40,
        "LOKET_DATABASE_URL": "postgresql+psycopg://loket@db/loket",
        "LOKET_REDIS_URL": "redis://127.0.0.1:6379/3",
        "LOKET_MAIL_SEND_IMMEDIATELY": "0",
        "LOKET_MAIL_RATE_PER_S": "7.5",
        "LOKET_MAIL_MAX_ATTEMPTS": "9",
        "LOKET_TILE_URL": "https://tiles.example/{z}/{x}/{y}.png",
        "LOKET_INSTANCE_DIR": str(tmp_path / "elsewhere"),
        "LOKET_REACTIVATION_TOKEN_DAYS": "3",
    }
    parent = load_config(tmp_path, environ=environ)
    child = load_config(tmp_path / "child", environ=to_env(parent))
    assert child == parent
    assert child["LOKET_MAIL_SEND_IMMEDIATELY"] is False and child["LOKET_MAIL_RATE_PER_S"] == 7.5
    assert child["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LOKET_MAIL_MAX_ATTEMPTS", "vijf", "a whole number"),
        ("LOKET_MAIL_RETRY_BASE_S", "half", "a number"),
        ("LOKET_MAIL_SEND_IMMEDIATELY", "misschien", "1 or 0"),
    ],
)
def test_a_bad_value_names_the_variable(tmp_path, name, value, message):
    with pytest.raises(ConfigError, match=f"{name} must be {message}"):
        load_config(tmp_path, environ={name: value})
