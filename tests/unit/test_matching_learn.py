"""Learning weights from decisions: simulated cluster managers with a hidden preference, no-signal
decisions, bounds, labels and stored breakdowns, per-cluster results."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from loket.matching import FEATURES, Engine, OfferRecord, RequestRecord, Weights
from loket.matching.learn import (
    Bounds,
    Decision,
    fit_by_cluster,
    fit_weights,
    fits_from_breakdown,
    for_cluster,
    label,
    ndcg_binary,
)
from loket.matching.reasons import render

CURRENT = Weights()


def hidden_topic_twice() -> Weights:
    d = CURRENT.as_dict()
    d["topic"] *= 2
    return Weights.from_dict(d, "hidden")


def simulate(
    n_requests: int, hidden: Weights, seed: int, *, random_labels: bool = False, cluster: str | None = None
) -> list[Decision]:
    """Managers see 3-7 suggestions per request with realistic fits; they approve the 1-3 that are best
    by their own (hidden) weights, with a little noise, and reject the rest. With ``random_labels``
    the same number of approvals is spread at random: decisions without any signal."""
    rng = np.random.default_rng(seed)
    w = np.array([hidden.normalised()[f] for f in FEATURES])
    out: list[Decision] = []
    for r in range(n_requests):
        k = int(rng.integers(3, 8))
        x = np.column_stack(
            [
                np.exp(-rng.uniform(0, 40, k) / 25),  # distance
                rng.choice([0.0, 0.35, 1.0], k, p=[0.3, 0.3, 0.4]),  # sector
                rng.beta(0.7, 0.9, k),  # topic
                rng.choice([0.5, 1.0], k, p=[0.25, 0.75]),  # activity
                rng.choice([0.5, 1.0], k, p=[0.2, 0.8]),  # level
                rng.uniform(0.3, 1.0, k),  # date
                rng.uniform(0.3, 1.0, k),  # equity
            ]
        )
        utility = x @ w + rng.normal(0, 0.03, k)
        n_pos = int(rng.integers(1, max(2, k // 2) + 1))
        best = set(np.argsort(-utility)[:n_pos].tolist())
        labels = [i in best for i in range(k)]
        if random_labels:
            labels = [bool(v) for v in rng.permutation(labels)]
        rid = f"{cluster or 'N'}-R{r}"
        out += [Decision(rid, dict(zip(FEATURES, x[i], strict=True)), labels[i], cluster) for i in range(k)]
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_hidden_preference_is_recovered_and_raises_held_out_ndcg(seed: int) -> None:
    decisions = simulate(300, hidden_topic_twice(), seed)
    res = fit_weights(decisions, CURRENT)
    assert res.accepted and res.reason.code == "learn_better"
    assert res.learned is not None and res.learned_ndcg is not None and res.current_ndcg is not None
    assert res.learned_ndcg >= res.current_ndcg + 0.01 and res.gain_ci90 and res.gain_ci90[0] > 0
    new, old = res.learned.normalised(), CURRENT.normalised()
    # the direction: topic up, relative to every other learned feature
    assert new["topic"] > old["topic"] + 0.1
    for f in ("distance", "sector", "activity", "level", "date"):
        assert new["topic"] / max(new[f], 1e-9) > old["topic"] / old[f], f
    assert new["equity"] == pytest.approx(old["equity"])  # policy, not learned
    assert all(v >= 0 for v in new.values()) and sum(new.values()) == pytest.approx(1.0)
    assert res.n_decisions == len(decisions) and res.folds == 5 and len(res.per_fold) == 5
    assert res.learned.version.startswith("learned-")
    assert render(res.reason).startswith("beter op ongeziene aanvragen: NDCG ")


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_decisions_without_signal_propose_nothing(seed: int) -> None:
    res = fit_weights(simulate(300, hidden_topic_twice(), seed, random_labels=True), CURRENT)
    assert not res.accepted
    assert res.reason.code in {"learn_not_better", "learn_not_sure"}
    assert res.learned_ndcg is not None and res.current_ndcg is not None  # both still reported


def test_too_few_decisions_propose_nothing() -> None:
    decisions = simulate(20, hidden_topic_twice(), 1)
    res = fit_weights(decisions, CURRENT, min_decisions=200)
    assert not res.accepted and res.learned is None
    assert res.reason.code == "learn_too_few" and res.reason.params == {"n": len(decisions), "min": 200}
    assert render(res.reason) == f"te weinig beslissingen: {len(decisions)}, minimaal 200"
    assert res.to_json()["held_out_ndcg"]["learned"] is None


def test_only_approvals_carry_no_contrast() -> None:
    decisions = [Decision(f"R{i}", dict.fromkeys(FEATURES, 0.5), True) for i in range(300)]
    res = fit_weights(decisions, CURRENT)
    assert not res.accepted and res.reason.code == "learn_no_contrast"


def test_learned_weights_stay_within_admin_bounds() -> None:
    bounds = Bounds(low={"distance": 0.15}, high={"topic": 0.4})
    res = fit_weights(simulate(300, hidden_topic_twice(), 1), CURRENT, bounds=bounds)
    assert res.learned is not None
    new = res.learned.normalised()
    assert new["topic"] <= 0.4 + 1e-9 and new["distance"] >= 0.15 - 1e-9
    assert sum(new.values()) == pytest.approx(1.0)
    assert new["topic"] > CURRENT.normalised()["topic"]  # still moved the right way, up to the bound
    with pytest.raises(ValueError, match="som min > 1"):
        fit_weights(simulate(50, CURRENT, 1), CURRENT, bounds=Bounds(low=dict.fromkeys(FEATURES, 0.2)))
    with pytest.raises(ValueError, match="onbekende kenmerken: speed"):
        fit_weights(simulate(50, CURRENT, 1), CURRENT, bounds=Bounds(low={"speed": 0.1}))


def test_per_cluster_when_enough_decisions_else_national() -> None:
    big = simulate(250, hidden_topic_twice(), 7, cluster="noord")
    small = simulate(10, hidden_topic_twice(), 8, cluster="zuid")
    results = fit_by_cluster(big + small, CURRENT, min_decisions=200)
    assert set(results) == {None, "noord"}
    assert for_cluster(results, "noord").scope == "noord"
    assert for_cluster(results, "zuid").scope is None  # falls back to the national result
    assert results[None].n_decisions == len(big) + len(small)


@pytest.mark.parametrize(
    ("status", "rating", "expected"),
    [
        ("approved", None, True),
        ("accepted", None, True),
        ("scheduled", None, True),
        ("completed", 4.5, True),
        ("completed", None, True),
        ("completed", 2.0, None),
        ("rejected", None, False),
        ("declined", None, False),
        ("proposed", None, None),
        ("cancelled", None, None),
        ("expired", None, None),
    ],
)
def test_label(status: str, rating: float | None, expected: bool | None) -> None:
    assert label(status, rating) is expected


def test_fits_from_stored_breakdown_match_the_suggestion() -> None:
    """Older matches store contributions (weight x fit); the fits come back by dividing by the weights."""
    r = RequestRecord(
        "R1", 52.09, 5.12, "gastles", ["energie"], "zonnepanelen", ["havo"], 25,
        date(2026, 2, 1), date(2026, 4, 1), ["at_school"], 30.0,
    )  # fmt: skip
    o = OfferRecord(
        "O1", 52.16, 5.39, "gastles", ["energie"], "Zonnepanelen op het dak", ["havo"], 2, 1,
        date(2026, 1, 1), date(2026, 3, 1), ["at_school"], 40.0,
    )  # fmt: skip
    s = Engine([o]).suggest(r)[0]
    got = fits_from_breakdown(s.contributions, CURRENT)
    assert got == pytest.approx(s.fits)
    assert fits_from_breakdown({"fits": s.fits}, CURRENT) == pytest.approx(s.fits)
    assert fits_from_breakdown({"distance": 0.1}, CURRENT) is None


def test_ndcg_binary_averages_ties() -> None:
    assert ndcg_binary(np.array([1, 0], dtype=np.int8), np.array([2.0, 1.0])) == 1.0
    assert ndcg_binary(np.array([0, 1], dtype=np.int8), np.array([2.0, 1.0])) == pytest.approx(1 / np.log2(3))
    tie = ndcg_binary(np.array([0, 1], dtype=np.int8), np.array([1.0, 1.0]))
    assert tie == pytest.approx((1 + 1 / np.log2(3)) / 2)


def test_engine_accepts_learned_weights_and_records_the_version() -> None:
    res = fit_weights(simulate(300, hidden_topic_twice(), 1), CURRENT, version="learned-test")
    assert res.learned is not None
    r = RequestRecord(
        "R1", 52.09, 5.12, "gastles", ["energie"], "zonnepanelen", ["havo"], 25,
        date(2026, 2, 1), date(2026, 4, 1), ["at_school"], 30.0,
    )  # fmt: skip
    o = OfferRecord(
        "O1", 52.16, 5.39, "gastles", ["energie"], "Zonnepanelen", ["havo"], 2, 2,
        date(2026, 1, 1), date(2026, 6, 1), ["at_school"], 40.0,
    )  # fmt: skip
    s = Engine([o], weights=res.learned).suggest(r)[0]
    assert s.weights_version == "learned-test"
    assert s.contributions["topic"] == pytest.approx(res.learned.normalised()["topic"] * s.fits["topic"])
    doc = res.to_json()
    assert doc["accepted"] is True and doc["learned"]["version"] == "learned-test"
    assert doc["reason"]["code"] == "learn_better"
