"""The block path of ``Engine.suggest_all`` (``loket.matching.batch``, in parallel through
``loket.matching.parallel``) gives exactly the lists of the one-request path ``Engine.suggest``:
same offers, ranks, scores, fits, reasons, on a few hundred random requests."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from loket import taxonomy
from loket.matching import Engine, OfferRecord, RequestRecord, parallel

CITIES = [(52.37, 4.90), (52.09, 5.12), (52.51, 6.09), (53.22, 6.57), (51.44, 5.48), (51.92, 4.48)]
TOPICS = [
    "zonne-energie",
    "zonnepanelen op het dak",
    "robotica",
    "robots in de fabriek",
    "programmeren in python",
    "kassen en tuinbouw",
    "waterstof",
    "",
]
DAY0 = date(2025, 9, 1)


def _pick(rng: np.random.Generator, items: list[str], lo: int, hi: int) -> list[str]:
    return [str(x) for x in rng.choice(items, size=int(rng.integers(lo, hi + 1)), replace=False)]


def _place(rng: np.random.Generator) -> tuple[float, float]:
    lat, lon = CITIES[int(rng.integers(len(CITIES)))]
    return lat + float(rng.normal(0, 0.15)), lon + float(rng.normal(0, 0.15))


def _modes(rng: np.random.Generator) -> list[str]:
    return _pick(rng, ["at_school", "at_company", "online"], 1, 3)


def make_records(n_req: int, n_off: int, seed: int) -> tuple[list[RequestRecord], list[OfferRecord]]:
    """Random requests and offers over a few cities: all activities, levels, modes (online only
    without coordinates), topics with and without text, capacities used up, inactive rows."""
    rng = np.random.default_rng(seed)
    acts = taxonomy.activities().codes
    levels = taxonomy.levels().codes
    sectors = taxonomy.sectors().codes
    requests, offers = [], []
    for i in range(n_req):
        modes = _modes(rng)
        lat, lon = _place(rng) if modes != ["online"] or rng.random() < 0.5 else (None, None)
        start = DAY0 + timedelta(int(rng.integers(0, 200)))
        requests.append(
            RequestRecord(
                id=f"R{i:04d}",
                lat=lat,
                lon=lon,
                activity=str(rng.choice(acts)),
                sectors=_pick(rng, sectors, 0, 2),
                topic=str(rng.choice(TOPICS)),
                levels=_pick(rng, levels, 1, 2),
                pupils=25,
                earliest=start,
                latest=start + timedelta(int(rng.integers(0, 90))),
                modes=modes,
                max_travel_km=float(rng.choice([5, 15, 30, 60])),
                active=bool(rng.random() < 0.95),
                activities_this_year=int(rng.integers(0, 3)),
            )
        )
    for j in range(n_off):
        modes = _modes(rng)
        lat, lon = _place(rng) if modes != ["online"] or rng.random() < 0.5 else (None, None)
        start = DAY0 + timedelta(int(rng.integers(0, 150)))
        cap = int(rng.integers(1, 5))
        offers.append(
            OfferRecord(
                id=f"O{j:05d}",
                lat=lat,
                lon=lon,
                activity=str(rng.choice(acts)),
                sectors=_pick(rng, sectors, 1, 2),
                topic=str(rng.choice(TOPICS)),
                levels=_pick(rng, levels, 1, 3),
                capacity=cap,
                capacity_left=int(rng.integers(0, cap + 1)),
                earliest=start,
                latest=start + timedelta(int(rng.integers(30, 250))),
                modes=modes,
                radius_km=float(rng.choice([5, 20, 50, 100])),
                active=bool(rng.random() < 0.9),
            )
        )
    return requests, offers


@pytest.fixture(scope="module")
def world() -> tuple[Engine, list[RequestRecord], set[tuple[str, str]]]:
    requests, offers = make_records(250, 2000, seed=11)
    rng = np.random.default_rng(5)
    excluded = {
        (requests[int(i)].id, offers[int(j)].id)
        for i, j in zip(rng.integers(0, 250, 400), rng.integers(0, 2000, 400), strict=True)
    }
    return Engine(offers), requests, excluded


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 40 requests, in parallel from 80 on: the test data spans several blocks and workers."""
    monkeypatch.setattr(parallel, "BLOCK", 40)
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 80)


