"""Relevance benchmark of the matching engine on the judged set, beside distance-only and random.

The judged set (``benchmarks/data/judged_pairs.csv``, rules in ``benchmarks/data/JUDGING.md``) holds
70 requests at real PC4 places, each with 5-15 candidate offers graded 0-3. The engine ranks all judged
offers for every request (one engine over the pooled offers, as in production); the candidates of the
request keep the engine's order, those it filters out follow in id order. The baselines get the same
hard filters, so they differ from the engine only in the ranking: *distance-only* sorts the feasible
candidates by distance (online pairs by the distance between the places, unknown last), *random*
shuffles them (mean over 200 shuffles). Reported: NDCG@5, NDCG@10 (gain 2^grade - 1, log2 discount,
ideal over all candidates of the request) and precision@3 (share of the top 3 with grade >= 2), over
the requests with at least one candidate of grade >= 1; per category too; the engine's margin over
each baseline with a paired bootstrap 95 % interval.

Second part (``--no-assign`` skips it): on the benchmark-size synthetic data of bench_matching.py
(10,000 requests x 50,000 offers) the optimal assignment over each request's top 30: share of the
requests with a feasible offer that get a proposal, median and p90 distance of the assigned pairs, and
the assignment rate of the requests in the sparsest and the densest quarter of regions (offers within
25 km of the school), with the default equity weight and with the equity weight set to 0.

    .venv/bin/python benchmarks/bench_quality.py            # writes benchmarks/results/quality.json
    .venv/bin/python benchmarks/bench_quality.py --small    # assignment part on 1,000 x 5,000
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from common import RESULTS, machine, peak_rss_mb, timed, write_json  # noqa: E402

from loket.matching import Engine, MatchConfig, OfferRecord, RequestRecord, assign  # noqa: E402
from loket.matching.naive import haversine_km  # noqa: E402

JUDGED = ROOT / "benchmarks" / "data" / "judged_pairs.csv"
OLD_DEFAULTS = MatchConfig(
    w_distance=0.30,
    w_sector=0.20,
    w_topic=0.15,
    w_activity=0.10,
    w_level=0.10,
    w_date=0.05,
    w_equity=0.10,
    related_sector_fit=0.5,
    compatible_activity_fit=0.6,
)


# --------------------------------------------------------------------------- the judged set
@dataclass
class Judged:
    """Requests, pooled offers, the candidates and grades per request, and the request categories."""

    requests: list[RequestRecord]
    offers: list[OfferRecord]
    candidates: dict[str, list[str]]
    grades: dict[tuple[str, str], int]
    category: dict[str, str]
    distance: dict[tuple[str, str], float]


def _list(cell: str) -> list[str]:
    return [x for x in cell.split(";") if x]


def load_judged(path: Path = JUDGED) -> Judged:
    """Read the judged CSV into engine records (every offer active, with capacity)."""
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    reqs: dict[str, RequestRecord] = {}
    offers: dict[str, OfferRecord] = {}
    cands: dict[str, list[str]] = defaultdict(list)
    grades: dict[tuple[str, str], int] = {}
    cat: dict[str, str] = {}
    dist: dict[tuple[str, str], float] = {}
    for r in rows:
        rid, oid = r["request_id"], r["offer_id"]
        if rid not in reqs:
            reqs[rid] = RequestRecord(
                id=rid,
                lat=float(r["request_lat"]),
                lon=float(r["request_lon"]),
                activity=r["request_activity"],
                sectors=_list(r["request_sectors"]),
                topic=r["request_topic"],
                levels=_list(r["request_levels"]),
                pupils=25,
                earliest=date.fromisoformat(r["request_earliest"]),
                latest=date.fromisoformat(r["request_latest"]),
                modes=_list(r["request_modes"]),
                max_travel_km=float(r["request_max_travel_km"]),
                activities_this_year=0,
            )
            cat[rid] = r["category"]
        offers[oid] = OfferRecord(
            id=oid,
            lat=float(r["offer_lat"]),
            lon=float(r["offer_lon"]),
            activity=r["offer_activity"],
            sectors=_list(r["offer_sectors"]),
            topic=r["offer_topic"],
            levels=_list(r["offer_levels"]),
            capacity=2,
            capacity_left=2,
            earliest=date.fromisoformat(r["offer_earliest"]),
            latest=date.fromisoformat(r["offer_latest"]),
            modes=_list(r["offer_modes"]),
            radius_km=float(r["offer_radius_km"]),
        )
        cands[rid].append(oid)
        grades[(rid, oid)] = int(r["grade"])
        dist[(rid, oid)] = haversine_km(
            reqs[rid].lat,
            reqs[rid].lon,
            offers[oid].lat,
            offers[oid].lon,  # type: ignore[arg-type]
        )
    return Judged(list(reqs.values()), list(offers.values()), dict(cands), grades, cat, dist)


# --------------------------------------------------------------------------- metrics
def dcg(grades: Sequence[int], k: int) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))


def ndcg(ranked: Sequence[int], all_grades: Sequence[int], k: int) -> float:
    ideal = dcg(sorted(all_grades, reverse=True), k)
    return dcg(ranked, k) / ideal if ideal > 0 else 0.0


def precision(ranked: Sequence[int], k: int = 3, relevant: int = 2) -> float:
    return sum(1 for g in ranked[:k] if g >= relevant) / k


METRICS: dict[str, Callable[[Sequence[int], Sequence[int]], float]] = {
    "ndcg@5": lambda r, a: ndcg(r, a, 5),
    "ndcg@10": lambda r, a: ndcg(r, a, 10),
    "p@3": lambda r, a: precision(r, 3),
}


# --------------------------------------------------------------------------- rankings
def rankings(j: Judged, config: MatchConfig | None = None) -> dict[str, tuple[list[str], list[str]]]:
    """Per request: (engine order of its feasible candidates, the infeasible candidates in id order)."""
    engine = Engine(j.offers, config)
    out = {}
    for req in j.requests:
        cand = set(j.candidates[req.id])
        ranked = [s.offer_id for s in engine.suggest(req, top_k=len(j.offers)) if s.offer_id in cand]
        rest = sorted(cand - set(ranked))
        out[req.id] = (ranked, rest)
    return out


def evaluate(
    j: Judged, ranks: dict[str, tuple[list[str], list[str]]], random_rounds: int = 200, seed: int = 14
) -> dict[str, dict[str, list[float]]]:
    """Per method and metric, the per-request values (requests with a grade >= 1 candidate only)."""
    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, list[float]]] = {
        m: {k: [] for k in METRICS} for m in ("engine", "distance", "random", "ideal")
    }
    for req in j.requests:
        all_g = [j.grades[(req.id, o)] for o in j.candidates[req.id]]
        if max(all_g) < 1:
            continue
        feas, rest = ranks[req.id]
        tail = [j.grades[(req.id, o)] for o in rest]
        g = [j.grades[(req.id, o)] for o in feas]
        by_dist = sorted(feas, key=lambda o: (j.distance[(req.id, o)], o))
        variants = {
            "engine": [g + tail],
            "distance": [[j.grades[(req.id, o)] for o in by_dist] + tail],
            "random": [list(rng.permutation(g)) + tail for _ in range(random_rounds)] if g else [tail],
        }
        variants["ideal"] = [sorted(all_g, reverse=True)]  # the best any ranking can do (P@3 ceiling)
        for method, lists in variants.items():
            for name, fn in METRICS.items():
                out[method][name].append(float(np.mean([fn(x, all_g) for x in lists])))
    return out


def _bootstrap(a: list[float], b: list[float], rounds: int = 2000, seed: int = 1) -> tuple[float, float]:
    """95 % interval of mean(a - b) over requests (paired bootstrap)."""
    d = np.array(a) - np.array(b)
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(rounds, len(d)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def summary(j: Judged, values: dict[str, dict[str, list[float]]], ids: list[str]) -> dict:
    """Means per method, the engine's margins, and the figures per category."""
    res: dict = {m: {k: round(float(np.mean(v)), 4) for k, v in ms.items()} for m, ms in values.items()}
    margins = {}
    for base in ("distance", "random"):
        margins[base] = {}
        for k in METRICS:
            e, b = values["engine"][k], values[base][k]
            lo, hi = _bootstrap(e, b)
            wins = sum(1 for x, y in zip(e, b, strict=True) if x > y + 1e-9)
            losses = sum(1 for x, y in zip(e, b, strict=True) if x < y - 1e-9)
            margins[base][k] = {
                "absolute": round(float(np.mean(e) - np.mean(b)), 4),
                "relative_pct": round(100 * (np.mean(e) / np.mean(b) - 1), 1) if np.mean(b) else None,
                "ci95": [round(lo, 4), round(hi, 4)],
                "requests_better": wins,
                "requests_worse": losses,
            }
    per_cat: dict[str, dict] = {}
    cats = sorted({j.category[i] for i in ids})
    for c in cats:
        idx = [n for n, i in enumerate(ids) if j.category[i] == c]
        per_cat[c] = {
            "requests": len(idx),
            **{
                m: {k: round(float(np.mean([values[m][k][n] for n in idx])), 4) for k in METRICS}
                for m in values
            },
        }
    return {"means": res, "engine_margin": margins, "by_category": per_cat}


