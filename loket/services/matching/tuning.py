"""``loket tune-weights``: the decided matches as learning data, the held-out comparison of the
current and the learned weights (``loket.matching.learn``), and storing the learned ones when they
are better by the margin and within the admin's bounds.

Good: approved, accepted, scheduled, or completed without a poor rating (average below 3 of 5).
Bad: rejected or declined. Each decision is the pair's fits when it was proposed (``match.fits``;
older matches have only the score breakdown, whose fits follow from the default weights).
A cluster's run learns from that cluster's decisions and stores the cluster's own set
(``cluster_weights`` applies it to the cluster's requests); the national run also runs every
cluster with enough decisions of its own.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import func, select

from loket.db import db
from loket.matching.learn import Decision, tune
from loket.matching.types import FEATURES
from loket.models import Match, MatchFeedback, User
from loket.models.matches import ACCEPTED, APPROVED, COMPLETED, DECLINED, REJECTED, SCHEDULED
from loket.services.matching import cluster_weights, weight_sets, weights

GOOD = (APPROVED, ACCEPTED, SCHEDULED, COMPLETED)
BAD = (REJECTED, DECLINED)
POOR_RATING = 3.0


def decisions(cluster_id: int | None = None) -> list[Decision]:
    """The decided matches (of one cluster, or all) as learning data, grouped by request."""
    ratings = (
        select(MatchFeedback.match_id, func.avg(MatchFeedback.rating).label("avg"))
        .group_by(MatchFeedback.match_id)
        .subquery()
    )
    q = (
        select(Match.request_id, Match.status, Match.fits, Match.breakdown, ratings.c.avg)
        .outerjoin(ratings, ratings.c.match_id == Match.id)
        .where(Match.status.in_(GOOD + BAD))
        .order_by(Match.id)
    )
    if cluster_id is not None:
        q = q.where(Match.cluster_id == cluster_id)
    defaults = weights.config_for(None).weights
    out: list[Decision] = []
    for request_id, status, fits, breakdown, avg in db.session.execute(q):
        if status == COMPLETED and avg is not None and float(avg) < POOR_RATING:
            good = False
        else:
            good = status in GOOD
        pair = _fits(fits, breakdown, defaults)
        if pair is not None:
            out.append(Decision(pair, good, str(request_id)))
    return out


def _fits(fits: Any, breakdown: Any, defaults: dict[str, float]) -> dict[str, float] | None:
    if isinstance(fits, dict) and all(n in fits for n in FEATURES):
        return {n: float(fits[n]) for n in FEATURES}
    if isinstance(breakdown, dict) and all(n in breakdown for n in FEATURES):
        return {n: min(1.0, float(breakdown[n]) / defaults[n]) if defaults[n] else 0.0 for n in FEATURES}
    return None


def tune_weights(
    *,
    cluster_id: int | None = None,
    min_decisions: int | None = None,
    dry_run: bool = False,
    actor: User | None = None,
) -> dict[str, Any]:
    """Learn weights from the decisions and compare them with the ones in force on held-out requests;
    store them when better by LOKET_TUNE_MARGIN and within the admin's bounds, unless ``dry_run``.

    With ``cluster_id``: that cluster's decisions against the weights that score its requests now
    (its own set, else the national one), stored as the cluster's set. Without: the national set
    from every decision, and then each cluster with at least ``min_decisions`` decisions of its own
    as above (``clusters`` in the report; clusters with fewer keep the national weights)."""
    cfg = current_app.config
    need = int(min_decisions if min_decisions is not None else cfg["LOKET_TUNE_MIN_DECISIONS"])
    report = _tune_scope(cluster_id, need, dry_run, actor)
    if cluster_id is None:
        report["clusters"] = [
            _tune_scope(cid, need, dry_run, actor) if n >= need else _too_few(cid, n, need)
            for cid, n in _decisions_per_cluster()
        ]
    return report


def _tune_scope(cluster_id: int | None, need: int, dry_run: bool, actor: User | None) -> dict[str, Any]:
    """One scope's comparison (national with None) and, when better and not ``dry_run``, its set stored."""
    cfg = current_app.config
    own = cluster_weights.active_cluster_set(cluster_id) if cluster_id is not None else None
    current = own if own is not None else weights.active_set()
    in_force = weights.config_for(current.weights if current is not None else None)  # config_for_cluster
    admin_bounds = weights.bounds()
    result = tune(
        decisions(cluster_id),
        in_force.weights,
        bounds=admin_bounds,
        min_decisions=need,
        margin=float(cfg["LOKET_TUNE_MARGIN"]),
    )
    report: dict[str, Any] = {
        "scope": "national" if cluster_id is None else f"cluster {cluster_id}",
        "cluster_id": cluster_id,
        "current_version": current.version if current is not None else "default",
        "current_source": "cluster"
        if own is not None
        else ("national" if current is not None else "default"),
        **result.as_json(),
        "bounds": {n: list(b) for n, b in admin_bounds.items()},
        "margin": float(cfg["LOKET_TUNE_MARGIN"]),
        "stored": None,
    }
    if result.better and result.learned is not None and not dry_run:
        saved = {k: v for k, v in report.items() if k != "stored"}
        ws = weight_sets.store(result.learned, saved, actor, cluster_id=cluster_id)
        report["stored"] = {"id": ws.id, "version": ws.version}
    elif result.better and dry_run:
        report["why"] += "; proefrun: niet bewaard"
    return report


def _too_few(cluster_id: int, n: int, need: int) -> dict[str, Any]:
    return {
        "scope": f"cluster {cluster_id}",
        "cluster_id": cluster_id,
        "decisions": n,
        "better": False,
        "learned": None,
        "why": f"te weinig beslissingen: {n} < {need}; de landelijke gewichten gelden hier",
        "stored": None,
    }


def _decisions_per_cluster() -> list[tuple[int, int]]:
    """(cluster id, decided matches) of every cluster with decisions, by id."""
    q = (
        select(Match.cluster_id, func.count())
        .where(Match.status.in_(GOOD + BAD), Match.cluster_id.is_not(None))
        .group_by(Match.cluster_id)
        .order_by(Match.cluster_id)
    )
    return [(int(c), int(n)) for c, n in db.session.execute(q)]
