"""The company's view at scale: open requests encoded and indexed once, then ranked for many offers.

``Engine.rank_requests`` encodes the requests it is given on every call; ``RequestIndex`` encodes them
once and finds each offer's candidates through a haversine BallTree per request activity (plus the
requests that may happen online, which have no distance limit). The filters, fits, ranking and
reasons are the engine's own, so ``RequestIndex(requests).rank(offer, k)`` equals
``Engine([]).rank_requests(offer, requests, k)``; and since a pair's score depends on that pair
only, an index over any superset of an offer's feasible requests gives the same list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.neighbors import BallTree

from loket.geo.distance import EARTH_RADIUS_KM, haversine_km
from loket.matching.encode import AT_COMPANY, AT_SCHOOL, ONLINE, PHYSICAL, encode
from loket.matching.engine import Engine, _top
from loket.matching.features import check, fits
from loket.matching.topic import vectorise
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
        order = sorted(range(len(self.requests)), key=lambda i: self.requests[i].id)
        self._id_rank = np.empty(len(self.requests), dtype=np.int64)
        self._id_rank[order] = np.arange(len(self.requests))
        t = self.table
        usable = t.active
        has_phys = (t.modes & PHYSICAL) != 0
        has_online = (t.modes & ONLINE) != 0
        at_company = (t.modes & AT_COMPANY) != 0
        # per request activity: a BallTree over the active requests with a physical mode (and the
        # largest travel distance among them), and the active requests that may happen online
        self._trees: dict[int, tuple[BallTree, NDArray[np.intp], float]] = {}
        self._online: dict[int, NDArray[np.intp]] = {}
        for a in range(len(self.vocab.activities)):
            of_act = usable & (t.act == a)
            phys = np.flatnonzero(of_act & has_phys)
            if len(phys):
                pts = np.radians(np.column_stack([t.lat[phys], t.lon[phys]]))
                travel = t.reach[phys][at_company[phys]]
                self._trees[a] = (
                    BallTree(pts, metric="haversine"),
                    phys,
                    float(travel.max()) if len(travel) else 0.0,
                )
            online = np.flatnonzero(of_act & has_online)
            if len(online):
                self._online[a] = online

    def _candidates(
        self, of_act: int, of_modes: int, of_reach: float, lat: float, lon: float
    ) -> NDArray[np.intp]:
        """Request rows that might be feasible for the offer (activity, mode and reach only)."""
        parts: list[NDArray[np.intp]] = []
        compat_kind, compat_modes = self.vocab.compat_kind, self.vocab.compat_modes
        for a in range(len(self.vocab.activities)):
            if compat_kind[a, of_act] == 0:
                continue
            m = of_modes & int(compat_modes[a, of_act])
            if m & PHYSICAL and a in self._trees and np.isfinite(lat) and np.isfinite(lon):
                tree, rows, max_travel = self._trees[a]
                radius = max(of_reach if m & AT_SCHOOL else 0.0, max_travel if m & AT_COMPANY else 0.0)
                pt = np.radians([[lat, lon]])
                found = tree.query_radius(pt, r=(radius + _SLACK_KM) / EARTH_RADIUS_KM)[0]
                if len(found):
                    parts.append(rows[found])
            if m & ONLINE and a in self._online:
                parts.append(self._online[a])
        if not parts:
            return np.zeros(0, dtype=np.intp)
        return np.unique(np.concatenate(parts))

    def rank(
        self, offer: OfferRecord, top_k: int | None = 10, excluded: Excluded = frozenset()
    ) -> list[Suggestion]:
        """The ``top_k`` best feasible requests for ``offer`` (all of them with None), best first."""
        excl = {r for r, o in excluded if o == offer.id}
        return self._rank(offer, top_k, excl, vectorise([offer.topic or ""]))

    def rank_all(
        self,
        offers: Sequence[OfferRecord],
        top_k: int | None = 10,
        excluded: Excluded = frozenset(),
        progress: Progress | None = None,
    ) -> dict[str, list[Suggestion]]:
        """:meth:`rank` for every offer; ``progress(done, total)`` is called now and then."""
        by_offer: dict[str, set[str]] = {}
        for r, o in excluded:
            by_offer.setdefault(o, set()).add(r)
        out: dict[str, list[Suggestion]] = {}
        total = len(offers)
        step = max(1, total // 100)
        vectors = vectorise([])
        for i, offer in enumerate(offers):
            if i % _CHUNK == 0:  # the offers' topic vectors per chunk (one vectoriser call each)
                vectors = vectorise([o.topic or "" for o in offers[i : i + _CHUNK]])
            vec = vectors[i % _CHUNK]
            out[offer.id] = self._rank(offer, top_k, by_offer.get(offer.id, set()), vec)
            if progress is not None and ((i + 1) % step == 0 or i + 1 == total):
                progress(i + 1, total)
        return out

    def _rank(
        self, offer: OfferRecord, top_k: int | None, excl: set[str], vec: sparse.csr_matrix
    ) -> list[Suggestion]:
        of = encode([offer], self.vocab)
        if not (bool(of.active[0]) and int(of.cap_left[0]) > 0) or not self.requests:
            return []
        cand = self._candidates(
            int(of.act[0]), int(of.modes[0]), float(of.reach[0]), float(of.lat[0]), float(of.lon[0])
        )
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
        sim = self._engine.topics.similarity_rows(self.topic_rows[rows], vec)
        ft = fits(sub, of, dk, sim, sub_ch, self.config)
        order = _top(ft.score, self._id_rank[rows], top_k)
        return [
            self._engine._make(
                self.requests[rows[k]].id,
                offer.id,
                rank,
                ft,
                int(k),
                float(dk[k]),
                float(sim[k]),
                sub_ch,
                sub,
                of,
                offer_topic=offer.topic or "",
                req_row=int(k),
                off_row=0,
            )
            for rank, k in enumerate(order, start=1)
        ]
