"""The company's view at scale: open requests encoded and indexed once, then ranked for many offers.

``Engine.rank_requests`` encodes the requests it is given on every call; ``RequestIndex`` encodes them
once and finds each offer's candidates through one great-circle tree (``loket.geo.sphere``) over
the requests (queried for a chunk of offers at once), plus the requests that may happen online, which
have no distance limit. The filters, fits, ranking and reasons are the engine's own, so
``RequestIndex(requests).rank(offer, k)`` equals ``Engine([]).rank_requests(offer, requests, k)``;
and since a pair's score depends on that pair only, an index over any superset of an offer's
feasible requests gives the same list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

from loket.geo.distance import EARTH_RADIUS_KM, haversine_km
from loket.geo.sphere import SphereTree
from loket.matching.encode import AT_COMPANY, AT_SCHOOL, ONLINE, PHYSICAL, Table, encode
from loket.matching.engine import Engine
from loket.matching.features import check, fits
from loket.matching.order import top
from loket.matching.topic import N_FEATURES, Terms, vectorise
from loket.matching.types import MatchConfig, MatchInputError, OfferRecord, RequestRecord, Suggestion

Excluded = Iterable[tuple[str, str]]
Progress = Callable[[int, int], None]
_SLACK_KM = 0.05  # the tree query is widened a little; exact distances are filtered afterwards
_CHUNK = 1000  # rank_all vectorises the offers' topics per this many offers


class RequestIndex:
    """Ranks requests for offers (a company's "requests in reach") over one fixed set of requests."""

    def __init__(self, requests: Sequence[RequestRecord], config: MatchConfig | None = None) -> None:
        self._engine = Engine([], config)  # the engine's vocabulary, config and suggestion builder
        self.config = self._engine.config
        self.vocab = self._engine.vocab
        self.requests = list(requests)
        self._pos: dict[str, int] = {}
        for i, r in enumerate(self.requests):
            if r.id in self._pos:
                raise MatchInputError("aanvraag", r.id, "komt meer dan eens voor")
            self._pos[r.id] = i
        self.table = encode(self.requests, self.vocab).pack()
        self.topic_rows = vectorise([r.topic or "" for r in self.requests])
        self._has_topic = np.diff(self.topic_rows.indptr) > 0
        order = sorted(range(len(self.requests)), key=lambda i: self.requests[i].id)
        self._id_rank = np.empty(len(self.requests), dtype=np.int64)
        self._id_rank[order] = np.arange(len(self.requests))
        t = self.table
        has_phys = (t.modes & PHYSICAL) != 0
        # one great-circle tree (loket.geo.sphere) over the active requests with a physical mode (every
        # activity: the activity filter is one array lookup), the largest travel distance among them, and the
        # active requests that may happen online (no distance limit), per activity
        self._phys = np.flatnonzero(t.active & has_phys)
        self._tree = (
            SphereTree(np.radians(np.column_stack([t.lat[self._phys], t.lon[self._phys]])))
            if len(self._phys)
            else None
        )
        company = self._phys[(t.modes[self._phys] & AT_COMPANY) != 0]
        self._max_travel = float(t.reach[company].max()) if len(company) else 0.0
        self._online_of_act = [
            np.flatnonzero(t.active & ((t.modes & ONLINE) != 0) & (t.act == a))
            for a in range(len(self.vocab.activities))
        ]
        self._online_for: dict[int, NDArray[np.intp]] = {}
        self._dense = np.zeros(N_FEATURES)  # scratch vector for one offer's topic (not thread-safe)

    def _online_candidates(self, of_act: int) -> NDArray[np.intp]:
        """Active requests that may happen online, of an activity compatible with ``of_act``."""
        if of_act not in self._online_for:
            kind = self.vocab.compat_kind
            parts = [rows for a, rows in enumerate(self._online_of_act) if kind[a, of_act] > 0 and len(rows)]
            self._online_for[of_act] = np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.intp)
        return self._online_for[of_act]

    def _tree_hits(self, ofs: list[Table]) -> list[NDArray[np.intp] | None]:
        """Request rows within reach of each offer (one batched tree query; None: no physical search)."""
        out: list[NDArray[np.intp] | None] = [None] * len(ofs)
        todo, pts, radii = [], [], []
        for i, of in enumerate(ofs):
            m = int(of.modes[0])
            lat, lon = float(of.lat[0]), float(of.lon[0])
            if self._tree is None or not m & PHYSICAL or not (np.isfinite(lat) and np.isfinite(lon)):
                continue
            reach = max(
                float(of.reach[0]) if m & AT_SCHOOL else 0.0, self._max_travel if m & AT_COMPANY else 0.0
            )
            todo.append(i)
            pts.append((lat, lon))
            radii.append((reach + _SLACK_KM) / EARTH_RADIUS_KM)
        if todo:
            found = self._tree.query_radius(np.radians(np.asarray(pts)), r=np.asarray(radii))
            for i, local in zip(todo, found, strict=True):
                out[i] = self._phys[local]
        return out

    def _candidates(self, of: Table, hits: NDArray[np.intp] | None) -> NDArray[np.intp]:
        """Request rows that might be feasible for the offer ``of`` (activity, mode and reach only)."""
        of_act = int(of.act[0])
        parts = []
        if hits is not None and len(hits):
            parts.append(hits[self.vocab.compat_kind[self.table.act[hits], of_act] > 0])
        if int(of.modes[0]) & ONLINE:
            parts.append(self._online_candidates(of_act))
        if not parts:
            return np.zeros(0, dtype=np.intp)
        return np.unique(np.concatenate(parts)) if len(parts) > 1 else np.sort(parts[0])

    def _similarity(self, rows: NDArray[np.intp], vec: Terms) -> NDArray[np.float64]:
        """Cosine similarity of the requests ``rows`` with one topic's (term indices, weights): for
        each row the products of its terms in term order, summed in that order (as a sparse
        product does)."""
        q_idx, q_val = vec
        if not len(q_idx) or not len(rows):
            return np.zeros(len(rows))
        m = self.topic_rows
        starts = m.indptr[rows]
        lens = m.indptr[rows + 1] - starts
        total = int(lens.sum())
        if total == 0:
            return np.zeros(len(rows))
        qd = self._dense
        qd[q_idx] = q_val
        try:
            flat = np.arange(total) + np.repeat(starts - (np.cumsum(lens) - lens), lens)
            products = m.data[flat] * qd[m.indices[flat]]
            return np.bincount(np.repeat(np.arange(len(rows)), lens), weights=products, minlength=len(rows))
        finally:
            qd[q_idx] = 0.0

    def rank(
        self, offer: OfferRecord, top_k: int | None = 10, excluded: Excluded = frozenset()
    ) -> list[Suggestion]:
        """The ``top_k`` best feasible requests for ``offer`` (all of them with None), best first."""
        return self.rank_all([offer], top_k, excluded)[offer.id]

    def rank_all(
        self,
        offers: Sequence[OfferRecord],
        top_k: int | None = 10,
        excluded: Excluded = frozenset(),
        progress: Progress | None = None,
    ) -> dict[str, list[Suggestion]]:
        """The ranking of every offer; ``progress(done, total)`` is called now and then."""
        by_offer: dict[str, set[str]] = {}
        for r, o in excluded:
            by_offer.setdefault(o, set()).add(r)
        out: dict[str, list[Suggestion]] = {}
        total = len(offers)
        step = max(1, total // 100)
        for lo in range(0, total, _CHUNK):  # per chunk: one vectoriser call, one tree query
            chunk = offers[lo : lo + _CHUNK]
            v = vectorise([o.topic or "" for o in chunk])
            terms = [
                (v.indices[v.indptr[k] : v.indptr[k + 1]], v.data[v.indptr[k] : v.indptr[k + 1]])
                for k in range(len(chunk))
            ]
            ofs = [encode([o], self.vocab) for o in chunk]
            hits = self._tree_hits(ofs)
            for k, offer in enumerate(chunk):
                excl = by_offer.get(offer.id, set())
                out[offer.id] = self._rank(offer, ofs[k], hits[k], top_k, excl, terms[k])
                i = lo + k
                if progress is not None and ((i + 1) % step == 0 or i + 1 == total):
                    progress(i + 1, total)
        return out

    def _rank(
        self,
        offer: OfferRecord,
        of: Table,
        hits: NDArray[np.intp] | None,
        top_k: int | None,
        excl: set[str],
        vec: Terms,
    ) -> list[Suggestion]:
        if not (bool(of.active[0]) and int(of.cap_left[0]) > 0) or not self.requests:
            return []
        cand = self._candidates(of, hits)
        if excl and len(cand):
            keep_ex = np.fromiter(
                (self.requests[i].id not in excl for i in cand), dtype=np.bool_, count=len(cand)
            )
            cand = cand[keep_ex]
        if not len(cand):
            return []
        rt = self.table.take(cand)
        d = haversine_km(rt.lat, rt.lon, of.lat, of.lon)
        ch = check(rt, of, d, self.vocab)
        keep = np.flatnonzero(ch.feasible)
        if not len(keep):
            return []
        rows = cand[keep]
        sub = rt.take(keep)
        sub_ch = ch.subset(keep)
        dk = d[keep]
        sim = self._similarity(rows, vec)
        known = self._has_topic[rows]
        ft = fits(sub, of, dk, sim, sub_ch, self.config, known)
        order = top(ft.score, dk, np.maximum(sub.start, of.start), self._id_rank[rows], top_k)
        return [
            self._engine._make(
                self.requests[rows[k]].id,
                offer.id,
                rank,
                ft,
                int(k),
                float(dk[k]),
                sub_ch,
                sub,
                of,
                offer_topic=offer.topic or "",
                topic_known=bool(known[k]),
                req_row=int(k),
                off_row=0,
            )
            for rank, k in enumerate(order, start=1)
        ]
