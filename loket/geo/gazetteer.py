"""Offline Dutch gazetteer: postcode (PC4) and place name -> Point, from data/gazetteer/*.csv."""

from __future__ import annotations

import csv
import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from loket.geo.distance import haversine_km, pairwise_haversine_km
from loket.geo.errors import GeoError
from loket.geo.names import norm_key, province_or_none, strip_parenthetical
from loket.geo.point import Place, Point

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "gazetteer"
FUZZY_CUTOFF = 85.0  # rapidfuzz ratio (0-100) a misspelt place name must reach

_POSTCODE = re.compile(r"^([1-9][0-9]{3})\s*-?\s*([A-Za-z]{2})?$")
_KM_PER_DEG_LAT = 111.2


def normalise_postcode(s: str) -> str:
    """'1234ab', '1234 AB', ' 1234-ab ' -> '1234 AB'; '1234' -> '1234'. Raises GeoError otherwise."""
    m = _POSTCODE.match(s.strip()) if isinstance(s, str) else None
    if m is None:
        raise GeoError(
            f"Ongeldige postcode {s!r}: verwacht vier cijfers (niet beginnend met 0), "
            "eventueel gevolgd door twee letters, bijvoorbeeld '1234 AB'."
        )
    digits, letters = m.groups()
    return f"{digits} {letters.upper()}" if letters else digits


@dataclass(frozen=True, slots=True)
class _Pc4:
    lat: float
    lon: float
    place: str
    municipality: str
    province: str


