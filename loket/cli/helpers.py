"""Shared pieces of the commands: one commit per command, JSON on stdout, progress on stderr."""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

from loket.db import db


def transactional(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Commit once after the command body; roll back on error; then send queued email and get the
    suggestion lists it made stale recomputed (loket.services.matching.dirty)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        from loket.mail.delivery import deliver_after_commit
        from loket.services.matching.dirty import refresh_after_commit

        deliver_after_commit()
        refresh_after_commit()
        return result

    return wrapper


def echo_json(data: Any) -> None:
    """Print JSON (only) on stdout."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def echo_json_rows(rows: list[Any]) -> None:
    """Print a JSON array (only) on stdout, one compact row per line: the C encoder, one write (a
    100,000-row `loket match --json` in about a second instead of many with ``indent``)."""
    dumps = json.JSONEncoder(ensure_ascii=False, default=str).encode
    body = ",\n".join(dumps(r) for r in rows)
    click.echo(f"[\n{body}\n]" if rows else "[]")


def progress(label: str, total: int):
    """A progress bar on stderr (click), usable as a context manager with ``.update(n)``."""
    return click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True, show_eta=True)


@contextlib.contextmanager
def counting_progress(label: str, min_total: int = 0) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing a bar on stderr once the total is known (and at
    least ``min_total``); the bar is closed when the block ends."""
    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if total < max(1, min_total):
            return
        if bar is None:
            bar = progress(label, total).__enter__()
        bar.update(done - bar.pos)

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def parse_now(value: str | None):
    """``--now`` as an ISO date/time (UTC when no zone is given); None means now."""
    if not value:
        return None
    from datetime import UTC, datetime

    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"geen geldige ISO-datum/tijd: {value!r} (bijv. 2026-09-01T06:00)") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


@contextlib.contextmanager
def without_cycle_collector() -> Iterator[None]:
    """Run a batch command's work with Python's cycle collector off (objects are still freed by
    reference counting); it is switched on again afterwards."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # what the batch built is left to reference counting too (the final collection at exit would
        # otherwise walk it all once more)
        gc.freeze()
        if was_on:
            gc.enable()
