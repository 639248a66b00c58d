"""Storing learned weights (national, or one cluster's) and undoing them (admins). A change of the
national set changes every row's ``weights_version``, so every stored list is recomputed
(``touch(everything=True)``); a change of a cluster's set touches only that cluster's open requests,
whose pairs are then worked into the offers' lists (``incremental``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from loket.db import db, utcnow
from loket.matching.types import FEATURES
from loket.models import Cluster, Organisation, Request, User, WeightSet
from loket.models.activities import REQ_OPEN
from loket.services import NotFound, ServiceError, audit, policies
from loket.services.matching.dirty import touch
from loket.services.matching.weights import active_set, bounds, config_for, match_config, weights_version


def _touch_scope(cluster_id: int | None) -> None:
    """Mark stale the lists a change of this scope's weights affects."""
    if cluster_id is None:
        touch(everything=True)
        return
    ids = db.session.scalars(
        select(Request.id)
        .join(Organisation, Organisation.id == Request.organisation_id)
        .where(Organisation.cluster_id == cluster_id, Request.status == REQ_OPEN)
    )
    touch(requests=list(ids))


def membership_changed(org_ids: list[int] | None) -> None:
    """Organisations moved between clusters (``None``: possibly all): while any cluster has its own
    set, their requests may now be scored by other weights, so their lists are marked stale."""
    if db.session.scalar(select(WeightSet.id).where(WeightSet.cluster_id.is_not(None)).limit(1)) is None:
        return
    if org_ids is None:
        touch(everything=True)
    else:
        touch(orgs=org_ids)


def store(
    weights: dict[str, float], report: dict[str, Any], actor: User | None, cluster_id: int | None = None
) -> WeightSet:
    """Store learned weights, national or for ``cluster_id`` (they take effect at once)."""
    for n, (lo, hi) in bounds().items():
        if not lo - 1e-9 <= weights[n] <= hi + 1e-9:
            raise ServiceError(f"Gewicht {n} = {weights[n]:.3f} ligt buiten de grenzen {lo}..{hi}.")
    if cluster_id is not None and db.session.get(Cluster, cluster_id) is None:
        raise NotFound(_l("Dit cluster bestaat niet."))
    kept = {n: round(float(weights[n]), 6) for n in FEATURES}  # what is stored is what scores
    ws = WeightSet(
        version=weights_version(config_for(kept)),
        weights=kept,
        cluster_id=cluster_id,
        report=report,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(ws)
    db.session.flush()
    audit.record(actor, "store_weights", ws, version=ws.version, cluster_id=cluster_id)
    _touch_scope(cluster_id)
    return ws


def history(cluster_id: int | None = None, limit: int = 50) -> list[WeightSet]:
    """The stored weight sets of one scope (national with None), newest first."""
    scope = WeightSet.cluster_id.is_(None) if cluster_id is None else WeightSet.cluster_id == cluster_id
    return list(
        db.session.scalars(
            select(WeightSet)
            .where(scope)
            .order_by(WeightSet.created_at.desc(), WeightSet.id.desc())
            .limit(limit)
        )
    )


def clusters_with_sets() -> list[Cluster]:
    """The clusters that have stored weight sets (undone ones too), by name."""
    ids = select(WeightSet.cluster_id).where(WeightSet.cluster_id.is_not(None)).distinct()
    return list(
        db.session.scalars(select(Cluster).where(Cluster.id.in_(ids)).order_by(Cluster.name, Cluster.id))
    )


def undo(actor: User, set_id: int) -> WeightSet:
    """Undo a stored weight set (admins): the one before it of the same scope, or else the national
    set (for a cluster) or the defaults, apply again."""
    policies.require(policies.is_admin(actor))
    ws = db.session.get(WeightSet, set_id)
    if ws is None:
        raise NotFound(_l("Deze gewichten bestaan niet."))
    if ws.undone_at is not None:
        raise ServiceError(_l("Deze gewichten zijn al teruggedraaid."))
    ws.undone_at = utcnow()
    ws.undone_by_id = actor.id
    db.session.flush()
    audit.record(actor, "undo_weights", ws, version=ws.version, cluster_id=ws.cluster_id)
    _touch_scope(ws.cluster_id)
    return ws


@dataclass
class Scope:
    """The weights of one scope for the admin page: national (``cluster`` None) or one cluster's."""

    cluster: Cluster | None
    active: WeightSet | None  # the set in force (None: the national set / the defaults apply)
    weights: dict[str, float]  # the weights that score this scope's requests now
    sets: list[WeightSet] = field(default_factory=list)  # newest first


@dataclass
class Overview:
    """Everything ``/beheer/gewichten`` shows."""

    defaults: dict[str, float]
    national: Scope
    clusters: list[Scope]
    bounds: dict[str, tuple[float, float]]


def overview(actor: User) -> Overview:
    """The national set and each cluster's sets with their reports, and the bounds (admins)."""
    policies.require(policies.is_admin(actor))
    national = Scope(None, active_set(), match_config().weights, history())
    clusters = []
    for c in clusters_with_sets():
        sets = history(c.id)
        own = next((ws for ws in sets if ws.undone_at is None), None)
        weights = config_for(own.weights).weights if own is not None else national.weights
        clusters.append(Scope(c, own, weights, sets))
    return Overview(config_for(None).weights, national, clusters, bounds())
