"""The matching engine: candidate search (BallTree), vectorised filters/scores, ranking, explanations.

Requests are ranked in blocks: the candidate (request, offer) pairs of a whole block of requests are
collected with one batched tree query per (activity, level) tree, then filtered, scored and ranked as
flat numpy arrays (no per-request Python loop apart from building the candidate list and the
suggestion objects). ``suggest_all`` scores blocks on two threads; numpy, scipy and the BallTree
release the GIL for the heavy parts.

Ranking: score (at a resolution of 0.1 percentage point, ``SCORE_QUANTUM``), then distance, then the
soonest date on which both sides are available, then the offer id (the request id in
``rank_requests``). For an online pair the distance is the straight-line distance between school and
company when both have coordinates (a nearby company is still the better partner: it can follow up
with a visit); a pair without coordinates sorts after every pair with a known distance.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray
from sklearn.neighbors import BallTree

from loket.geo.distance import EARTH_RADIUS_KM, haversine_km
from loket.matching.encode import AT_COMPANY, AT_SCHOOL, ONLINE, PHYSICAL, Table, Vocab, bits, encode
from loket.matching.features import MODE_CODES, Checks, FitCols, check, fits
from loket.matching.reasons import (
    PairFacts,
    contributions,
    explain_pair,
    failures,
    legacy_reasons,
    render,
    why_not,
)
from loket.matching.topic import Query, TopicModel
from loket.matching.types import (
    FEATURES,
    SCORE_QUANTUM,
    Details,
    Explanation,
    MatchConfig,
    MatchInputError,
    OfferRecord,
    RequestRecord,
    Suggestion,
    Weights,
)

Excluded = Iterable[tuple[str, str]]
Progress = Callable[[int, int], None]
_SLACK_KM = 0.05  # the tree query is widened a little; exact distances are filtered afterwards
Key = tuple[int, int]  # (offer activity index, level bit)
BLOCK = 512  # requests per block in suggest_all (batched tree queries; ~0.5 M candidate pairs)
_NO_DIST = np.inf


def default_workers() -> int:
    """Threads for suggest_all: both cores of the benchmark machine, at most 2."""
    return max(1, min(2, os.cpu_count() or 1))


class Engine:
    """Ranks offers for requests (and requests for an offer) over one fixed set of offers.

    The offers are encoded and indexed once (a haversine BallTree per activity type and level over the
    offers that can still be matched, the topic index); every query then works on numpy arrays of its
    candidate pairs only. ``weights`` (a :class:`Weights` with a version) overrides the weights of
    ``config``; every suggestion records ``weights_version``.
    """

    def __init__(
        self,
        offers: Sequence[OfferRecord],
        config: MatchConfig | None = None,
        weights: Weights | None = None,
    ) -> None:
        config = config or MatchConfig()
        self.config = config.with_weights(weights) if weights is not None else config
        self.vocab = Vocab.load()
        self.offers = list(offers)
        self._pos: dict[str, int] = {}
        for i, o in enumerate(self.offers):
            if o.id in self._pos:
                raise MatchInputError("aanbod", o.id, "komt meer dan eens voor")
            self._pos[o.id] = i
        self.table: Table = encode(self.offers, self.vocab).pack()
        order = sorted(range(len(self.offers)), key=lambda i: self.offers[i].id)
        self._id_rank = np.empty(len(self.offers), dtype=np.int64)
        self._id_rank[order] = np.arange(len(self.offers))
        self.topics = TopicModel([o.topic or "" for o in self.offers], [o.sectors for o in self.offers])
        t = self.table
        matchable = t.active & (t.cap_left > 0)
        # per (offer activity, level bit the offer matches): a haversine BallTree over the matchable
        # offers with a physical mode, and every matchable offer with the online mode (global rows).
        self._trees: dict[Key, tuple[BallTree, NDArray[np.intp], float]] = {}
        self._online: dict[Key, NDArray[np.intp]] = {}
        has_phys = (t.modes & PHYSICAL) != 0
        has_online = (t.modes & ONLINE) != 0
        for a in range(len(self.vocab.activities)):
            for j in range(len(self.vocab.levels)):
                base = matchable & (t.act == a) & (((t.lvl_x >> j) & 1) != 0)
                phys = np.flatnonzero(base & has_phys)
                key = (a, j)
                if len(phys):
                    pts = np.radians(np.column_stack([t.lat[phys], t.lon[phys]]))
                    self._trees[key] = (BallTree(pts, metric="haversine"), phys, float(t.reach[phys].max()))
                online = np.flatnonzero(base & has_online)
                if len(online):
                    self._online[key] = online
        act_n = len(self.vocab.activities)
        self._compatible: list[list[tuple[int, int]]] = [
            [
                (b, int(self.vocab.compat_modes[a, b]))
                for b in range(act_n)
                if self.vocab.compat_kind[a, b] > 0
            ]
            for a in range(act_n)
        ]
        w = self.config.weights
        self._w = np.array([w[f] for f in FEATURES])
        # the offer columns the reach filter reads, gathered at once: x, y, z (unit vector), radius
        self._filter_cols = np.column_stack([_unit_vectors(t.lat, t.lon), t.reach])
        self._act8 = t.act.astype(np.int8)

    def capacities(self) -> dict[str, int]:
        """Offer id -> remaining capacity of the matchable offers (input for :func:`assign`)."""
        t = self.table
        return {o.id: int(t.cap_left[i]) if t.active[i] else 0 for i, o in enumerate(self.offers)}

    @property
    def weights_version(self) -> str:
        return self.config.weights_version

    # ------------------------------------------------------------------ offers for requests
    def suggest(
        self, request: RequestRecord, top_k: int = 10, excluded: Excluded = frozenset()
    ) -> list[Suggestion]:
        """The ``top_k`` best feasible offers for ``request``, best first ([] when none is feasible)."""
        rq = encode([request], self.vocab).pack()
        excl = [self._pos[o] for r, o in excluded if r == request.id and o in self._pos]
        return self._rank_block(rq, [request], top_k, {0: excl} if excl else {})[0]

    def suggest_all(
        self,
        requests: Sequence[RequestRecord],
        top_k: int = 10,
        excluded: Excluded = frozenset(),
        progress: Progress | None = None,
        workers: int | None = None,
    ) -> dict[str, list[Suggestion]]:
        """:meth:`suggest` for every request (blocks of requests, scored on ``workers`` threads);
        ``progress(done, total)`` is called after each block, from the calling thread."""
        table = encode(requests, self.vocab)  # validates all before any work
        by_req: dict[str, list[int]] = {}
        for r, o in excluded:
            if o in self._pos:
                by_req.setdefault(r, []).append(self._pos[o])
        total = len(requests)
        blocks = [np.arange(lo, min(total, lo + BLOCK)) for lo in range(0, total, BLOCK)]

        def run(rows: NDArray[np.intp]) -> list[list[Suggestion]]:
            part = table.take(rows).pack()
            recs = [requests[i] for i in rows]
            excl = {k: by_req[r.id] for k, r in enumerate(recs) if r.id in by_req}
            return self._rank_block(part, recs, top_k, excl)

        out: dict[str, list[Suggestion]] = {}
        n_workers = workers if workers is not None else default_workers()
        done = 0

        def collect(rows: NDArray[np.intp], lists: list[list[Suggestion]]) -> None:
            nonlocal done
            for i, lst in zip(rows, lists, strict=True):
                out[requests[i].id] = lst
            done += len(rows)
            if progress is not None:
                progress(done, total)

        if n_workers <= 1 or len(blocks) <= 1:
            for rows in blocks:
                collect(rows, run(rows))
        else:
            with ThreadPoolExecutor(max_workers=n_workers) as pool:
                for rows, lists in zip(blocks, pool.map(run, blocks), strict=True):
                    collect(rows, lists)
        return out

    def explain(self, request: RequestRecord, offer_id: str, excluded: Excluded = frozenset()) -> Explanation:
        """Which hard filters the pair fails (old Dutch strings and Reason data with the margin), or its
        suggestion with its rank among all feasible offers."""
        if offer_id not in self._pos:
            raise MatchInputError("aanbod", offer_id, "onbekend aanbod")
        rq = encode([request], self.vocab)
        j = self._pos[offer_id]
        of = self.table.take(np.array([j], dtype=np.intp))
        d = haversine_km(rq.lat, rq.lon, of.lat, of.lon)
        ch = check(rq, of, d, self.vocab)
        ok = {k: bool(v[0]) for k, v in ch.ok.items()}
        excl = {(r, o) for r, o in excluded if r == request.id}
        ok["excluded"] = (request.id, offer_id) not in excl
        dist = float(d[0])
        failed = failures(
            ok,
            distance_km=dist,
            shared=int(ch.shared[0]),
            radius_km=float(of.reach[0]),
            travel_km=float(rq.reach[0]),
        )
        if failed:
            offer = self.offers[j]
            gap = int(max(rq.start[0], of.start[0]) - min(rq.end[0], of.end[0]))
            reasons = why_not(
                ok,
                distance_km=dist,
                shared=int(ch.shared[0]),
                radius_km=float(of.reach[0]),
                travel_km=float(rq.reach[0]),
                req_active=bool(rq.active[0]),
                off_active=bool(of.active[0]),
                req_activity=request.activity,
                off_activity=offer.activity,
                req_modes=int(rq.modes[0]),
                off_modes=int(of.modes[0]),
                req_levels=request.levels,
                off_levels=offer.levels,
                gap_days=max(0, gap),
            )
            return Explanation(False, failed, None, reasons)
        excl_rows = [self._pos[o] for _, o in excl if o in self._pos]
        ranked = self._rank_block(rq.pack(), [request], None, {0: excl_rows} if excl_rows else {})[0]
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
        """The ``top_k`` best feasible requests for one offer (a company's view), vectorised over requests;
        ties broken by distance, soonest date, request id."""
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
        queries: dict[str, Query] = {}
        sims: dict[str, float] = {}
        sim = np.zeros(len(idx))
        known = np.zeros(len(idx), dtype=np.bool_)
        for k, i in enumerate(idx):
            topic = requests[i].topic or ""
            if topic not in queries:
                queries[topic] = self.topics.query(topic)
                sims[topic] = self.topics.coverage_one(queries[topic], offer.topic or "", offer.sectors)
            sim[k] = sims[topic]
            known[k] = bool(queries[topic].words)
        sub = rt.take(idx)
        ft = fits(sub, of, d[idx], sim, ch.subset(idx), self.config, known)
        ids = np.array([requests[i].id for i in idx], dtype=object)
        id_rank = np.argsort(np.argsort(ids, kind="stable"), kind="stable")
        dk = d[idx]
        soonest = np.maximum(sub.start, of.start)
        order = _order(ft.score, dk, soonest, id_rank)
        if top_k is not None:
            order = order[: max(0, top_k)]
        fitmat = np.column_stack([ft.fits[f] for f in FEATURES])
        out = []
        for rank, k in enumerate(order, start=1):
            req = requests[idx[k]]
            facts = self._facts(
                fitmat[k],
                MODE_CODES[int(ft.mode[k])],
                float(dk[k]),
                sub,
                int(k),
                of,
                0,
                int(ch.kind[idx[k]]),
                bool(known[k]),
                float(sim[k]),
                offer.topic or "",
            )
            out.append(self._suggestion(req.id, offer.id, rank, float(ft.score[k]), facts))
        return out

    # ------------------------------------------------------------------ internals
    def _block_candidates(self, rq: Table) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """All (request row, offer row) pairs of the block that might be feasible (activity, level, mode,
        reach within the tree's largest radius), each pair once."""
        todo: dict[Key, tuple[list[int], list[float]]] = {}
        online: dict[Key, list[int]] = {}
        trees = self._trees
        for i in np.flatnonzero(rq.active).tolist():
            rmodes = int(rq.modes[i])
            levels = bits(int(rq.lvl[i]))
            travel = float(rq.reach[i])
            for b, allowed in self._compatible[int(rq.act[i])]:
                m = rmodes & allowed
                for j in levels:
                    key = (b, j)
                    if m & PHYSICAL and key in trees:
                        reach = max(
                            travel if m & AT_COMPANY else 0.0, trees[key][2] if m & AT_SCHOOL else 0.0
                        )
                        rows, radii = todo.setdefault(key, ([], []))
                        rows.append(i)
                        radii.append(reach + _SLACK_KM)
                    if m & ONLINE and key in self._online:
                        online.setdefault(key, []).append(i)
        parts_r: list[NDArray[np.intp]] = []
        parts_o: list[NDArray[np.intp]] = []
        for key, (rows, radii) in todo.items():
            tree, phys, _ = trees[key]
            pts = np.radians(np.column_stack([rq.lat[rows], rq.lon[rows]]))
            found = tree.query_radius(pts, r=np.asarray(radii) / EARTH_RADIUS_KM)
            lens = np.fromiter((len(f) for f in found), dtype=np.intp, count=len(found))
            if lens.sum():
                parts_r.append(np.repeat(np.asarray(rows, dtype=np.intp), lens))
                parts_o.append(phys[np.concatenate(found)])
        for key, rows in online.items():
            cand = self._online[key]
            parts_r.append(np.repeat(np.asarray(rows, dtype=np.intp), len(cand)))
            parts_o.append(np.tile(cand, len(rows)))
        if not parts_r:
            empty = np.zeros(0, dtype=np.intp)
            return empty, empty
        n_off = max(1, len(self.offers))
        keys = np.concatenate(parts_r).astype(np.int64) * n_off + np.concatenate(parts_o)
        if len(parts_r) > 1:  # an offer can come from several trees (level bits) and the online list
            keys.sort()
            first = np.ones(len(keys), dtype=np.bool_)
            np.not_equal(keys[1:], keys[:-1], out=first[1:])
            keys = keys[first]
        return (keys // n_off).astype(np.intp), (keys % n_off).astype(np.intp)

    def _rank_block(
        self,
        rq: Table,
        reqs: Sequence[RequestRecord],
        top_k: int | None,
        excl: dict[int, list[int]],
    ) -> list[list[Suggestion]]:
        """Ranked suggestions for every request row of the (packed) block table ``rq``.

        Every candidate pair passes the hard filters in two cheap steps (activity, level, active
        organisations and capacity hold by construction of the candidate lists): overlapping dates,
        then a shared mode within reach (one gathered matrix of unit vector and radius). The feasible
        pairs are scored, and per request the pairs that can still make the top ``k`` at the score
        resolution are sorted by the full tie-break.
        """
        n_req = len(reqs)
        out: list[list[Suggestion]] = [[] for _ in range(n_req)]
        if top_k is not None and top_k <= 0:
            return out
        r, o = self._block_candidates(rq)
        if excl and len(r):
            n_off = len(self.offers)
            bad = np.array([k * n_off + j for k, js in excl.items() for j in js], dtype=np.int64)
            keep = ~np.isin(r.astype(np.int64) * n_off + o, bad)
            r, o = r[keep], o[keep]
        if not len(r):
            return out
        # step 1: dates, then one gather of the other offer columns the filters read
        t = self.table
        keep = np.flatnonzero(np.maximum(rq.start[r], t.start[o]) <= np.minimum(rq.end[r], t.end[o]))
        r, o = r[keep], o[keep]
        del keep
        # step 2: a shared mode, within the company's radius (at school) or the class's travel (at company)
        cols = np.take(self._filter_cols, o, axis=0)
        off_modes = t.modes[o]
        off_act = self._act8[o]
        req_act = rq.act[r]
        shared = rq.modes[r] & off_modes & self.vocab.compat_modes[req_act, off_act]
        d = _chord_km(_unit_vectors(rq.lat, rq.lon)[r], cols[:, :3])
        with np.errstate(invalid="ignore"):
            school_ok = ((shared & AT_SCHOOL) != 0) & (d <= cols[:, 3])
            company_ok = ((shared & AT_COMPANY) != 0) & (d <= rq.reach[r])
        online_ok = (shared & ONLINE) != 0
        keep = np.flatnonzero(school_ok | company_ok | online_ok)
        if not len(keep):
            return out
        r, o, d = r[keep], o[keep], d[keep]
        del cols
        ch = Checks(
            ok={},
            kind=self.vocab.compat_kind[req_act[keep], off_act[keep]],
            school_ok=school_ok[keep],
            company_ok=company_ok[keep],
            online_ok=online_ok[keep],
            shared=shared[keep],
        )
        req = FitCols(
            sect=rq.sect[r],
            sect_rel=rq.sect_rel[r],
            lvl=rq.lvl[r],
            lvl_x=rq.lvl_x[r],
            start=rq.start[r],
            end=rq.end[r],
            acts_year=rq.acts_year[r],
            cap=rq.cap[r],
            cap_left=rq.cap_left[r],
        )
        of = FitCols(
            sect=t.sect[o],
            sect_rel=t.sect_rel[o],
            lvl=t.lvl[o],
            lvl_x=t.lvl_x[o],
            start=t.start[o],
            end=t.end[o],
            acts_year=t.acts_year[o],
            cap=t.cap[o],
            cap_left=t.cap_left[o],
        )
        queries = self._queries(reqs)
        known_req = np.fromiter((bool(q.words) for q in queries), dtype=np.bool_, count=n_req)
        known = known_req[r]
        sim = self.topics.coverage(queries, r, o)
        ft = fits(req, of, d, sim, ch, self.config, known)
        chosen, rank = _top_per_group(
            ft.score, d, np.maximum(req.start, of.start), self._id_rank[o], r, n_req, top_k
        )
        rc, oc = r[chosen], o[chosen]
        mode = ft.mode[chosen]
        dist = d[chosen]
        score = ft.score[chosen].tolist()
        block = _Block(
            self,
            np.column_stack(
                [ft.fits[f][chosen] for f in FEATURES]
                + [
                    mode,
                    dist,
                    rq.reach[rc],
                    t.reach[oc],
                    rq.modes[rc],
                    rq.sect[rc],
                    rq.sect_rel[rc],
                    t.sect[oc],
                    rq.lvl[rc],
                    t.lvl_x[oc],
                    ch.kind[chosen],
                    rq.act[rc],
                    t.act[oc],
                    known[chosen],
                    sim[chosen],
                    rq.acts_year[rc],
                    rq.start[rc],
                    rq.end[rc],
                    t.start[oc],
                    t.end[oc],
                    oc,
                ]
            ).astype(np.float64),
        )
        version = self.config.weights_version
        offers = self.offers
        dist_l = [x if math.isfinite(x) else None for x in dist.tolist()]
        modes = [MODE_CODES[m] for m in mode.tolist()]
        rows = zip(rc.tolist(), oc.tolist(), rank.tolist(), strict=True)
        for k, (ri, oi, rk) in enumerate(rows):
            out[ri].append(
                Suggestion(
                    reqs[ri].id,
                    offers[oi].id,
                    rk + 1,
                    score[k],
                    dist_l[k],
                    modes[k],
                    weights_version=version,
                    explain=_Lazy(block, k),
                )
            )
        return out

    def _queries(self, reqs: Sequence[RequestRecord]) -> list[Query]:
        cache: dict[str, Query] = {}
        out = []
        for r in reqs:
            t = r.topic or ""
            q = cache.get(t)
            if q is None:
                q = cache[t] = self.topics.query(t)
            out.append(q)
        return out

    def _facts(
        self,
        fit_row: NDArray[np.float64],
        mode: str,
        dist: float,
        rq: Table,
        rrow: int,
        of: Table,
        orow: int,
        kind: int,
        known: bool,
        cov: float,
        offer_topic: str,
    ) -> PairFacts:
        start = max(int(rq.start[rrow]), int(of.start[orow]))
        end = min(int(rq.end[rrow]), int(of.end[orow]))
        return PairFacts(
            fits={f: float(v) for f, v in zip(FEATURES, fit_row, strict=True)},
            mode=mode,
            distance_km=dist if math.isfinite(dist) else None,
            travel_km=float(rq.reach[rrow]),
            radius_km=float(of.reach[orow]),
            request_modes=int(rq.modes[rrow]),
            req_sect=int(rq.sect[rrow]),
            req_rel=int(rq.sect_rel[rrow]),
            off_sect=int(of.sect[orow]),
            req_lvl=int(rq.lvl[rrow]),
            off_lvl_x=int(of.lvl_x[orow]),
            kind=kind,
            req_act=int(rq.act[rrow]),
            off_act=int(of.act[orow]),
            topic_known=known,
            topic_cov=cov,
            offer_topic=offer_topic,
            acts_year=int(rq.acts_year[rrow]),
            overlap_days=max(0, end - start + 1),
            request_days=int(rq.end[rrow] - rq.start[rrow] + 1),
        )

    def details(self, facts: PairFacts) -> Details:
        """The explanation of one pair (what a Suggestion computes when its details are read)."""
        why, weakest = explain_pair(self.vocab, self.config, facts)
        strings = legacy_reasons(self.vocab, self.config, facts)
        if weakest is not None:
            strings.append(render(weakest, "nl"))
        return Details(facts.fits, contributions(self.config, facts.fits), why, weakest, strings)

    def _suggestion(
        self, req_id: str, offer_id: str, rank: int, score: float, facts: PairFacts
    ) -> Suggestion:
        return Suggestion(
            req_id,
            offer_id,
            rank,
            score,
            facts.distance_km,
            facts.mode,
            weights_version=self.config.weights_version,
            details=self.details(facts),
        )


class _Block:
    """The chosen pairs of one ranked block as one float matrix for the explanations: the seven fits,
    then the columns unpacked in :meth:`explain` (bit masks and day numbers are exact in float64). A row
    becomes Python values with one ``tolist``, and nothing is kept after an explanation."""

    __slots__ = ("engine", "mat")

    def __init__(self, engine: Engine, mat: NDArray[np.float64]) -> None:
        self.engine = engine
        self.mat = mat

    def explain(self, k: int) -> Details:
        e = self.engine
        row = self.mat[k].tolist()
        fit = dict(zip(FEATURES, row[:7], strict=True))
        (
            mode,
            dist,
            travel,
            radius,
            rmodes,
            rsect,
            rrel,
            osect,
            rlvl,
            olvlx,
            kind,
            ract,
            oact,
            known,
            sim,
            acts,
            rstart,
            rend,
            ostart,
            oend,
            orow,
        ) = row[7:]
        start = max(rstart, ostart)
        end = min(rend, oend)
        facts = PairFacts(
            fits=fit,
            mode=MODE_CODES[int(mode)],
            distance_km=dist if math.isfinite(dist) else None,
            travel_km=travel,
            radius_km=radius,
            request_modes=int(rmodes),
            req_sect=int(rsect),
            req_rel=int(rrel),
            off_sect=int(osect),
            req_lvl=int(rlvl),
            off_lvl_x=int(olvlx),
            kind=int(kind),
            req_act=int(ract),
            off_act=int(oact),
            topic_known=bool(known),
            topic_cov=sim,
            offer_topic=e.offers[int(orow)].topic or "",
            acts_year=int(acts),
            overlap_days=max(0, int(end - start) + 1),
            request_days=int(rend - rstart) + 1,
        )
        return e.details(facts)


class _Lazy:
    __slots__ = ("block", "k")

    def __init__(self, block: _Block, k: int) -> None:
        self.block = block
        self.k = k

    def __call__(self) -> Details:
        return self.block.explain(self.k)


def _unit_vectors(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    """Points as 3-D unit vectors (rows; NaN where the coordinates are missing)."""
    p = np.radians(lat)
    q = np.radians(lon)
    c = np.cos(p)
    return np.column_stack([c * np.cos(q), c * np.sin(q), np.sin(p)])


def _chord_km(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Great-circle distance in km between unit vectors row by row (the haversine distance, computed
    from the chord: 2 R asin(|a - b| / 2)); NaN where a point is missing."""
    diff = a - b
    chord = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(chord / 2.0, 1.0))


def _top_per_group(
    score: NDArray[np.float64],
    dist: NDArray[np.float64],
    soonest: NDArray[np.int64],
    id_rank: NDArray[np.int64],
    group: NDArray[np.intp],
    n_groups: int,
    k: int | None,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Indices of each group's best ``k`` pairs in ranking order (see :func:`_order`), and their rank
    (0-based) within the group. Only the pairs that reach the k-th score of their group at the score
    resolution (ties included) go through the full multi-key sort."""
    if k is not None:
        q = np.rint(score / SCORE_QUANTUM).astype(np.int64)
        top = int(q.max()) + 1 if len(q) else 1
        order = np.argsort(group.astype(np.int64) * (top + 1) + (top - q), kind="stable")
        g_sorted = group[order]
        counts = np.bincount(group, minlength=n_groups)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        kth = np.full(n_groups, -1, dtype=np.int64)
        full = counts >= k
        kth[full] = q[order[starts[full] + k - 1]]
        cand = order[q[order] >= kth[g_sorted]]
    else:
        cand = np.arange(len(score))
    sub = _order(score[cand], dist[cand], soonest[cand], id_rank[cand], group[cand])
    chosen = cand[sub]
    g = group[chosen]
    first = np.searchsorted(g, np.arange(n_groups))
    rank = np.arange(len(chosen)) - first[g]
    if k is not None:
        keep = rank < k
        chosen, rank = chosen[keep], rank[keep]
    return chosen, rank


def _order(
    score: NDArray[np.float64],
    dist: NDArray[np.float64],
    soonest: NDArray[np.int64],
    id_rank: NDArray[np.int64],
    group: NDArray[np.intp] | None = None,
) -> NDArray[np.intp]:
    """Ranking order: score at SCORE_QUANTUM resolution (desc), distance (unknown last), soonest common
    date, id; grouped by ``group`` (ascending) first when given."""
    q = np.rint(score / SCORE_QUANTUM).astype(np.int64)
    dk = np.where(np.isfinite(dist), dist, _NO_DIST)
    keys = [id_rank, soonest, dk, -q]
    if group is not None:
        keys.append(group)
    return np.lexsort(keys)