def quality(config: MatchConfig | None = None, path: Path = JUDGED) -> dict:
    j = load_judged(path)
    values = evaluate(j, rankings(j, config))
    ids = [r.id for r in j.requests if max(j.grades[(r.id, o)] for o in j.candidates[r.id]) >= 1]
    return summary(j, values, ids) | {"_ids": ids}


# --------------------------------------------------------------------------- assignment figures
def _assign_run(
    requests: list[RequestRecord],
    offers: list[OfferRecord],
    cfg: MatchConfig,
    sparse: set[str],
    dense: set[str],
) -> dict:
    """Top 30 per request, the optimal assignment, and its figures."""
    engine = Engine(offers, cfg)
    cands, cand_s = timed(lambda: engine.suggest_all(requests, top_k=30))
    best, assign_s = timed(lambda: assign(cands, engine.capacities()))
    feasible = {r for r, v in cands.items() if v}
    got = {s.request_id for s in best.pairs}
    dists = np.array([s.distance_km for s in best.pairs if s.distance_km is not None])
    phys = np.array([s.distance_km for s in best.pairs if s.mode != "online" and s.distance_km is not None])

    def rate(group: set[str]) -> float:
        g = group & feasible
        return round(100 * len(g & got) / len(g), 2) if g else 0.0

    def pct(a: np.ndarray, q: float) -> float | None:
        return round(float(np.percentile(a, q)), 2) if len(a) else None

    return {
        "requests_with_feasible_offer": len(feasible),
        "assigned": len(got),
        "assigned_share_of_feasible_pct": round(100 * len(got) / max(1, len(feasible)), 2),
        "median_km_assigned": pct(dists, 50),
        "p90_km_assigned": pct(dists, 90),
        "median_km_assigned_on_site": pct(phys, 50),
        "p90_km_assigned_on_site": pct(phys, 90),
        "sparse_quarter_rate_pct": rate(sparse),
        "dense_quarter_rate_pct": rate(dense),
        "sparse_minus_dense_pts": round(rate(sparse) - rate(dense), 2),
        "candidates_s": round(cand_s, 2),
        "assign_s": round(assign_s, 2),
    }


