"""Demo decision history, so that ``loket tune-weights`` has something to learn from on a demo
database: for some open requests the engine's best offers were proposed and decided. The demo
managers approve the one or two they like best and reject the others; their taste is a fixed demo
preference (``DEMO_TASTE``: distance counts more than in the engine's defaults) with some noise."""

from __future__ import annotations

import numpy as np

from loket.db import db
from loket.matching.types import FEATURES
from loket.models.matches import APPROVED, REJECTED
from loket.services.matches.proposals import engine_match
from loket.services.matching.adapter import load_inputs
from loket.services.matching.weights import weights_version

#: what the demo managers weigh (the engine does not know this; learning may find it)
DEMO_TASTE = {
    "distance": 0.40,
    "sector": 0.15,
    "topic": 0.20,
    "activity": 0.05,
    "level": 0.05,
    "date": 0.05,
    "equity": 0.10,
}
MAX_REQUESTS = 1000


def seed_decisions(*, seed: int = 2024, per_request: int = 6, share: float = 1.0) -> int:
    """Proposed-and-decided matches for ``share`` of the open requests (at most MAX_REQUESTS);
    returns how many matches were written (flush only)."""
    rng = np.random.default_rng(seed + 14)
    inputs = load_inputs()
    n = min(MAX_REQUESTS, int(len(inputs.requests) * share))
    if n == 0:
        return 0
    picked = [inputs.requests[i] for i in sorted(rng.choice(len(inputs.requests), n, replace=False))]
    lists = inputs.engine.suggest_all(picked, per_request, inputs.excluded)
    version = weights_version(inputs.engine.config)
    taste = np.array([DEMO_TASTE[f] for f in FEATURES])
    written = 0
    for rec in picked:
        found = lists.get(rec.id) or []
        if len(found) < 2:
            continue
        fits = np.array([[s.fits[f] for f in FEATURES] for s in found])
        liked = fits @ taste + rng.normal(0, 0.03, len(found))
        good = set(np.argsort(-liked)[: int(rng.integers(1, 3))].tolist())
        req = inputs.request_rows[rec.id]
        for i, s in enumerate(found):
            status = APPROVED if i in good else REJECTED
            db.session.add(engine_match(s, req, inputs.offer_rows[s.offer_id].id, status, version))
            written += 1
    db.session.flush()
    return written
