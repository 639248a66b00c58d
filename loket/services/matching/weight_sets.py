"""Storing learned national weights and undoing them (admins). A change of weights changes the
rows' ``weights_version``, so every stored list is recomputed (``touch(everything=True)``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from loket.db import db, utcnow
from loket.matching.types import FEATURES
from loket.models import User, WeightSet
from loket.services import NotFound, ServiceError, audit, policies
from loket.services.matching.dirty import touch
from loket.services.matching.weights import bounds, config_for, weights_version


def store(weights: dict[str, float], report: dict[str, Any], actor: User | None) -> WeightSet:
    """Store learned national weights (they take effect at once; every list is recomputed)."""
    for n, (lo, hi) in bounds().items():
        if not lo - 1e-9 <= weights[n] <= hi + 1e-9:
            raise ServiceError(f"Gewicht {n} = {weights[n]:.3f} ligt buiten de grenzen {lo}..{hi}.")
    ws = WeightSet(
        version=weights_version(config_for(weights)),
        weights={n: round(float(weights[n]), 6) for n in FEATURES},
        cluster_id=None,
        report=report,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(ws)
    db.session.flush()
    audit.record(actor, "store_weights", ws, version=ws.version)
    touch(everything=True)
    return ws


def history(limit: int = 50) -> list[WeightSet]:
    """The stored national weight sets, newest first."""
    return list(
        db.session.scalars(
            select(WeightSet)
            .where(WeightSet.cluster_id.is_(None))
            .order_by(WeightSet.created_at.desc(), WeightSet.id.desc())
            .limit(limit)
        )
    )


def undo(actor: User, set_id: int) -> WeightSet:
    """Undo a stored weight set (admins): the one before it, or the defaults, apply again."""
    policies.require(policies.is_admin(actor))
    ws = db.session.get(WeightSet, set_id)
    if ws is None or ws.cluster_id is not None:
        raise NotFound("Deze gewichten bestaan niet.")
    if ws.undone_at is not None:
        raise ServiceError("Deze gewichten zijn al teruggedraaid.")
    ws.undone_at = utcnow()
    ws.undone_by_id = actor.id
    db.session.flush()
    audit.record(actor, "undo_weights", ws, version=ws.version)
    touch(everything=True)
    return ws