def assignment_figures(small: bool) -> dict:
    """Assignment rate, distances and sparse/dense equity on the synthetic benchmark-size data."""
    from bench_matching import make_data

    sizes = (1000, 5000, 1000, 5000) if small else (10_000, 50_000, 10_000, 50_000)
    (requests, offers), gen_s = timed(lambda: make_data(*sizes))
    # density of a school's region: matchable offers within 25 km
    from sklearn.neighbors import BallTree

    live = [o for o in offers if o.active and o.capacity_left > 0]
    tree = BallTree(np.radians([[o.lat, o.lon] for o in live]), metric="haversine")
    pts = np.radians([[r.lat, r.lon] for r in requests])
    density = tree.query_radius(pts, r=25.0 / 6371.0088, count_only=True)
    q1, q3 = np.percentile(density, [25, 75])
    sparse = {r.id for r, d in zip(requests, density, strict=True) if d <= q1}
    dense = {r.id for r, d in zip(requests, density, strict=True) if d >= q3}
    out: dict = {
        "sizes": {"requests": sizes[2], "offers": sizes[3]},
        "density_quartiles_offers_25km": [float(q1), float(q3)],
        "sparse_quarter": "requests whose school has at most the first quartile of offers within 25 km",
        "dense_quarter": "requests whose school has at least the third quartile",
    }
    # scarce: every 8th offer with one place left, so that demand exceeds supply
    scarce = [replace(o, capacity_left=min(o.capacity_left, 1)) for o in offers[::8]]
    for scenario, pool in (("benchmark_size", offers), ("scarce_capacity", scarce)):
        out[scenario] = {"offers": len(pool), "places": sum(o.capacity_left for o in pool if o.active)}
        for label, cfg in (
            ("default", MatchConfig()),
            ("equity_weight_0", replace(MatchConfig(), w_equity=0.0)),
        ):
            out[scenario][label] = _assign_run(requests, pool, cfg, sparse, dense)
    out["data_s"] = round(gen_s, 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", action="store_true", help="assignment part on 1,000 requests x 5,000 offers")
    ap.add_argument("--no-assign", action="store_true", help="skip the assignment part")
    ap.add_argument("--judged", type=Path, default=JUDGED)
    args = ap.parse_args()
    j = load_judged(args.judged)
    n_pairs = sum(len(v) for v in j.candidates.values())
    (values, ids), eval_s = timed(lambda: _run(j, None))
    result: dict = {
        "benchmark": "quality",
        "judged_set": {
            "file": str(args.judged.relative_to(ROOT))
            if args.judged.is_relative_to(ROOT)
            else str(args.judged),
            "requests": len(j.requests),
            "pairs": n_pairs,
            "requests_evaluated": len(ids),
            "requests_without_relevant_candidate": len(j.requests) - len(ids),
            "grades": {str(g): sum(1 for v in j.grades.values() if v == g) for g in range(4)},
            "rules": "benchmarks/data/JUDGING.md",
        },
        "metrics": {
            "ndcg@5": "NDCG at 5, gain 2^grade - 1, log2 discount, ideal over all candidates",
            "ndcg@10": "NDCG at 10",
            "p@3": "share of the top 3 with grade >= 2",
        },
        "baselines": {
            "distance": "same hard filters, feasible candidates sorted by distance",
            "random": "same hard filters, feasible candidates in random order (mean of 200 shuffles)",
            "ideal": "candidates sorted by grade: the ceiling (NDCG 1; P@3 below 1 where a request has "
            "fewer than 3 candidates of grade >= 2)",
        },
        "score_config": dict(asdict(MatchConfig())),
        **summary(j, values, ids),
    }
    old_values, _ = _run(j, OLD_DEFAULTS)
    result["ablation_previous_weights"] = {
        "what": "engine with the previous default weights (distance 0.30, sector 0.20, topic 0.15, "
        "related sector 0.5) on the current topic model",
        **{k: round(float(np.mean(v)), 4) for k, v in old_values["engine"].items()},
    }
    result["ablation_no_synonym_list"] = {
        "what": "engine without the curated synonym groups (data/taxonomy/topic_synonyms.json); the list "
        "and the judged set's subjects name many of the same words, so this bounds what the list adds",
        **{k: round(float(np.mean(v)), 4) for k, v in _without_synonyms(j)["engine"].items()},
    }
    result["eval_s"] = round(eval_s, 2)
    if not args.no_assign:
        result["assignment"] = assignment_figures(args.small)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    result["machine"] = machine()
    previous = RESULTS / "quality.json"
    if previous.exists():  # written by bench_matching.py from the real `loket match --assign`
        kept = json.loads(previous.read_text(encoding="utf-8")).get("assignment_command")
        if kept is not None:
            result["assignment_command"] = kept
    path = write_json("quality", result)
    print(f"wrote {path}", file=sys.stderr)
    for m, vals in result["means"].items():
        print(m, vals)
    for base, ms in result["engine_margin"].items():
        print("engine vs", base, {k: (v["absolute"], v["ci95"]) for k, v in ms.items()})


def _without_synonyms(j: Judged) -> dict[str, dict[str, list[float]]]:
    """The evaluation with an empty synonym list (the n-gram similarity alone)."""
    from loket.matching import topic

    saved = topic.synonym_groups
    topic.synonym_groups = lambda: ({}, (), ())  # type: ignore[assignment]
    try:
        return evaluate(j, rankings(j))
    finally:
        topic.synonym_groups = saved  # type: ignore[assignment]


def _run(j: Judged, config: MatchConfig | None) -> tuple[dict[str, dict[str, list[float]]], list[str]]:
    values = evaluate(j, rankings(j, config))
    ids = [r.id for r in j.requests if max(j.grades[(r.id, o)] for o in j.candidates[r.id]) >= 1]
    return values, ids


if __name__ == "__main__":
    main()
