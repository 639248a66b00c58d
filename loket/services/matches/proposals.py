"""Store the engine's proposals: ``loket match`` ranks (or assigns) open requests and offers and
adds each new pair as a ``proposed`` match for the cluster managers to approve."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from flask import current_app

from loket.db import db
from loket.matching import Suggestion, assign, greedy_assign
from loket.models import Match
from loket.models.matches import PROPOSED
from loket.services import audit
from loket.services.matches.recipients import deciders
from loket.services.matching import cluster_weights
from loket.services.matching.adapter import (
    ASSIGN_CANDIDATES,
    Inputs,
    Progress,
    Row,
    find_request,
    load_inputs,
)
from loket.services.notifications.inbox import notify


@dataclass
class MatchRun:
    """What ``run_matching`` did: the suggestions (or chosen pairs) and what was stored."""

    suggestions: list[Suggestion]
    created: int = 0
    existing: int = 0
    requests: int = 0
    offers: int = 0
    skipped: list[str] = field(default_factory=list)
    assignment_total: float | None = None
    assignment_unmatched: int | None = None
    greedy_total: float | None = None
    greedy_unmatched: int | None = None
    public: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict, repr=False)
    #: seconds per phase: load (database to records), index (engine), score (every request's top-K),
    #: assign (optimal and greedy, with --assign), write (ids shown, proposals stored)
    timings: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> list[dict]:
        """The suggestions in the DOMAIN.md shape, with external ids."""
        out = []
        for s in self.suggestions:
            doc = s.to_json()
            key = (s.request_id, s.offer_id)
            doc["request"], doc["offer"] = self.public.get(key, key)
            out.append(doc)
        return out


def run_matching(
    top_k: int = 10,
    *,
    assign_pairs: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    request_id: str | int | None = None,
) -> MatchRun:
    """Suggest ``top_k`` offers per open request (or for one request), or with ``assign_pairs`` choose
    the optimal assignment (each request once, offers within capacity) beside greedy's; unless
    ``dry_run``, store each new pair as a ``proposed`` match with an audit event (flush, no commit)."""
    ids = [find_request(request_id).id] if request_id is not None else None
    inputs = load_inputs(ids)
    width = max(top_k, ASSIGN_CANDIDATES) if assign_pairs else top_k
    t0 = time.perf_counter()
    workers = current_app.config["LOKET_MATCH_WORKERS"] or None
    weighting = cluster_weights.load()
    engines = cluster_weights.Engines(inputs.engine.offers, weighting, national=inputs.engine)
    # with --assign only the chosen pairs need their reasons: they are made after the assignment
    lists = engines.suggest_all(
        inputs.requests, width, inputs.excluded, progress=progress, workers=workers, reasons=not assign_pairs
    )
    run = MatchRun(
        [], requests=len(inputs.requests), offers=len(inputs.engine.offers), skipped=inputs.skipped
    )
    run.timings = {**inputs.timings, "score": time.perf_counter() - t0}
    t0 = time.perf_counter()
    if assign_pairs:
        cap = inputs.engine.capacities()
        best, greedy = assign(lists, cap), greedy_assign(lists, cap)
        engines.fill_reasons(best.pairs)
        run.suggestions = sorted(best.pairs, key=lambda s: (s.request_id, s.rank))
        run.assignment_total, run.assignment_unmatched = best.total, len(best.unmatched)
        run.greedy_total, run.greedy_unmatched = greedy.total, len(greedy.unmatched)
        run.timings["assign"] = time.perf_counter() - t0
        t0 = time.perf_counter()
    else:
        run.suggestions = [s for r in inputs.requests for s in lists.get(r.id, [])]
    run.public = {
        (s.request_id, s.offer_id): (
            inputs.request_rows[s.request_id].public,
            inputs.offer_rows[s.offer_id].public,
        )
        for s in run.suggestions
    }
    if not dry_run:
        run.created, run.existing = _store(inputs, run.suggestions, weighting)
    run.timings["write"] = time.perf_counter() - t0
    return run


def engine_match(s: Suggestion, req: Row, offer_id: int, status: str, version: str) -> Match:
    """A (not yet added) match of the engine for suggestion ``s``: ``req`` is the request's loaded row
    (its id and cluster), ``status`` the match's state, ``version`` the scoring set's weights_version."""
    return Match(
        request_id=req.id,
        offer_id=offer_id,
        cluster_id=req.cluster_id,
        status=status,
        score=round(s.score, 6),
        distance_km=None if s.distance_km is None else round(s.distance_km, 3),
        mode=s.mode,
        breakdown={k: round(v, 6) for k, v in s.contributions.items()},
        reasons=[dict(r) for r in s.reasons],
        fits={k: round(v, 6) for k, v in s.fits.items()},
        weights_version=version,
        proposed_by="engine",
    )


def _store(
    inputs: Inputs, suggestions: list[Suggestion], weighting: cluster_weights.Weighting
) -> tuple[int, int]:
    """Add a proposed Match per new pair (flush) and an audit event each, recording the weights
    version that scored it (its request's cluster set, or the national set); return (created, existing)."""
    created: list[Match] = []
    existing = 0
    seen = set(inputs.existing)
    for s in suggestions:
        req = inputs.request_rows[s.request_id]
        offer = inputs.offer_rows[s.offer_id]
        if (req.id, offer.id) in seen:
            existing += 1
            continue
        seen.add((req.id, offer.id))
        match = engine_match(s, req, offer.id, PROPOSED, weighting.version_of(s.request_id))
        db.session.add(match)
        created.append(match)
    db.session.flush()
    for m in created:
        audit.record(None, "propose", m, from_state=None, to_state=PROPOSED, source="engine", score=m.score)
    db.session.flush()
    _tell_deciders(created)
    return len(created), existing


def _tell_deciders(created: list[Match]) -> None:
    """One notification per cluster (not per pair) to the managers, or admins, who must approve."""
    by_cluster: dict[int | None, list[Match]] = {}
    for m in created:
        by_cluster.setdefault(m.cluster_id, []).append(m)
    for cluster_id, matches in sorted(by_cluster.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
        n = len(matches)
        where = f" in {matches[0].cluster.name}" if cluster_id is not None and matches[0].cluster else ""
        link = "/cluster/goedkeuren" + (f"?cluster={cluster_id}" if cluster_id is not None else "")
        what = f"{n} nieuwe voorstellen" if n != 1 else "1 nieuw voorstel"
        verb = "wachten" if n != 1 else "wacht"
        notify(
            deciders(matches[0]),
            "engine_proposals",
            f"{what} van de matchmaker{where} {verb} op je goedkeuring.",
            link,
        )
