"""Figures that many pages show and that change slowly, computed once per ``LOKET_FIGURES_CACHE_S``
seconds for every instance, in Redis.

The figure families that aggregate the whole country (organisations per cluster that are active or
dormant: one pass over all users) cost 100-300 ms of database time at benchmark size, and every
dashboard, map and admin page of every manager needs them. They are kept in Redis (shared by all
instances, so no instance keeps state another would need) for a short time; the pages say when the
figures were computed. Without ``LOKET_REDIS_URL`` (development, tests, a single SQLite instance)
or with a TTL of 0, every call computes afresh. A Redis error never breaks a page: the figure is
computed instead and the error logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from flask import current_app, g

log = logging.getLogger(__name__)
PREFIX = "loket:figures:v1:"
REDIS_TIMEOUT_S = 0.5


@cache
def _client(url: str):
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S)


def _note_age(computed_at: str) -> None:
    """Remember the oldest figure this request shows (for "cijfers van 14:02")."""
    oldest = g.get("figures_computed_at")
    if oldest is None or computed_at < oldest:
        g.figures_computed_at = computed_at


def remember(name: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` (a JSON-able value), shared for LOKET_FIGURES_CACHE_S seconds between instances."""
    cfg = current_app.config
    ttl, url = cfg["LOKET_FIGURES_CACHE_S"], cfg["LOKET_REDIS_URL"]
    if not ttl or not url:
        return compute()
    key = PREFIX + name
    try:
        raw = _client(url).get(key)
    except Exception as exc:  # noqa: BLE001 (any Redis trouble: compute instead)
        log.warning("figure cache unavailable (%s): computing %s", exc, name)
        return compute()
    if raw is not None:
        stored = json.loads(raw)
        _note_age(stored["at"])
        return stored["value"]
    value = compute()
    at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        _client(url).set(key, json.dumps({"at": at, "value": value}), ex=int(ttl))
    except Exception as exc:  # noqa: BLE001
        log.warning("figure cache unavailable (%s): %s not stored", exc, name)
    _note_age(at)
    return value


def computed_at() -> datetime | None:
    """When the oldest cached figure shown in this request was computed (None: all computed now)."""
    at = g.get("figures_computed_at")
    return datetime.fromisoformat(at) if at else None
