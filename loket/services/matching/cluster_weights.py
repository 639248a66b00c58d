"""Which weights score which pair: a request in a cluster with an active (not undone) cluster weight
set is scored with that set, every other request with the national set in force (or the defaults).

A pair's score therefore depends on the pair and its request's cluster only, and both sides of the
stored lists use the request's weights: an offer's requests in reach are each scored with their own
cluster's weights (so a pair has the same score in the request's list and in the offer's list, and
``patch`` stays exact). The engine takes one ``MatchConfig``; here the requests are partitioned by
the configuration that applies (one engine or ``RequestIndex`` per distinct configuration) and an
offer's lists from several partitions are merged in the engine's order (``order.sort_key``).

Every stored row carries the ``weights_version`` of the set that scored it (``Weighting.version_of``);
a request's freshness row carries its own version, an offer's the national one (a change of the
national set rebuilds everything; a change of a cluster's set touches that cluster's requests, whose
pairs are then worked into the offers' lists pair by pair).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from loket.db import db
from loket.matching import Engine, MatchConfig, OfferRecord, RequestRecord, Suggestion
from loket.matching.batch import fill_reasons
from loket.matching.order import sort_key
from loket.matching.reach import RequestIndex
from loket.models import Organisation, Request, WeightSet
from loket.models.suggestions import FOR_REQUEST
from loket.services.matching.weights import config_for, match_config, weights_version

Excluded = Iterable[tuple[str, str]]


def _reusable(excluded: Excluded) -> Collection[tuple[str, str]]:
    return excluded if isinstance(excluded, Collection) else list(excluded)


def active_cluster_sets() -> dict[int, WeightSet]:
    """Cluster id -> its weight set in force (the newest not undone), for clusters that have one."""
    rows = db.session.scalars(
        select(WeightSet)
        .where(WeightSet.cluster_id.is_not(None), WeightSet.undone_at.is_(None))
        .order_by(WeightSet.created_at, WeightSet.id)
    )
    return {int(ws.cluster_id): ws for ws in rows if ws.cluster_id is not None}  # newest wins


def active_cluster_set(cluster_id: int) -> WeightSet | None:
    """The weight set in force for one cluster (None: the national set applies)."""
    return active_cluster_sets().get(int(cluster_id))


def config_for_cluster(cluster_id: int | None) -> MatchConfig:
    """The configuration that scores the requests of ``cluster_id`` (None: no cluster)."""
    ws = active_cluster_set(cluster_id) if cluster_id is not None else None
    return config_for(ws.weights) if ws is not None else match_config()


def config_for_request(req: Request) -> MatchConfig:
    """The configuration that scores the pairs of this request (its school's cluster)."""
    return config_for_cluster(req.organisation.cluster_id if req.organisation is not None else None)


def version_for_request(req: Request) -> str:
    """The ``weights_version`` of the set that scores this request's pairs (a match records it)."""
    return weights_version(config_for_request(req))


class Weighting:
    """The configurations in force: the national one, each cluster set's, and which open request
    falls under which cluster set (loaded once per run; requests not listed use the national one)."""

    def __init__(
        self, national: MatchConfig, clusters: dict[int, MatchConfig], request_cluster: dict[int, int]
    ) -> None:
        self.national = national
        self.national_version = weights_version(national)
        self.clusters = clusters
        self.request_cluster = request_cluster
        self._versions = {cid: weights_version(cfg) for cid, cfg in clusters.items()}

    def config_of(self, request_id: int | str) -> MatchConfig:
        cid = self.request_cluster.get(int(request_id))
        return self.clusters[cid] if cid is not None else self.national

    def version_of(self, request_id: int | str) -> str:
        """The ``weights_version`` of the set that scores the pairs of this request."""
        cid = self.request_cluster.get(int(request_id))
        return self._versions[cid] if cid is not None else self.national_version

    def version_of_cluster(self, cluster_id: int) -> str:
        """The ``weights_version`` of a cluster's set (the national one for a cluster without)."""
        return self._versions.get(int(cluster_id), self.national_version)

    def state_version(self, side: str, owner: int) -> str:
        """The version a list's freshness row carries: the request's own, the national for an offer."""
        return self.version_of(owner) if side == FOR_REQUEST else self.national_version

    def groups(self, requests: Sequence[RequestRecord]) -> list[tuple[MatchConfig, list[RequestRecord]]]:
        """The requests partitioned by the configuration that scores them (national first)."""
        by_version: dict[str, tuple[MatchConfig, list[RequestRecord]]] = {}
        for r in requests:
            v = self.version_of(r.id)
            if v not in by_version:
                by_version[v] = (self.config_of(r.id), [])
            by_version[v][1].append(r)
        order = sorted(by_version, key=lambda v: (v != self.national_version, v))
        return [by_version[v] for v in order]


def load() -> Weighting:
    """The configurations in force now, with the requests of the clusters that have their own set."""
    sets = active_cluster_sets()
    clusters = {cid: config_for(ws.weights) for cid, ws in sets.items()}
    request_cluster: dict[int, int] = {}
    if clusters:
        q = (
            select(Request.id, Organisation.cluster_id)
            .join(Organisation, Organisation.id == Request.organisation_id)
            .where(Organisation.cluster_id.in_(sorted(clusters)))
        )
        request_cluster = {int(r): int(c) for r, c in db.session.execute(q)}
    return Weighting(match_config(), clusters, request_cluster)


def merge_ranked(parts: Iterable[list[Suggestion]], k: int | None) -> list[Suggestion]:
    """Ranked lists of one owner from several partitions as one list in the engine's order."""
    items = [s for part in parts for s in part]
    items.sort(key=lambda s: sort_key(s.score, s.distance_km, s.starts_on, int(s.request_id)))
    if k is not None:
        items = items[:k]
    return [replace(s, rank=i) for i, s in enumerate(items, start=1)]


class Engines:
    """Ranks offers for requests, each request with its own weights (one ``Engine`` per
    configuration over the same offers, built when first needed)."""

    def __init__(
        self, offers: Sequence[OfferRecord], weighting: Weighting, national: Engine | None = None
    ) -> None:
        self.offers = list(offers)
        self.weighting = weighting
        #: ``national``: an engine already built over these offers (reused for its configuration)
        self._engines: dict[str, Engine] = {}
        if national is not None:
            self._engines[weights_version(national.config)] = national

    def engine(self, config: MatchConfig) -> Engine:
        key = weights_version(config)
        if key not in self._engines:
            self._engines[key] = Engine(self.offers, config)
        return self._engines[key]

    def suggest_all(
        self,
        requests: Sequence[RequestRecord],
        k: int | None,
        excluded: Excluded = frozenset(),
        **options: Any,
    ) -> dict[str, list[Suggestion]]:
        """Each request's best ``k`` offers (all feasible with None), scored with its own weights;
        ``options`` go to ``Engine.suggest_all`` (progress, workers, reasons)."""
        out: dict[str, list[Suggestion]] = {}
        excluded = _reusable(excluded)
        for cfg, group in self.weighting.groups(requests):
            out.update(self.engine(cfg).suggest_all(group, k, excluded, **options))
        return out

    def fill_reasons(self, suggestions: Iterable[Suggestion]) -> None:
        """Make the deferred reasons of suggestions (``reasons=False``), each with its request's weights."""
        by_version: dict[str, list[Suggestion]] = {}
        for s in suggestions:
            by_version.setdefault(self.weighting.version_of(s.request_id), []).append(s)
        for items in by_version.values():
            fill_reasons(self.engine(self.weighting.config_of(items[0].request_id)), items)


class Indexes:
    """Ranks requests for offers, each request scored with its own weights (one ``RequestIndex`` per
    configuration over its requests; an offer's lists merged in the engine's order)."""

    def __init__(self, requests: Sequence[RequestRecord], weighting: Weighting) -> None:
        self.indexes = [RequestIndex(group, cfg) for cfg, group in weighting.groups(requests)]

    def rank_all(
        self, offers: Sequence[OfferRecord], k: int | None, excluded: Excluded = frozenset()
    ) -> dict[str, list[Suggestion]]:
        """Each offer's best ``k`` requests in reach (all feasible with None)."""
        if len(self.indexes) == 1:
            return self.indexes[0].rank_all(offers, k, excluded)
        excluded = _reusable(excluded)
        parts = [index.rank_all(offers, k, excluded) for index in self.indexes]
        return {o.id: merge_ranked((p.get(o.id, []) for p in parts), k) for o in offers}


def rank_requests(
    offer: OfferRecord, requests: Sequence[RequestRecord], weighting: Weighting, excluded: Excluded = ()
) -> list[Suggestion]:
    """All feasible ``requests`` for one offer, each scored with its own weights (the broker's search)."""
    excluded = _reusable(excluded)
    parts = [
        Engine([offer], cfg).rank_requests(offer, group, top_k=len(group), excluded=excluded)
        for cfg, group in weighting.groups(requests)
    ]
    return merge_ranked(parts, None)
