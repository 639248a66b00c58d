"""RequestIndex (the company's view at scale) ranks exactly like Engine.rank_requests, and a pair's
score does not depend on which other offers or requests exist (what stored suggestions rely on)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from loket.matching import Engine
from loket.matching.reach import RequestIndex
from tests.unit.test_matching_properties import SETTINGS, world


def _as_tuples(suggestions) -> list[tuple]:
    return [
        (s.request_id, s.offer_id, s.rank, s.score, s.distance_km, s.mode, s.contributions, s.reasons)
        for s in suggestions
    ]


@SETTINGS
@given(world(), st.integers(1, 6))
def test_request_index_ranks_like_rank_requests(w: tuple, k: int) -> None:
    offers, requests, excluded = w
    index = RequestIndex(requests)
    plain = Engine([])
    for o in offers:
        want = plain.rank_requests(o, requests, top_k=k, excluded=excluded)
        assert _as_tuples(index.rank(o, top_k=k, excluded=excluded)) == _as_tuples(want)
    got_all = index.rank_all(offers, top_k=k, excluded=excluded)
    assert {o: _as_tuples(v) for o, v in got_all.items()} == {
        o.id: _as_tuples(index.rank(o, top_k=k, excluded=excluded)) for o in offers
    }


@SETTINGS
@given(world(), st.integers(1, 6))
def test_lists_do_not_depend_on_the_other_rows(w: tuple, k: int) -> None:
    """Each request's top-k over all offers equals its top-k over only its feasible offers (and the
    same for offers over requests): incremental upkeep of stored lists may use any superset."""
    offers, requests, excluded = w
    full = Engine(offers).suggest_all(requests, top_k=k, excluded=excluded)
    by_id = {o.id: o for o in offers}
    for r in requests:
        feasible = Engine(offers).suggest(r, top_k=None, excluded=excluded)
        small = Engine([by_id[s.offer_id] for s in feasible]).suggest(r, top_k=k, excluded=excluded)
        assert _as_tuples(small) == _as_tuples(full[r.id])
    index = RequestIndex(requests)
    by_req = {r.id: r for r in requests}
    for o in offers:
        feasible = index.rank(o, top_k=None, excluded=excluded)
        small = RequestIndex([by_req[s.request_id] for s in feasible]).rank(o, top_k=k, excluded=excluded)
        assert _as_tuples(small) == _as_tuples(index.rank(o, top_k=k, excluded=excluded))
