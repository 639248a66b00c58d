"""Who leads: one ``loket scheduler`` instance at a time holds a leader lock (PostgreSQL advisory
lock, else a Redis key, else a file lock); the others wait and take over when it is gone."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from flask import Flask

from loket.db import db

log = logging.getLogger("loket.scheduler")


def instance_name() -> str:
    """host:pid, the name of this instance in the logs and in ``scheduler_job``."""
    return f"{socket.gethostname()}:{os.getpid()}"


class LeaderLock(Protocol):
    """A leader lock: at most one instance holds it at a time."""

    kind: str

    def acquire(self) -> bool:
        """Try to become (or stay) the leader without waiting; True when we lead."""

    def still_held(self) -> bool:
        """Check (and renew) the lock; False once it is lost."""

    def release(self) -> None:
        """Stop leading."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock`` (locks are per database)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class PostgresLock:
    """``pg_try_advisory_lock`` on a connection of its own, held (idle, autocommit) while leading."""

    kind = "postgresql advisory lock"

    def __init__(self, url, name: str = "loket.scheduler", connect_timeout: int = 5) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self.key = lock_key(name)
        self.engine = create_engine(
            url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": connect_timeout},
        )
        self.conn = None

    def acquire(self) -> bool:
        from sqlalchemy import text

        if self.conn is not None:
            return self.still_held()
        conn = self.engine.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        except Exception:
            conn.close()
            raise
        if got:
            self.conn = conn
            return True
        conn.close()
        return False

    def still_held(self) -> bool:
        from sqlalchemy import text

        if self.conn is None:
            return False
        hi, lo = (self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF
        try:
            held = self.conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND classid::bigint = :hi AND objid::bigint = :lo"
                ),
                {"hi": hi, "lo": lo},
            ).scalar()
        except Exception:  # noqa: BLE001 - the connection died: the lock died with it
            log.warning("lock connection lost", exc_info=True)
            self._drop()
            return False
        if not held:
            self._drop()
        return bool(held)

    def _drop(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.invalidate()
                self.conn.close()
            self.conn = None

    def release(self) -> None:
        from sqlalchemy import text

        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            with contextlib.suppress(Exception):
                self.conn.close()
            self.conn = None
        self.engine.dispose()


_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class RedisLock:
    """``SET key token NX PX ttl``; the leader renews it (compare-and-expire) every ttl / 3 from a
    background thread, also while a long job runs. Lost when a renewal finds another token."""

    kind = "redis lock"

    def __init__(self, url: str, key: str, ttl_s: float = 60.0) -> None:
        from redis import Redis

        self.redis = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        self.key = key
        self.ttl_ms = max(1000, int(ttl_s * 1000))
        self.token = f"{instance_name()}:{os.urandom(8).hex()}"
        self._held = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> bool:
        if self._held.is_set():
            return self.still_held()
        if self.redis.set(self.key, self.token, nx=True, px=self.ttl_ms):
            self._held.set()
            self._start_renewing()
            return True
        return False

    def _renew(self) -> bool:
        """False only when the key is provably not ours any more; a Redis error leaves the
        decision to the renewal thread (which gives up once a whole TTL passed unrenewed)."""
        try:
            return bool(self.redis.eval(_RENEW, 1, self.key, self.token, self.ttl_ms))
        except Exception:  # noqa: BLE001
            log.warning("renewing the redis lock failed", exc_info=True)
            return True

    def _start_renewing(self) -> None:
        self._stop.clear()
        last_ok = time.monotonic()

        def loop() -> None:
            nonlocal last_ok
            while not self._stop.wait(self.ttl_ms / 3000):
                try:
                    renewed = bool(self.redis.eval(_RENEW, 1, self.key, self.token, self.ttl_ms))
                except Exception:  # noqa: BLE001
                    log.warning("renewing the redis lock failed", exc_info=True)
                    if time.monotonic() - last_ok > self.ttl_ms / 1000:
                        self._held.clear()
                        return
                    continue
                if not renewed:
                    log.warning("the redis lock now belongs to another instance")
                    self._held.clear()
                    return
                last_ok = time.monotonic()

        self._thread = threading.Thread(target=loop, name="scheduler-lock-renewal", daemon=True)
        self._thread.start()

    def still_held(self) -> bool:
        if not self._held.is_set():
            return False
        if not self._renew():
            self._held.clear()
            self._stop.set()
        return self._held.is_set()

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._held.is_set():
            with contextlib.suppress(Exception):
                self.redis.eval(_RELEASE, 1, self.key, self.token)
        self._held.clear()
        with contextlib.suppress(Exception):
            self.redis.close()


class FileLock:
    """``flock`` on a file in the instance folder: one scheduler per machine (SQLite development)."""

    kind = "file lock"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> bool:
        import fcntl

        if self.fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, instance_name().encode())
        self.fd = fd
        return True

    def still_held(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        import fcntl

        if self.fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def make_lock(app: Flask) -> LeaderLock:
    """The lock for this deployment: PostgreSQL advisory lock, else Redis, else a file lock."""
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        return PostgresLock(url, connect_timeout=int(app.config["LOKET_DB_CONNECT_TIMEOUT_S"]))
    redis_url = app.config["LOKET_REDIS_URL"]
    if redis_url:
        digest = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
        return RedisLock(
            redis_url, f"loket:scheduler:leader:{digest}", app.config["LOKET_SCHEDULER_LOCK_TTL_S"]
        )
    folder = Path(app.config["LOKET_INSTANCE_DIR"] or app.instance_path)
    return FileLock(folder / "scheduler.lock")


@contextlib.contextmanager
def leading(lock: LeaderLock) -> Iterator[bool]:
    """Try once to lead; yields whether we do; releases the lock at the end."""
    try:
        yield lock.acquire()
    finally:
        lock.release()
