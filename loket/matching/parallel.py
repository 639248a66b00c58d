"""All requests' top-k in blocks (``loket.matching.batch``), on every core.

The requests are cut into blocks of ``BLOCK``; each block is ranked by ``rank_block``. With more
than one worker, ``workers - 1`` forked child processes rank the last blocks while this process
ranks the first ones: a child inherits the engine (its encoded offers, BallTrees and topic vectors)
from the parent's memory when it starts, so nothing is copied up front, and sends back only its
blocks' suggestions. Processes, because the
work per block is a mix of numpy (which releases the GIL) and Python per suggestion (reasons,
records: it does not), and threads were measured slower (docs/MATCHING.md). Without ``fork``
(other platforms), with one worker or for small inputs the blocks run in this process.
The result does not depend on the block size, the number of workers or their order.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from loket.matching.batch import rank_block
from loket.matching.encode import Table
from loket.matching.types import RequestRecord, Suggestion

if TYPE_CHECKING:  # pragma: no cover
    from loket.matching.engine import Engine

#: requests per block (about 1,000 candidate pairs each: a block's arrays stay near 100 MB)
BLOCK = 500
#: below this many requests the blocks run in this process (forking a worker costs more than it saves)
MIN_PARALLEL = 6 * BLOCK
#: share of the blocks this process ranks itself beside one child: half (with the cycle collector off,
#: reading a child's suggestions costs about what sending them costs the child; 0.45 and 0.55 were
#: measured 5-10 % slower at 10,000 x 50,000)
PARENT_SHARE = 0.5
#: "processes" (default), "threads" or "serial"
MODES = ("processes", "threads", "serial")

Progress = Callable[[int, int], None]
_Job = tuple["Engine", Table, Sequence[RequestRecord], int | None, Sequence[NDArray[np.intp]], bool]
_JOB: list[_Job] = []  # the run a forked worker ranks blocks of (set before the pool starts)


def default_workers() -> int:
    """Workers for a run when the caller names none: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _block(job: _Job, lo: int, hi: int) -> list[list[Suggestion]]:
    engine, table, requests, top_k, excluded, with_reasons = job
    part = table.take(np.arange(lo, hi))
    queries = engine.topics.query_terms([r.topic or "" for r in requests[lo:hi]])
    return rank_block(engine, part, requests[lo:hi], queries, top_k, excluded[lo:hi], with_reasons)


def _forked_block(lo: int, hi: int) -> list[list[Suggestion]]:
    return _block(_JOB[0], lo, hi)


def run_blocks(
    engine: Engine,
    table: Table,
    requests: Sequence[RequestRecord],
    top_k: int | None,
    excluded: Sequence[NDArray[np.intp]],
    progress: Progress | None = None,
    workers: int | None = None,
    mode: str = "processes",
    with_reasons: bool = True,
) -> list[list[Suggestion]]:
    """Every request's top-k (in the order of ``requests``); ``progress(done, total)`` per block."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    # Python's cycle collector is off while the suggestions are made (a forked child inherits that):
    # they and their dicts are acyclic and freed by reference counting, and the collector would walk
    # the growing heap again and again (about a sixth of an all-top-10 run, and of the time to send
    # and read a child's suggestions). The objects that exist now are frozen besides: in a forked
    # child a collection would write to every inherited page (copy-on-write) and copy the whole heap
    was_on = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        job: _Job = (engine, table, requests, top_k, excluded, with_reasons)
        return _run(job, progress, workers, mode)
    finally:
        gc.unfreeze()
        if was_on:
            gc.enable()


def _run(job: _Job, progress: Progress | None, workers: int | None, mode: str) -> list[list[Suggestion]]:
    total = len(job[2])
    spans = [(lo, min(total, lo + BLOCK)) for lo in range(0, total, BLOCK)]
    workers = default_workers() if not workers else max(1, workers)
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if mode == "serial" or workers == 1 or total < MIN_PARALLEL or (mode == "processes" and not forkable):
        return _collect(spans, [partial(_block, job, lo, hi) for lo, hi in spans], total, progress)
    if mode == "threads":
        with ThreadPoolExecutor(workers) as pool:
            futures = [pool.submit(_block, job, lo, hi) for lo, hi in spans]
            return _collect(spans, [f.result for f in futures], total, progress)
    # the children take the last blocks, this process ranks the first ones meanwhile and then reads
    # the children's results (reading them costs about what sending them costs a child)
    own = max(1, round(len(spans) * PARENT_SHARE * 2 / workers))
    _JOB[:] = [job]
    pool = ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("fork"))
    try:
        futures = [pool.submit(_forked_block, lo, hi) for lo, hi in spans[own:]]
        getters = [partial(_block, job, lo, hi) for lo, hi in spans[:own]] + [f.result for f in futures]
        return _collect(spans, getters, total, progress)
    finally:
        pool.shutdown(cancel_futures=True)
        _JOB.clear()


def _collect(
    spans: list[tuple[int, int]],
    getters: list[Callable[[], list[list[Suggestion]]]],
    total: int,
    progress: Progress | None,
) -> list[list[Suggestion]]:
    """The blocks' lists in order (each getter ranks its block, or waits for a child's result)."""
    out: list[list[Suggestion]] = []
    for (_, hi), get in zip(spans, getters, strict=True):
        out += get()
        if progress is not None:
            progress(hi, total)
    return out