@pytest.fixture(scope="module")
def one_by_one(world) -> dict[int, dict[str, list]]:
    """The reference: every request through ``Engine.suggest``, per top_k (computed once)."""
    engine, requests, excluded = world
    return {k: {r.id: engine.suggest(r, k, excluded) for r in requests} for k in (1, 10, 30)}


@pytest.mark.parametrize(
    ("mode", "workers", "top_k"),
    [("serial", 1, 1), ("serial", 1, 10), ("serial", 1, 30), ("processes", 2, 10), ("processes", 2, 30)]
    + [("threads", 2, 10)],
)
def test_blocks_give_the_one_request_lists(
    world, one_by_one, small_blocks, top_k, mode, workers, monkeypatch
) -> None:
    engine, requests, excluded = world
    monkeypatch.setattr(parallel, "run_blocks", _with_mode(parallel.run_blocks, mode))
    lists = engine.suggest_all(requests, top_k, excluded, workers=workers)
    assert list(lists) == [r.id for r in requests]
    assert sum(bool(v) for v in lists.values()) > len(requests) * 0.8  # most requests have suggestions
    assert sum(len(v) == top_k for v in lists.values()) > len(requests) // 5  # and many a full list
    assert lists == one_by_one[top_k]  # every field of every suggestion, floats bit for bit


def test_all_feasible_without_a_cut(world, small_blocks) -> None:
    engine, requests, excluded = world
    lists = engine.suggest_all(requests[:90], None, excluded, workers=2)  # type: ignore[arg-type]
    for r in requests[:90]:
        assert lists[r.id] == engine.suggest(r, None, excluded)  # type: ignore[arg-type]


def test_progress_reaches_the_total(world, small_blocks) -> None:
    engine, requests, _ = world
    seen: list[tuple[int, int]] = []
    engine.suggest_all(requests[:100], 5, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (100, 100) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_unknown_mode_is_refused(world) -> None:
    engine, requests, _ = world
    with pytest.raises(ValueError, match="mode"):
        parallel.run_blocks(engine, engine.table, requests, 5, [], mode="gpu")


def _with_mode(run, mode: str):
    def call(*args, **kw):
        return run(*args, **kw, mode=mode)

    return call


def test_reasons_made_afterwards_are_the_reasons_made_at_once(world, one_by_one, small_blocks) -> None:
    from loket.matching.batch import fill_reasons

    engine, requests, excluded = world
    lists = engine.suggest_all(requests, 10, excluded, workers=2, reasons=False)
    some = [s for found in lists.values() for s in found[:2]]
    assert some and all(s.reasons == [] and s.deferred is not None for s in some)
    fill_reasons(engine, some)
    expected = {(s.request_id, s.offer_id): s for found in one_by_one[10].values() for s in found}
    assert all(s == expected[(s.request_id, s.offer_id)] and s.deferred is None for s in some)


@pytest.mark.parametrize("was_on", [True, False])
def test_the_cycle_collector_is_off_while_ranking_and_as_before_afterwards(
    world, small_blocks, was_on
) -> None:
    import gc

    engine, requests, excluded = world
    seen: list[bool] = []
    (gc.enable if was_on else gc.disable)()
    frozen = gc.get_freeze_count()
    try:
        engine.suggest_all(requests[:100], 5, excluded, progress=lambda *_: seen.append(gc.isenabled()))
        assert seen and not any(seen)  # off while the blocks are ranked
        assert gc.isenabled() is was_on and gc.get_freeze_count() == frozen  # as it was afterwards
    finally:
        gc.enable()
