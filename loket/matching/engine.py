"""The matching engine: candidate search (great-circle trees), vectorised filters, scores, ranking."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date

import numpy as np
from numpy.typing import NDArray

from loket.geo.distance import EARTH_RADIUS_KM, haversine_km
from loket.geo.sphere import SphereTree
from loket.matching import parallel
from loket.matching.encode import AT_COMPANY, AT_SCHOOL, ONLINE, PHYSICAL, Table, Vocab, bits, encode
from loket.matching.features import MODE_CODES, Checks, Fits, check, fits
from loket.matching.order import top
from loket.matching.reasons import Pair, failures, reasons
from loket.matching.topic import Terms, TopicModel
from loket.matching.types import (
    SCORE_QUANTUM,
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
Key = tuple[int, int]  # (offer activity index, level bit)


class Engine:
    """Ranks offers for requests (and requests for an offer) over one fixed set of offers.

    The offers are encoded (or ``table``: as the loader encoded them) and indexed once (a great-circle
    tree per activity type and level over the matchable offers); a query works on its candidates' arrays."""

    def __init__(
        self, offers: Sequence[OfferRecord], config: MatchConfig | None = None, table: Table | None = None
    ) -> None:
        self.config = config or MatchConfig()
        self.vocab = Vocab.load()
        self.offers = list(offers)
        self._pos: dict[str, int] = {}
        for i, o in enumerate(self.offers):
            if o.id in self._pos:
                raise MatchInputError("aanbod", o.id, "komt meer dan eens voor")
            self._pos[o.id] = i
        ok = table is not None and len(table.lat) == len(self.offers)
        self.table: Table = (table if ok else encode(self.offers, self.vocab)).pack()
        order = sorted(range(len(self.offers)), key=lambda i: self.offers[i].id)
        self._id_rank = np.empty(len(self.offers), dtype=np.int64)
        self._id_rank[order] = np.arange(len(self.offers))
        self.topics = TopicModel([o.topic or "" for o in self.offers])
        t = self.table
        matchable = t.active & (t.cap_left > 0)
        # per (offer activity, level bit the offer matches): a great-circle tree (loket.geo.sphere) over
        # the matchable offers with a physical mode, and the online offers split into online-only rows and
        # tree-local positions of the hybrid ones. A request looks only under its own level bits.
        self._trees: dict[Key, tuple[SphereTree, NDArray[np.intp], float]] = {}
        self._online_only: dict[Key, NDArray[np.intp]] = {}
        self._online_hybrid: dict[Key, NDArray[np.intp]] = {}
        has_phys = (t.modes & PHYSICAL) != 0
        has_online = (t.modes & ONLINE) != 0
        for a in np.unique(t.act[matchable]).tolist():  # only the activities and levels present
            of_act = matchable & (t.act == a)
            present = int(np.bitwise_or.reduce(t.lvl_x[of_act].astype(np.int64)))
            for j in range(len(self.vocab.levels)):
                if not (present >> j) & 1:
                    continue
                base = of_act & (((t.lvl_x >> j) & 1) != 0)
                phys = np.flatnonzero(base & has_phys)
                key = (a, j)
                if len(phys):
                    pts = np.radians(np.column_stack([t.lat[phys], t.lon[phys]]))
                    self._trees[key] = (SphereTree(pts), phys, float(t.reach[phys].max()))
                    hybrid = np.flatnonzero(has_online[phys])
                    if len(hybrid):
                        self._online_hybrid[key] = hybrid
                only = np.flatnonzero(base & has_online & ~has_phys)
                if len(only):
                    self._online_only[key] = only
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
        workers: int | None = None,
        reasons: bool = True,
    ) -> dict[str, list[Suggestion]]:
        """:meth:`suggest` for every request, in blocks on ``workers`` processes (default: every core;
        ``loket.matching.parallel``); the same lists as one request at a time. ``progress(done, total)``
        is called after each block. ``reasons=False`` leaves the reasons to ``batch.fill_reasons``."""
        table = encode(requests, self.vocab)  # validates all before any work
        by_req: dict[str, list[int]] = {}
        for r, o in excluded:
            if o in self._pos:
                by_req.setdefault(r, []).append(self._pos[o])
        empty = np.zeros(0, dtype=np.intp)
        excl = [np.asarray(by_req[r.id], dtype=np.intp) if r.id in by_req else empty for r in requests]
        lists = parallel.run_blocks(
            self, table, requests, top_k, excl, progress, workers, with_reasons=reasons
        )
        return {r.id: found for r, found in zip(requests, lists, strict=True)}

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
        gap = max(int(rq.start[0]) - int(of.end[0]), int(of.start[0]) - int(rq.end[0]), 1) - 1
        failed = failures(
            ok,
            distance_km=float(d[0]),
            shared=int(ch.shared[0]),
            radius_km=float(of.reach[0]),
            travel_km=float(rq.reach[0]),
            date_gap_days=gap,
            request_activity=self.vocab.activities[int(rq.act[0])],
            offer_activity=self.vocab.activities[int(of.act[0])],
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
        known = np.diff(q.indptr) > 0
        sub = rt.take(idx)
        sub_ch = ch.subset(idx)
        ft = fits(sub, of, d[idx], sim, sub_ch, self.config, known)
        ids = [requests[i].id for i in idx]
        id_order = np.argsort(np.argsort(np.array(ids, dtype=object), kind="stable"), kind="stable")
        order = top(ft.score, d[idx], np.maximum(sub.start, of.start), id_order, top_k)
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
                    sub_ch,
                    sub,
                    of,
                    offer_topic=offer.topic or "",
                    topic_known=bool(known[k]),
                    req_row=int(k),
                    off_row=0,
                )
            )
        return out

    # ------------------------------------------------------------------ internals
    def _tree_needs(self, rq: Table, i: int) -> list[tuple[Key, float]]:
        """(tree key, search radius km) of the tree queries request row ``i`` needs."""
        out = []
        rmodes = int(rq.modes[i])
        levels = bits(int(rq.lvl[i]))
        for b, allowed in self._compatible[int(rq.act[i])]:
            m = rmodes & allowed
            if not m & PHYSICAL:
                continue
            for j in levels:
                if (b, j) in self._trees:
                    max_radius = self._trees[(b, j)][2]
                    reach = max(
                        float(rq.reach[i]) if m & AT_COMPANY else 0.0, max_radius if m & AT_SCHOOL else 0.0
                    )
                    out.append(((b, j), reach + _SLACK_KM))
        return out

    def _tree_hits(self, rq: Table) -> list[dict[Key, NDArray[np.intp]]]:
        """Tree-local offer positions within reach, for every request row, one batched query per tree."""
        hits: list[dict[Key, NDArray[np.intp]]] = [{} for _ in range(len(rq.act))]
        todo: dict[Key, tuple[list[int], list[float]]] = {}
        for i in range(len(rq.act)):
            for key, radius in self._tree_needs(rq, i):
                rows, radii = todo.setdefault(key, ([], []))
                rows.append(i)
                radii.append(radius)
        for key, (rows, radii) in todo.items():
            pts = np.radians(np.column_stack([rq.lat[rows], rq.lon[rows]]))
            found = self._trees[key][0].query_radius(pts, r=np.asarray(radii) / EARTH_RADIUS_KM)
            for i, local in zip(rows, found, strict=True):
                hits[i][key] = local
        return hits

    def _candidates(self, rq: Table, hits: dict[Key, NDArray[np.intp]] | None = None) -> NDArray[np.intp]:
        """Offer rows that might be feasible for the single request ``rq`` (activity, level, mode, reach)."""
        if hits is None:
            hits = self._tree_hits(rq)[0]
        return self._candidates_of(int(rq.act[0]), int(rq.modes[0]), int(rq.lvl[0]), hits)

    def _candidates_of(
        self, act: int, rmodes: int, lvl: int, hits: dict[Key, NDArray[np.intp]]
    ) -> NDArray[np.intp]:
        """Candidate offer rows of a request (activity, modes, level mask), given its tree hits."""
        levels = bits(lvl)
        parts: list[NDArray[np.intp]] = []
        for b, allowed in self._compatible[act]:
            m = rmodes & allowed
            for j in levels:
                key = (b, j)
                local = hits.get(key)
                if m & ONLINE:
                    if key in self._online_only:
                        parts.append(self._online_only[key])
                    hybrid = self._online_hybrid.get(key)
                    if hybrid is not None:
                        if local is not None and len(local):
                            seen = np.zeros(len(self._trees[key][1]), dtype=np.bool_)
                            seen[local] = True
                            hybrid = hybrid[~seen[hybrid]]
                        parts.append(self._trees[key][1][hybrid])
                if local is not None and len(local):
                    parts.append(self._trees[key][1][local])
        if not parts:
            return np.zeros(0, dtype=np.intp)
        cand = np.concatenate(parts)
        return np.unique(cand) if len(levels) > 1 else cand  # one offer can sit under several level bits

    def _suggest(
        self,
        rq: Table,
        req: RequestRecord,
        top_k: int | None,
        excl: NDArray[np.intp],
        hits: dict[int, NDArray[np.intp]] | None = None,
        query: Terms | None = None,
    ) -> list[Suggestion]:
        cand = self._candidates(rq, hits)
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
        w_topic = self.config.weights["topic"]
        if top_k is not None and len(rows) > 2 * top_k and w_topic > 0:
            # the topic adds at most w_topic: pairs whose score without it stays below the k-th best
            # score without it can never reach the top-k, so their similarity is not computed
            base = fits(rq, sub_of, dk, np.zeros(len(rows)), sub_ch, self.config).score
            kth = np.partition(base, len(base) - top_k)[len(base) - top_k]
            sel = np.flatnonzero(base + w_topic >= kth - SCORE_QUANTUM - 1e-9)  # rounding: may tie
            rows, sub_of, sub_ch, dk = rows[sel], sub_of.take(sel), sub_ch.subset(sel), dk[sel]
        if query is None:
            query = self.topics.query_terms([req.topic or ""])[0]
        sim = self.topics.similarity(query, rows)
        known = len(query[0]) > 0
        ft = fits(rq, sub_of, dk, sim, sub_ch, self.config, known)
        order = top(ft.score, dk, np.maximum(rq.start, sub_of.start), self._id_rank[rows], top_k)
        return [
            self._make(
                req.id,
                self.offers[rows[k]].id,
                rank,
                ft,
                int(k),
                float(dk[k]),
                sub_ch,
                rq,
                sub_of,
                offer_topic=self.offers[rows[k]].topic or "",
                topic_known=known,
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
        ch: Checks,
        rq: Table,
        of: Table,
        *,
        offer_topic: str,
        topic_known: bool,
        req_row: int,
        off_row: int,
    ) -> Suggestion:
        mode = MODE_CODES[int(ft.mode[k])]
        dist_km = dist if math.isfinite(dist) else None
        pair_fits = {name: float(v[k]) for name, v in ft.fits.items()}
        pair = Pair(
            fits=pair_fits,
            mode=mode,
            distance_km=dist_km,
            req_sect=int(rq.sect[req_row]),
            req_rel=int(rq.sect_rel[req_row]),
            off_sect=int(of.sect[off_row]),
            req_lvl=int(rq.lvl[req_row]),
            off_lvl_x=int(of.lvl_x[off_row]),
            kind=int(ch.kind[k]),
            offer_activity=int(of.act[off_row]),
            topic_known=topic_known,
            offer_topic=offer_topic,
            acts_year=int(rq.acts_year[req_row]),
            req_modes=int(rq.modes[req_row]),
            off_modes=int(of.modes[off_row]),
            travel_km=float(rq.reach[req_row]),
            radius_km=float(of.reach[off_row]),
        )
        return Suggestion(
            request_id=req_id,
            offer_id=offer_id,
            rank=rank,
            score=float(ft.score[k]),
            distance_km=dist_km,
            mode=mode,
            contributions=ft.contributions(k, self.config),
            reasons=reasons(self.vocab, self.config, pair),
            starts_on=date.fromordinal(max(int(rq.start[req_row]), int(of.start[off_row]))),
            fits=pair_fits,
        )
