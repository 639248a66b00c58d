"""``loket tune-weights``: the decided matches as learning data, the held-out comparison of the
current and the learned weights (``loket.matching.learn``), and storing the learned ones when they
are better by the margin and within the admin's bounds.

Good: approved, accepted, scheduled, or completed without a poor rating (average below 3 of 5).
Bad: rejected or declined. Each decision is the pair's fits when it was proposed (``match.fits``;
older matches have only the score breakdown, whose fits follow from the default weights).
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
from loket.services.matching import weight_sets, weights

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
    """Learn weights from the decisions and compare them with the current ones on held-out requests;
    store them (national only) when better by LOKET_TUNE_MARGIN, unless ``dry_run``."""
    cfg = current_app.config
    need = int(min_decisions if min_decisions is not None else cfg["LOKET_TUNE_MIN_DECISIONS"])
    current = weights.active_set()
    current_weights = weights.match_config().weights
    result = tune(
        decisions(cluster_id),
        current_weights,
        bounds=weights.bounds(),
        min_decisions=need,
        margin=float(cfg["LOKET_TUNE_MARGIN"]),
    )
    report: dict[str, Any] = {
        "scope": "national" if cluster_id is None else f"cluster {cluster_id}",
        "current_version": current.version if current is not None else "default",
        **result.as_json(),
        "bounds": {n: list(b) for n, b in weights.bounds().items()},
        "margin": float(cfg["LOKET_TUNE_MARGIN"]),
        "stored": None,
    }
    if result.better and result.learned is not None and not dry_run:
        if cluster_id is not None:
            report["why"] += "; per cluster alleen gemeld (de opgeslagen lijsten gebruiken één set gewichten)"
        else:
            ws = weight_sets.store(result.learned, {k: v for k, v in report.items() if k != "stored"}, actor)
            report["stored"] = {"id": ws.id, "version": ws.version}
    return report
