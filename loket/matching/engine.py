"""The matching engine: candidate search (BallTree), vectorised filters/scores, ranking, explanations."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from numpy.typing import NDArray
from sklearn.neighbors import BallTree

from loket.geo.distance import EARTH_RADIUS_KM, haversine_km
from loket.matching.encode import AT_COMPANY, AT_SCHOOL, ONLINE, PHYSICAL, Table, Vocab, encode
from loket.matching.features import MODE_CODES, Checks, Fits, check, fits
from loket.matching.reasons import failures, reasons
from loket.matching.types import (
    Explanation,
    MatchConfig,
    MatchInputError,
    OfferRecord,
    RequestRecord,
    Suggestion,
)

Excluded = Iterable[tuple[str, str]]
Progress = Callable[[int, int], None]
_SLACK_KM = 0.05  # the tree query is widened a little; exact distances are filtered afterwards


class Engine:
    """Ranks offers for requests (and requests for an offer) over one fixed set of offers.

    The offers are encoded and indexed once (a haversine BallTree per activity type over the offers that
    can still be matched); every query then works on numpy arrays of its candidates only.
    """

    def __init__(self, offers: Sequence[OfferRecord], config: MatchConfig | None = None) -> None:
        from loket.matching.topic import TopicModel

        self.config = config or MatchConfig()
        self.vocab = Vocab.load()
        self.offers = list(offers)
        self._pos: dict[str, int] = {}
        for i, o in enumerate(self.offers):
            if o.id in self._pos:
                raise MatchInputError("aanbod", o.id, "komt meer dan eens voor")
            self._pos[o.id] = i
        self.table: Table = encode(self.offers, self.vocab)
        order = sorted(range(len(self.offers)), key=lambda i: self.offers[i].id)
        self._id_rank = np.empty(len(self.offers), dtype=np.int64)
        self._id_rank[order] = np.arange(len(self.offers))
        self.topics = TopicModel([o.topic or "" for o in self.offers])
        t = self.table
        matchable = t.active & (t.cap_left > 0)
        self._trees: dict[int, tuple[BallTree, NDArray[np.intp], float]] = {}
        self._online: dict[int, NDArray[np.intp]] = {}
        for a in range(len(self.vocab.activities)):
            base = matchable & (t.act == a)
            phys = np.flatnonzero(base & ((t.modes & PHYSICAL) != 0))
            if len(phys):
                pts = np.radians(np.column_stack([t.lat[phys], t.lon[phys]]))
                self._trees[a] = (BallTree(pts, metric="haversine"), phys, float(t.reach[phys].max()))
            self._online[a] = np.flatnonzero(base & ((t.modes & ONLINE) != 0))
        act_n = len(self.vocab.activities)
        self._compatible: list[list[tuple[int, int]]] = [
            [
                (b, int(self.vocab.compat_modes[a, b]))
                for b in range(act_n)
                if self.vocab.compat_kind[a, b] > 0
            ]
            for a in range(act_n)
        ]

    def capacities(self) -> dict[str, int]:
        """Offer id -> remaining capacity of the matchable offers (input for :func:`assign`)."""
        t = self.table
        return {o.id: int(t.cap_left[i]) if t.active[i] else 0 for i, o in enumerate(self.offers)}

    # ------------------------------------------------------------------ offers for one request
    def suggest(
        self, request: RequestRecord, top_k: int = 10, excluded: Excluded = frozenset()
    ) -> list[Suggestion]:
        """The ``top_k`` best feasible offers for ``request``, best first ([] when none is feasible)."""
        rq = encode([request], self.vocab)
        excl = [self._pos[o] for r, o in excluded if r == request.id and o in self._pos]
        return self._suggest(rq, request, top_k, np.asarray(excl, dtype=np.intp))

    def suggest_all(
        self,
        requests: Sequence[RequestRecord],
        top_k: int = 10,
        excluded: Excluded = frozenset(),
        progress: Progress | None = None,
    ) -> dict[str, list[Suggestion]]:
        """:meth:`suggest` for every request; ``progress(done, total)`` is called now and then."""
        table = encode(requests, self.vocab)  # validates all before any work
        by_req: dict[str, list[int]] = {}
        for r, o in excluded:
            if o in self._pos:
                by_req.setdefault(r, []).append(self._pos[o])
        out: dict[str, list[Suggestion]] = {}
        total = len(requests)
        step = max(1, total // 100)
        empty = np.zeros(0, dtype=np.intp)
        for i, req in enumerate(requests):
            rq = table.take(np.array([i]))
            ex = np.asarray(by_req[req.id], dtype=np.intp) if req.id in by_req else empty
            out[req.id] = self._suggest(rq, req, top_k, ex)
            if progress is not None and ((i + 1) % step == 0 or i + 1 == total):
                progress(i + 1, total)
        return out

    def explain(self, request: RequestRecord, offer_id: str, excluded: Excluded = frozenset()) -> Explanation:
        """Which hard filters the pair fails (Dutch), or its suggestion with its rank among all feasible."""
        if offer_id not in self._pos:
            raise MatchInputError("aanbod", offer_id, "onbekend aanbod")
        rq = encode([request], self.vocab)
        j = self._pos[offer_id]
        idx = np.array([j], dtype=np.intp)
        of = self.table.take(idx)
        d = haversine_km(rq.lat, rq.lon, of.lat, of.lon)
        ch = check(rq, of, d, self.vocab)
        ok = {k: bool(v[0]) for k, v in ch.ok.items()}
        excl = {(r, o) for r, o in excluded if r == request.id}
        ok["excluded"] = (request.id, offer_id) not in excl
        failed = failures(
            ok,
            distance_km=float(d[0]),
            shared=int(ch.shared[0]),
            radius_km=float(of.reach[0]),
            travel_km=float(rq.reach[0]),
        )
        if failed:
            return Explanation(False, failed, None)
        ranked = self._suggest(
            rq, request, None, np.asarray([self._pos[o] for _, o in excl if o in self._pos])
        )
        for s in ranked:
            if s.offer_id == offer_id:
                return Explanation(True, [], s)
        raise AssertionError(
            f"feasible pair {request.id}/{offer_id} missing from the ranking"
        )  # pragma: no cover

    # ------------------------------------------------------------------ requests for one offer
    def rank_requests(
        self,
        offer: OfferRecord,
        requests: Sequence[RequestRecord],
        top_k: int = 10,
        excluded: Excluded = frozenset(),
    ) -> list[Suggestion]:
        """The ``top_k`` best feasible requests for one offer (a company's view), vectorised over requests."""
        of = encode([offer], self.vocab)
        rt = encode(requests, self.vocab)
        if not requests:
            return []
        d = haversine_km(rt.lat, rt.lon, of.lat, of.lon)
        ch = check(rt, of, d, self.vocab)
        feasible = ch.feasible.copy()
        excl = {r for r, o in excluded if o == offer.id}
        if excl:
            feasible &= ~np.fromiter((r.id in excl for r in requests), dtype=np.bool_, count=len(requests))
        idx = np.flatnonzero(feasible)
        if not len(idx):
            return []
        q = self.topics.vectorise([requests[i].topic or "" for i in idx])
        sim = self.topics.similarity_rows(q, self.topics.vectorise([offer.topic or ""]))
        sub = rt.take(idx)
        sub_ch = ch.subset(idx)
        ft = fits(sub, of, d[idx], sim, sub_ch, self.config)
        ids = [requests[i].id for i in idx]
        id_order = np.argsort(np.argsort(np.array(ids, dtype=object), kind="stable"), kind="stable")
        order = _top(ft.score, id_order, top_k)
        out = []
        for rank, k in enumerate(order, start=1):
            req = requests[idx[k]]
            out.append(
                self._make(
                    req.id,
                    offer.id,
                    rank,
                    ft,
                    int(k),
                    float(d[idx[k]]),
                    float(sim[k]),
                    sub_ch,
                    sub,
                    of,
                    offer_topic=offer.topic or "",
                    req_row=int(k),
                    off_row=0,
                )
            )
        return out

    # ------------------------------------------------------------------ internals
    def _candidates(self, rq: Table) -> NDArray[np.intp]:
        """Offer rows that might be feasible for the single request ``rq`` (activity, mode and reach)."""
        a = int(rq.act[0])
        rmodes = int(rq.modes[0])
        parts: list[NDArray[np.intp]] = []
        for b, allowed in self._compatible[a]:
            m = rmodes & allowed
            if m & PHYSICAL and b in self._trees:
                tree, rows, max_radius = self._trees[b]
                reach = max(
                    float(rq.reach[0]) if m & AT_COMPANY else 0.0, max_radius if m & AT_SCHOOL else 0.0
                )
                r = (reach + _SLACK_KM) / EARTH_RADIUS_KM
                pt = np.radians([[rq.lat[0], rq.lon[0]]])
                parts.append(rows[tree.query_radius(pt, r=r)[0]])
            if m & ONLINE and len(self._online.get(b, ())):
                parts.append(self._online[b])
        if not parts:
            return np.zeros(0, dtype=np.intp)
        return np.unique(np.concatenate(parts))

    def _suggest(
        self, rq: Table, req: RequestRecord, top_k: int | None, excl: NDArray[np.intp]
    ) -> list[Suggestion]:
        cand = self._candidates(rq)
        if len(excl) and len(cand):
            cand = cand[~np.isin(cand, excl)]
        if not len(cand):
            return []
        of = self.table.take(cand)
        d = haversine_km(rq.lat, rq.lon, of.lat, of.lon)
        ch = check(rq, of, d, self.vocab)
        keep = np.flatnonzero(ch.feasible)
        if not len(keep):
            return []
        rows = cand[keep]
        sub_of = of.take(keep)
        sub_ch = ch.subset(keep)
        dk = d[keep]
        sim = self.topics.similarity(self.topics.vectorise([req.topic or ""]), rows)
        ft = fits(rq, sub_of, dk, sim, sub_ch, self.config)
        order = _top(ft.score, self._id_rank[rows], top_k)
        return [
            self._make(
                req.id,
                self.offers[rows[k]].id,
                rank,
                ft,
                int(k),
                float(dk[k]),
                float(sim[k]),
                sub_ch,
                rq,
                sub_of,
                offer_topic=self.offers[rows[k]].topic or "",
                req_row=0,
                off_row=int(k),
            )
            for rank, k in enumerate(order, start=1)
        ]

    def _make(
        self,
        req_id: str,
        offer_id: str,
        rank: int,
        ft: Fits,
        k: int,
        dist: float,
        sim: float,
        ch: Checks,
        rq: Table,
        of: Table,
        *,
        offer_topic: str,
        req_row: int,
        off_row: int,
    ) -> Suggestion:
        mode = MODE_CODES[int(ft.mode[k])]
        dist_km = dist if math.isfinite(dist) else None
        return Suggestion(
            request_id=req_id,
            offer_id=offer_id,
            rank=rank,
            score=float(ft.score[k]),
            distance_km=dist_km,
            mode=mode,
            contributions=ft.contributions(k, self.config),
            reasons=reasons(
                self.vocab,
                self.config,
                mode=mode,
                distance_km=dist_km,
                req_sect=int(rq.sect[req_row]),
                req_rel=int(rq.sect_rel[req_row]),
                off_sect=int(of.sect[off_row]),
                req_lvl=int(rq.lvl[req_row]),
                off_lvl_x=int(of.lvl_x[off_row]),
                kind=int(ch.kind[k]),
                offer_activity=int(of.act[off_row]),
                topic_sim=sim,
                offer_topic=offer_topic,
                acts_year=int(rq.acts_year[req_row]),
            ),
        )


def _top(score: NDArray[np.float64], tiebreak: NDArray[np.int64], top_k: int | None) -> NDArray[np.intp]:
    """Indices of the best ``top_k`` scores, best first; ties broken by ``tiebreak`` (ascending)."""
    n = len(score)
    if top_k is not None and top_k <= 0:
        return np.zeros(0, dtype=np.intp)
    idx = np.arange(n)
    if top_k is not None and n > 2 * top_k:
        kth = np.partition(score, n - top_k)[n - top_k]
        idx = np.flatnonzero(score >= kth)
    order = idx[np.lexsort((tiebreak[idx], -score[idx]))]
    return order if top_k is None else order[:top_k]
