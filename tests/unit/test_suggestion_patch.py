"""patch_list: working one changed pair into a stored top-k list gives exactly the top-k of all
pairs, or says that the list must be recomputed (never a wrong list)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from loket.services.matching.patch import patch_list
from loket.services.matching.patch import sort_key as engine_key


def sort_key(score: float, other: int) -> tuple:
    """The stored order with a distance per other id (equal scores then go by distance, then id)."""
    return engine_key(score, None if other % 4 == 0 else float(other % 3), None, other)


scores = st.sampled_from([0.1, 0.25, 0.5, 0.5, 0.75, 0.9, 1.0])


def top(pairs: dict[int, float], k: int) -> list[tuple]:
    return sorted(((sort_key(s, o), o, "p") for o, s in pairs.items()), key=lambda e: e[0])[:k]


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(st.integers(1, 40), scores, max_size=25),
    st.integers(1, 40),
    st.one_of(st.none(), scores),
    st.integers(1, 8),
)
def test_patch_is_exact_or_asks_for_a_recompute(pairs, other, new_score, k):
    stored = top(pairs, k)
    after = dict(pairs)
    after.pop(other, None)
    if new_score is not None:
        after[other] = new_score
    new = (sort_key(new_score, other), "p") if new_score is not None else None
    patched = patch_list(stored, other, new, k)
    want = [(e[0], e[1]) for e in top(after, k)]
    if patched is None:
        # only when the pair left (or sank within) a full list: the next entry is unknown
        assert len(stored) == k and other in {e[1] for e in stored}
    else:
        assert [(e[0], e[1]) for e in patched] == want


def test_a_new_best_pair_pushes_out_the_last():
    stored = top({1: 0.9, 2: 0.5, 3: 0.4}, 3)
    patched = patch_list(stored, 4, (sort_key(0.95, 4), "p"), 3)
    assert [e[1] for e in patched] == [4, 1, 2]


def test_leaving_a_full_list_needs_a_recompute_but_not_a_short_one():
    assert patch_list(top({1: 0.9, 2: 0.5}, 2), 1, None, 2) is None
    assert [e[1] for e in patch_list(top({1: 0.9, 2: 0.5}, 3), 1, None, 3)] == [2]
