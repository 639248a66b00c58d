"""Build data/map/nl_outline.json: a simple outline of the Netherlands for the offline SVG map.

Run once by a developer (not at app run time):

    .venv/bin/python scripts/build_nl_outline.py [--max-edge-km 14]

Method: a concave hull ("alpha shape") of the PC4 centroids of the bundled gazetteer
(data/gazetteer/pc4.csv, GeoNames CC BY 4.0): Delaunay triangles with an edge longer than
``--max-edge-km`` are dropped, the boundary edges of the rest are chained into rings, and each
ring is simplified (Douglas-Peucker) and rounded to 3 decimals. The outline follows the
outermost postcode centroids, so it runs a few km inside the real coast; it is a backdrop for
orientation, not a border.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.spatial import Delaunay

ROOT = Path(__file__).resolve().parents[1]
PC4 = ROOT / "data" / "gazetteer" / "pc4.csv"
OUT = ROOT / "data" / "map" / "nl_outline.json"
KM_PER_DEG_LAT = 111.32


def _project(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    return np.column_stack([lon * KM_PER_DEG_LAT * math.cos(math.radians(lat0)), lat * KM_PER_DEG_LAT])


def _rings(edges: set[tuple[int, int]]) -> list[list[int]]:
    nxt: dict[int, list[int]] = defaultdict(list)
    for a, b in edges:
        nxt[a].append(b)
        nxt[b].append(a)
    seen: set[tuple[int, int]] = set()
    rings: list[list[int]] = []
    for a, b in sorted(edges):
        if (a, b) in seen:
            continue
        ring = [a]
        prev, cur = a, b
        seen.add((min(a, b), max(a, b)))
        while cur != a:
            ring.append(cur)
            options = [n for n in nxt[cur] if n != prev and (min(cur, n), max(cur, n)) not in seen]
            if not options:
                break
            prev, cur = cur, options[0]
            seen.add((min(prev, cur), max(prev, cur)))
        if len(ring) >= 3:
            rings.append(ring)
    return rings


def _area(xy: np.ndarray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _simplify(xy: np.ndarray, tol: float) -> list[int]:
    """Douglas-Peucker on an open polyline; returns kept indices."""
    if len(xy) < 3:
        return list(range(len(xy)))
    a, b = xy[0], xy[-1]
    ab = b - a
    norm = float(np.hypot(*ab)) or 1e-9
    d = np.abs(ab[0] * (xy[:, 1] - a[1]) - ab[1] * (xy[:, 0] - a[0])) / norm
    i = int(np.argmax(d))
    if d[i] <= tol:
        return [0, len(xy) - 1]
    left = _simplify(xy[: i + 1], tol)
    right = _simplify(xy[i:], tol)
    return left[:-1] + [i + j for j in right]


def _inside(inner: list[tuple[float, float]], outer: list[tuple[float, float]]) -> bool:
    from loket.svgmap import ring_inside

    return ring_inside(inner, outer)


def build(max_edge_km: float, tol_km: float, min_area_km2: float) -> dict:
    with PC4.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    lat = np.array([float(r["lat"]) for r in rows])
    lon = np.array([float(r["lon"]) for r in rows])
    lat0 = float(lat.mean())
    xy = _project(lat, lon, lat0)
    tri = Delaunay(xy)
    count: dict[tuple[int, int], int] = defaultdict(int)
    for simplex in tri.simplices:
        pts = xy[simplex]
        lengths = [float(np.hypot(*(pts[i] - pts[(i + 1) % 3]))) for i in range(3)]
        if max(lengths) > max_edge_km:
            continue
        for i in range(3):
            a, b = int(simplex[i]), int(simplex[(i + 1) % 3])
            count[(min(a, b), max(a, b))] += 1
    boundary = {e for e, n in count.items() if n == 1}
    polygons = []
    for ring in _rings(boundary):
        ring_xy = xy[ring]
        if _area(ring_xy) < min_area_km2:
            continue
        far = int(np.argmax(np.hypot(*(ring_xy - ring_xy[0]).T)))  # split the ring in two open lines
        first = _simplify(ring_xy[: far + 1], tol_km)
        second = _simplify(np.vstack([ring_xy[far:], ring_xy[:1]]), tol_km)
        keep = first[:-1] + [far + j for j in second[:-1]]
        pts = [[round(float(lat[ring[k]]), 3), round(float(lon[ring[k]]), 3)] for k in keep]
        if len(pts) >= 3:
            polygons.append(pts)
    # a boundary ring inside another is a hole (an area without postcodes), not land: drop it
    rings = [[(a, b) for a, b in poly] for poly in polygons]
    polygons = [
        p
        for p, r in zip(polygons, rings, strict=True)
        if not any(o is not r and _inside(r, o) for o in rings)
    ]
    polygons.sort(key=len, reverse=True)
    return {
        "source": "concave hull of the PC4 centroids in data/gazetteer/pc4.csv (GeoNames, CC BY 4.0)",
        "built_by": "scripts/build_nl_outline.py",
        "max_edge_km": max_edge_km,
        "polygons": polygons,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-edge-km", type=float, default=14.0)
    ap.add_argument("--tolerance-km", type=float, default=1.0)
    ap.add_argument("--min-area-km2", type=float, default=50.0)
    args = ap.parse_args(argv)
    data = build(args.max_edge_km, args.tolerance_km, args.min_area_km2)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    n = sum(len(p) for p in data["polygons"])
    print(f"{OUT.relative_to(ROOT)}: {len(data['polygons'])} polygons, {n} points", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
