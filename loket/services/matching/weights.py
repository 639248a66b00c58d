"""Which feature weights the engine uses: the newest national weight set not undone, else the
defaults; and the ``weights_version`` that stored rows carry (it changes with the weights, so a
change of weights makes every stored list stale). Storing and undoing sets: ``weight_sets``."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, replace

from flask import current_app
from sqlalchemy import select

from loket.db import db
from loket.matching import MatchConfig
from loket.matching.types import FEATURES
from loket.models import WeightBound, WeightSet

#: version of the scoring code; with a digest of MatchConfig it forms the rows' ``weights_version``
SCORE_VERSION = "2"


def active_set() -> WeightSet | None:
    """The national weight set in force (newest not undone), or None for the defaults."""
    return db.session.scalar(
        select(WeightSet)
        .where(WeightSet.cluster_id.is_(None), WeightSet.undone_at.is_(None))
        .order_by(WeightSet.created_at.desc(), WeightSet.id.desc())
        .limit(1)
    )


def config_for(weights: dict[str, float] | None) -> MatchConfig:
    """The engine's configuration with ``weights`` (feature -> weight; None: the defaults)."""
    if not weights:
        return MatchConfig()
    return replace(MatchConfig(), **{f"w_{n}": float(weights[n]) for n in FEATURES})


def match_config() -> MatchConfig:
    """The configuration the engine runs with now (the active national weights)."""
    ws = active_set()
    return config_for(ws.weights if ws is not None else None)


def default_bounds() -> dict[str, tuple[float, float]]:
    """The configured bounds (LOKET_WEIGHT_MIN .. LOKET_WEIGHT_MAX, the same for every feature)."""
    lo = float(current_app.config["LOKET_WEIGHT_MIN"])
    hi = float(current_app.config["LOKET_WEIGHT_MAX"])
    return {n: (lo, hi) for n in FEATURES}


def bounds() -> dict[str, tuple[float, float]]:
    """The admin's bounds on each normalised weight: the stored ones (``weight_bound``, set on
    ``/beheer/gewichten``), the configured ones for a feature without a row."""
    out = default_bounds()
    for b in db.session.scalars(select(WeightBound)):
        if b.feature in out:
            out[b.feature] = (float(b.lo), float(b.hi))
    return out


def weights_version(config: MatchConfig | None = None) -> str:
    """``v<SCORE_VERSION>-<digest of the weights and constants>``: changes whenever scores may
    (without ``config``: the configuration in force)."""
    cfg = asdict(config or match_config())
    digest = hashlib.sha1(repr(sorted(cfg.items())).encode()).hexdigest()[:8]
    return f"v{SCORE_VERSION}-{digest}"
