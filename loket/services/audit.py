"""Write audit events (who did what to which object, when, from which state to which, why)."""

from __future__ import annotations

from typing import Any

from loket.db import db
from loket.models import AuditEvent, User


def record(
    actor: User | None,
    action: str,
    obj: Any,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    **data: Any,
) -> AuditEvent:
    """Add an audit event for ``obj`` (any model with an ``id``) in the current transaction."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__tablename__ if hasattr(type(obj), "__tablename__") else type(obj).__name__,
        object_id=getattr(obj, "id", None),
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data,
    )
    db.session.add(event)
    return event
