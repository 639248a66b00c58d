"""State changes shared by requests and offers: add, edit in place, and pause/resume/cancel/close.

The callers (``loket.services.requests`` / ``offers``) check permissions and validate first; these
helpers change the row, write the audit log and flush (turning a concurrent update into StaleEdit).
"""

from __future__ import annotations

from typing import Any, TypeVar

from loket.db import db
from loket.labels import STATUS_LABELS
from loket.models import User
from loket.services import ServiceError, audit
from loket.services.activities import rules

T = TypeVar("T")


class _LazyFormat:
    """``message % {"status": label}``, translated each time it is shown."""

    def __init__(self, message: Any, status: Any) -> None:
        self.message, self.status = message, status

    def __str__(self) -> str:
        return str(self.message) % {"status": self.status}


def add(actor: User, obj: T, action: str, status: str) -> T:
    """Add a new request/offer, flush it (so it has an id) and audit its creation."""
    db.session.add(obj)
    rules.flush()
    audit.record(actor, action, obj, to_state=status)
    rules.flush()
    return obj


def apply_edit(actor: User, obj: object, values: dict, action: str) -> list[str]:
    """Set the ``values`` that differ from ``obj``; audit the changed field names (if any)."""
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    for key in changed:
        setattr(obj, key, values[key])
    if changed:
        rules.flush()
        audit.record(actor, action, obj, fields=changed)
        rules.flush()
    return changed


def transition(
    actor: User,
    obj: T,
    allowed_from: tuple[str, ...],
    to: str,
    action: str,
    *,
    refused: Any,
    version_id: int | str | None = None,
    reason: str | None = None,
) -> T:
    """Move ``obj`` to status ``to`` (a no-op if already there) after a version check.

    ``refused`` is the message when the status does not allow it: a lazy translation with a
    ``%(status)s`` placeholder, filled with the status label in the reader's language.
    """
    rules.check_version(obj, version_id)
    before = obj.status  # type: ignore[attr-defined]
    if before == to:
        return obj
    if before not in allowed_from:
        raise ServiceError(_LazyFormat(refused, STATUS_LABELS.get(before, before)))
    obj.status = to  # type: ignore[attr-defined]
    rules.flush()
    audit.record(actor, action, obj, from_state=before, to_state=to, reason=reason)
    rules.flush()
    return obj
