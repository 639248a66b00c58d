"""Plain reference for `loket match --json --top 10 --dry-run`: the same inputs from CSV files (exported
once from the database by match_command.export_csv), the numpy/BallTree engine, JSON on stdout; its
phases (load, index, score, out) as one JSON line on stderr, like `loket match --timings`.

    .venv/bin/python benchmarks/match_reference.py FOLDER [--top 10]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from datetime import date
from pathlib import Path

from loket.matching import Engine, OfferRecord, RequestRecord


def _common(r: dict) -> dict:
    lat, lon = (float(r["lat"]), float(r["lon"])) if r["lat"] not in ("", "nan") else (None, None)
    return dict(
        id=r["id"],
        lat=lat,
        lon=lon,
        activity=r["activity"],
        sectors=[s for s in r["sectors"].split(";") if s],
        topic=r["topic"],
        levels=[s for s in r["levels"].split(";") if s],
        earliest=date.fromisoformat(r["earliest"]),
        latest=date.fromisoformat(r["latest"]),
        modes=[s for s in r["modes"].split(";") if s],
        active=r["active"] == "True",
    )


def load(folder: Path) -> tuple[list[RequestRecord], list[OfferRecord], set[tuple[str, str]], dict, dict]:
    """Records, excluded pairs and the public ids from the CSV files."""

    def rows(name: str) -> list[dict]:
        with (folder / f"{name}.csv").open(encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    req_rows, off_rows = rows("requests"), rows("offers")
    requests = [
        RequestRecord(
            **_common(r),
            pupils=int(r["pupils"]),
            max_travel_km=float(r["max_travel_km"]),
            activities_this_year=int(r["activities_this_year"]),
        )
        for r in req_rows
    ]
    offers = [
        OfferRecord(
            **_common(r),
            capacity=int(r["capacity"]),
            capacity_left=int(r["capacity_left"]),
            radius_km=float(r["radius_km"]),
        )
        for r in off_rows
    ]
    excluded = {(r["request_id"], r["offer_id"]) for r in rows("excluded")}
    return (
        requests,
        offers,
        excluded,
        {r["id"]: r["public"] for r in req_rows},
        {r["id"]: r["public"] for r in off_rows},
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    t0 = time.perf_counter()
    requests, offers, excluded, pub_r, pub_o = load(args.folder)
    t1 = time.perf_counter()
    engine = Engine(offers)
    t2 = time.perf_counter()
    lists = engine.suggest_all(requests, args.top, excluded)
    t3 = time.perf_counter()
    docs = []
    for r in requests:
        for s in lists[r.id]:
            doc = s.to_json()
            doc["request"], doc["offer"] = pub_r[s.request_id], pub_o[s.offer_id]
            docs.append(doc)
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    sys.stdout.write("[\n" + ",\n".join(dumps(d) for d in docs) + "\n]\n")
    t4 = time.perf_counter()
    phases = {"load_s": t1 - t0, "index_s": t2 - t1, "score_s": t3 - t2, "out_s": t4 - t3}
    print(json.dumps({"timings": {k: round(v, 3) for k, v in phases.items()}}), file=sys.stderr)


if __name__ == "__main__":
    main()