class Gazetteer:
    """PC4 centroids and Dutch places, loaded lazily from CSV files and kept in memory."""

    _default: ClassVar[Gazetteer | None] = None
    _default_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, data_dir: Path | str | None = None, fuzzy_cutoff: float = FUZZY_CUTOFF) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
        self.fuzzy_cutoff = fuzzy_cutoff
        self._lock = threading.Lock()
        self._loaded = False
        self._pc4: dict[str, _Pc4] = {}
        self._places: list[Place] = []
        self._keys: dict[str, list[int]] = {}
        self._choices: list[str] = []
        self._place_pc4s: list[list[str]] | None = None

    @classmethod
    def default(cls) -> Gazetteer:
        """The process-wide gazetteer on data/gazetteer (loaded on first use)."""
        if cls._default is None:
            with cls._default_lock:
                if cls._default is None:
                    cls._default = cls()
        return cls._default

    # ---------------------------------------------------------------- loading
    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            self._load()
            self._loaded = True

    def _read(self, name: str) -> list[dict[str, str]]:
        path = self.data_dir / name
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                return list(csv.DictReader(fh))
        except FileNotFoundError as exc:
            raise FileNotFoundError(
                f"gazetteer file {path} is missing: run scripts/build_gazetteer.py (see data/README.md)"
            ) from exc

    def _load(self) -> None:
        for r in self._read("pc4.csv"):
            self._pc4[r["pc4"]] = _Pc4(
                float(r["lat"]), float(r["lon"]), r["place"], r["municipality"], r["province"]
            )
        for r in self._read("places.csv"):
            self._places.append(
                Place(
                    name=r["name"],
                    province=r["province"],
                    municipality=r["municipality"],
                    lat=float(r["lat"]),
                    lon=float(r["lon"]),
                    population=int(r["population"]),
                    population_source=r["population_source"],
                    n_pc4=int(r["n_pc4"]),
                )
            )
        by_name: dict[tuple[str, str], int] = {}
        keys: defaultdict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(self._places):
            by_name[(norm_key(p.name), p.province)] = i
            for key in {norm_key(p.name), norm_key(strip_parenthetical(p.name))}:
                keys[key].append(i)
        for r in self._read("aliases.csv"):
            target = by_name.get((norm_key(r["place"]), r["province"]))
            if target is not None and target not in keys[norm_key(r["alias"])]:
                keys[norm_key(r["alias"])].append(target)
        self._keys = dict(keys)
        self._choices = list(self._keys)

    # ---------------------------------------------------------------- facts
    @property
    def pc4_count(self) -> int:
        """Number of PC4 codes known."""
        self._ensure_loaded()
        return len(self._pc4)

    def provinces(self) -> frozenset[str]:
        """Provinces present in the data (should be all 12)."""
        self._ensure_loaded()
        return frozenset(p.province for p in self._places) | frozenset(r.province for r in self._pc4.values())

    def places(self) -> tuple[Place, ...]:
        """All places, sorted by province and name."""
        self._ensure_loaded()
        return tuple(self._places)

    # ---------------------------------------------------------------- lookups
    def lookup_postcode(self, pc: str) -> Point:
        """Centroid of the PC4 area of a postcode ('1234 AB' or '1234'); GeoError when unknown."""
        normalised = normalise_postcode(pc)
        self._ensure_loaded()
        row = self._pc4.get(normalised[:4])
        if row is None:
            raise GeoError(
                f"Onbekende postcode {normalised!r}: postcodegebied {normalised[:4]} komt niet voor."
            )
        return Point(row.lat, row.lon, row.place, row.province, "pc4")

    def find_place(self, name: str) -> Place:
        """The place best matching a name (case, accents, aliases and small typos tolerated).

        "Name (Gld)" or "Name, Gelderland" restricts the search to a province. Among equally
        good matches the most populous place wins. Raises GeoError when nothing is close enough.
        """
        self._ensure_loaded()
        key = norm_key(name) if isinstance(name, str) else ""
        if not key:
            raise GeoError(f"Ongeldige plaatsnaam {name!r}: de naam is leeg.")
        province: str | None = None
        if key not in self._keys:
            base, province = _split_province(name)
            key = norm_key(base) or key
        idx = self._exact(key, province) or self._fuzzy(key, province)
        if not idx:
            raise GeoError(f"Onbekende plaats {name!r}: geen Nederlandse plaats met (ongeveer) deze naam.")
        return self._places[max(idx, key=lambda i: self._places[i].population)]

    def lookup_place(self, name: str) -> Point:
        """Centre of the place best matching name (see find_place); GeoError when unknown."""
        p = self.find_place(name)
        return Point(p.lat, p.lon, p.name, p.province, "place")

    def _exact(self, key: str, province: str | None) -> list[int]:
        hits = self._keys.get(key, [])
        return [i for i in hits if province is None or self._places[i].province == province]

    def _fuzzy(self, key: str, province: str | None) -> list[int]:
        hits = process.extract(
            key, self._choices, scorer=fuzz.ratio, score_cutoff=self.fuzzy_cutoff, limit=12
        )
        scored = [
            (score, i)
            for choice, score, _ in hits
            for i in self._keys[choice]
            if province is None or self._places[i].province == province
        ]
        if not scored:
            return []
        best = max(score for score, _ in scored)
        return [i for score, i in scored if score >= best - 1e-9]

    def resolve(self, postcode: str | None, city: str | None, street: str | None = None) -> Point:
        """Point for an address: the PC4 centroid when the postcode is known, else the place centre.

        street is accepted for signature compatibility with the online geocoder and ignored.
        Raises GeoError naming what was unknown when neither gives a location.
        """
        problems: list[str] = []
        if postcode and postcode.strip():
            try:
                return self.lookup_postcode(postcode)
            except GeoError as exc:
                problems.append(str(exc))
        if city and city.strip():
            try:
                return self.lookup_place(city)
            except GeoError as exc:
                problems.append(str(exc))
        if not problems:
            raise GeoError("Geen locatie: vul een postcode of een plaatsnaam in.")
        raise GeoError(" ".join(problems))

    def nearest_place(self, lat: float, lon: float) -> Place:
        """The place whose centre is closest to (lat, lon)."""
        self._ensure_loaded()
        lats, lons = self._place_arrays()
        d = haversine_km(lat, lon, lats, lons)
        return self._places[int(np.argmin(d))]

    # ---------------------------------------------------------------- demo data
    def places_with_weights(self) -> tuple[tuple[Place, ...], NDArray[np.float64]]:
        """All places and sampling weights proportional to population (the weights sum to 1)."""
        self._ensure_loaded()
        pop = np.array([max(p.population, 1) for p in self._places], dtype=np.float64)
        return tuple(self._places), pop / pop.sum()

    def random_points(self, n: int, rng: np.random.Generator, jitter_km: float = 1.0) -> list[Point]:
        """n points at real places drawn in proportion to population, each jittered by ~jitter_km."""
        places, weights = self.places_with_weights()
        idx = rng.choice(len(places), size=n, p=weights)
        lat = np.array([places[i].lat for i in idx])
        lon = np.array([places[i].lon for i in idx])
        lat, lon = _jitter(lat, lon, rng, jitter_km)
        return [
            Point(float(a), float(o), places[i].name, places[i].province, "place")
            for i, a, o in zip(idx, lat, lon, strict=True)
        ]

    def random_postcodes(
        self, n: int, rng: np.random.Generator, jitter_km: float = 0.3
    ) -> list[tuple[str, Point]]:
        """n (PC4 code, point) pairs: places drawn by population, then one of the place's PC4 areas.

        Handy for demo rows that need a postcode that the gazetteer can resolve again.
        """
        places, weights = self.places_with_weights()
        place_pc4s = self._pc4s_per_place()
        idx = rng.choice(len(places), size=n, p=weights)
        codes = [place_pc4s[i][int(rng.integers(len(place_pc4s[i])))] for i in idx]
        lat = np.array([self._pc4[c].lat for c in codes])
        lon = np.array([self._pc4[c].lon for c in codes])
        lat, lon = _jitter(lat, lon, rng, jitter_km)
        return [
            (c, Point(float(a), float(o), self._pc4[c].place, self._pc4[c].province, "pc4"))
            for c, a, o in zip(codes, lat, lon, strict=True)
        ]

    def _place_arrays(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return (
            np.array([p.lat for p in self._places], dtype=np.float64),
            np.array([p.lon for p in self._places], dtype=np.float64),
        )

    def _pc4s_per_place(self) -> list[list[str]]:
        if self._place_pc4s is None:
            own: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
            for code, r in sorted(self._pc4.items()):
                own[(r.place, r.province)].append(code)
            codes = sorted(self._pc4)
            pc4_ll = np.array([(self._pc4[c].lat, self._pc4[c].lon) for c in codes])
            result: list[list[str]] = []
            for p in self._places:
                mine = own.get((p.name, p.province))
                if not mine:  # a hamlet without a postal name of its own: the nearest PC4 area
                    d = pairwise_haversine_km([(p.lat, p.lon)], pc4_ll)[0]
                    mine = [codes[int(np.argmin(d))]]
                result.append(mine)
            self._place_pc4s = result
        return self._place_pc4s


def _split_province(name: str) -> tuple[str, str | None]:
    """'Hengelo (Gld)' / 'Hengelo, Gelderland' -> ('Hengelo', 'Gelderland'); else (name, None)."""
    m = re.match(r"^(.*?)\s*\(([^)]*)\)\s*$", name) or re.match(r"^(.*?)\s*,\s*([^,]+)$", name)
    if m:
        province = province_or_none(m.group(2))
        if province is not None:
            return m.group(1), province
    return name, None


def _jitter(
    lat: NDArray[np.float64], lon: NDArray[np.float64], rng: np.random.Generator, jitter_km: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    if jitter_km <= 0:
        return lat, lon
    dlat = rng.normal(0.0, jitter_km, lat.shape) / _KM_PER_DEG_LAT
    dlon = rng.normal(0.0, jitter_km, lon.shape) / (_KM_PER_DEG_LAT * np.cos(np.radians(lat)))
    return lat + dlat, lon + dlon
