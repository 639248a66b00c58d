"""Learning weights from decisions: simulated managers with a hidden preference, and with none."""

from __future__ import annotations

import numpy as np
import pytest

from loket.matching import MatchConfig
from loket.matching.learn import Decision, fit_weights, ndcg_groups, tune, within_bounds
from loket.matching.types import FEATURES

CURRENT = MatchConfig().weights
#: what the simulated managers really care about: distance twice the topic, sector next
HIDDEN = {
    "distance": 0.40,
    "sector": 0.15,
    "topic": 0.20,
    "activity": 0.05,
    "level": 0.05,
    "date": 0.05,
    "equity": 0.10,
}


def simulate(n_requests: int, per_request: int, *, signal: bool, seed: int = 3) -> list[Decision]:
    """Each request gets ``per_request`` proposed pairs with random fits; the managers approve the one
    or two best by their hidden preference (plus a little noise) and reject the rest. Without
    signal they approve at random."""
    rng = np.random.default_rng(seed)
    out = []
    w = np.array([HIDDEN[n] for n in FEATURES])
    for r in range(n_requests):
        fits = rng.uniform(0, 1, size=(per_request, len(FEATURES)))
        util = fits @ w + rng.normal(0, 0.03, per_request)
        n_good = int(rng.integers(1, 3))
        good = (
            set(np.argsort(-util)[:n_good].tolist())
            if signal
            else set(rng.choice(per_request, n_good).tolist())
        )
        for i in range(per_request):
            out.append(Decision(dict(zip(FEATURES, fits[i].tolist(), strict=True)), i in good, f"R{r}"))
    return out


def test_hidden_preference_is_recovered_and_raises_held_out_ndcg() -> None:
    result = tune(simulate(80, 5, signal=True), CURRENT, min_decisions=200)
    assert result.better, result.why
    learned = result.learned
    assert learned is not None
    # the direction: distance now outweighs topic (the defaults say the opposite)
    assert CURRENT["topic"] > CURRENT["distance"]
    assert learned["distance"] > learned["topic"]
    assert learned["distance"] == max(learned.values())
    assert result.learned_ndcg is not None and result.current_ndcg is not None
    assert result.learned_ndcg > result.current_ndcg + 0.01
    assert result.gain_ci95 is not None and result.gain_ci95[0] > 0
    assert sum(learned.values()) == pytest.approx(1.0)


def test_decisions_without_signal_store_nothing() -> None:
    result = tune(simulate(80, 5, signal=False), CURRENT, min_decisions=200)
    assert not result.better
    assert result.why


def test_too_few_decisions_learn_nothing() -> None:
    result = tune(simulate(10, 5, signal=True), CURRENT, min_decisions=200)
    assert not result.better and result.learned is None and "te weinig" in result.why


def test_bounds_hold_the_learned_weights() -> None:
    bounds = {n: (0.05, 0.30) for n in FEATURES}
    result = tune(simulate(80, 5, signal=True), CURRENT, bounds=bounds, min_decisions=200)
    assert result.learned is not None
    assert all(0.05 - 1e-9 <= v <= 0.30 + 1e-9 for v in result.learned.values())
    assert sum(result.learned.values()) == pytest.approx(1.0)
    w = within_bounds(np.array([0.9, 0.1, 0, 0, 0, 0, 0]), bounds)
    assert w.sum() == pytest.approx(1.0) and w.max() <= 0.30 + 1e-9 and w.min() >= 0.05 - 1e-9


def test_fit_is_non_negative_and_ndcg_is_per_request() -> None:
    x = np.array([[1.0, 0, 0, 0, 0, 0, 0], [0, 1.0, 0, 0, 0, 0, 0]] * 20)
    y = np.array([1.0, 0.0] * 20)
    w = fit_weights(x, y)
    assert (w >= 0).all() and w[0] > w[1] and w.sum() == pytest.approx(1.0)
    g = np.array(["a", "a", "b", "b"], dtype=object)
    vals = ndcg_groups(np.array([0.9, 0.1, 0.1, 0.9]), np.array([1.0, 0, 1, 0]), g)
    assert vals["a"] == pytest.approx(1.0) and vals["b"] == pytest.approx(1 / np.log2(3))
