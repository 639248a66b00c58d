"""Generate the judged relevance set ``benchmarks/data/judged_pairs.csv`` (seeded, reproducible).

Every request is about one *subject* (a list below, each with the sector it belongs to, offer titles
and the ways a teacher may write it); every candidate offer is about a subject too. The grade of a
pair follows the written rules of ``benchmarks/data/JUDGING.md`` and is computed here by
:func:`grade` from the subjects, the taxonomy data files and the distance between the PC4 centroids:
it never calls the matching engine. The ``relation``, ``drawbacks`` and ``why`` columns spell out
how each grade came about, so that a reviewer can check every row.

    .venv/bin/python benchmarks/data/make_judged_pairs.py               # writes judged_pairs.csv (seed 14)
    .venv/bin/python benchmarks/data/make_judged_pairs.py --seed 1 --out /tmp/dev.csv   # a dev set
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from loket import taxonomy  # noqa: E402  (the taxonomy data files: activities, levels, sectors)

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "judged_pairs.csv"
PC4_CSV = ROOT / "data" / "gazetteer" / "pc4.csv"
SEED = 14
NEAR_KM = 25.0  # JUDGING.md rule D2: farther than this is a drawback
EARTH_KM = 6371.0088

# --------------------------------------------------------------------------- subjects
# sector, offer titles, and request wordings: "plain" (the usual word), "variant" (another form of the
# same word: plural, compound, prefix), "synonym" (a different word for the same subject).
SUBJECTS: dict[str, dict] = {
    "robotica": {
        "sector": "hightech",
        "offers": [
            "Robots in de fabriek",
            "Bouw en programmeer je eigen robot",
            "Robotarmen in de productie",
        ],
        "plain": ["robotica"],
        "variant": ["robots", "robottechniek"],
        "synonym": ["cobots", "automatisering van de productielijn"],
    },
    "chips": {
        "sector": "hightech",
        "offers": ["Van zand tot chip", "Hoe maak je een computerchip?", "Chipmachines en lithografie"],
        "plain": ["chips"],
        "variant": ["chipindustrie", "computerchips"],
        "synonym": ["halfgeleiders", "semiconductors"],
    },
    "lasers": {
        "sector": "hightech",
        "offers": ["Lasertechniek en optica", "Snijden met licht: lasers"],
        "plain": ["lasertechniek"],
        "variant": ["lasers", "lasersnijden"],
        "synonym": ["fotonica", "optica"],
    },
    "zonne-energie": {
        "sector": "energie",
        "offers": [
            "Zonnepanelen en de energietransitie",
            "Stroom uit de zon",
            "Zonnepanelen op het schooldak",
        ],
        "plain": ["zonne-energie"],
        "variant": ["zonnepanelen", "zonnepaneel"],
        "synonym": ["zonnestroom", "fotovoltaïsche systemen"],
    },
    "warmtepomp": {
        "sector": "energie",
        "offers": ["Hoe werkt een warmtepomp?", "Warmtepompen installeren", "Duurzaam verwarmen zonder gas"],
        "plain": ["warmtepompen"],
        "variant": ["warmtepomp", "warmtepompinstallatie"],
        "synonym": ["aardgasvrij verwarmen", "duurzame verwarming"],
    },
    "windenergie": {
        "sector": "energie",
        "offers": ["Windmolens op zee", "Windenergie: van wiek tot stopcontact"],
        "plain": ["windenergie"],
        "variant": ["windmolens", "windmolenpark"],
        "synonym": ["windturbines", "offshore wind"],
    },
    "waterstof": {
        "sector": "energie",
        "offers": ["Waterstof als brandstof", "Rijden op waterstof"],
        "plain": ["waterstof"],
        "variant": ["waterstofauto", "waterstoftechniek"],
        "synonym": ["brandstofcel", "groene brandstof"],
    },
    "bioplastic": {
        "sector": "chemie",
        "offers": ["Van olie naar bioplastic", "Plastic uit planten", "Bioplastic maken van maïszetmeel"],
        "plain": ["bioplastic"],
        "variant": ["bioplastics", "biobased plastic"],
        "synonym": ["afbreekbaar verpakkingsmateriaal", "plantaardige kunststof"],
    },
    "kunststoffen": {
        "sector": "chemie",
        "offers": ["Proefjes met kunststoffen", "Kunststof recyclen", "Van korrel tot product: spuitgieten"],
        "plain": ["kunststoffen"],
        "variant": ["kunststof", "kunststofrecycling"],
        "synonym": ["polymeren", "plastic hergebruiken"],
    },
    "laboratorium": {
        "sector": "chemie",
        "offers": ["Proefjes in het laboratorium", "Een dag als laborant"],
        "plain": ["laboratorium"],
        "variant": ["laborant", "labwerk"],
        "synonym": ["scheikundige experimenten", "proeven doen"],
    },
    "programmeren": {
        "sector": "ict",
        "offers": ["Programmeren met micro:bits", "Leer coderen in Python", "Apps bouwen en programmeren"],
        "plain": ["programmeren"],
        "variant": ["programmeerles", "programmeertaal"],
        "synonym": ["coderen", "software schrijven"],
    },
    "cybersecurity": {
        "sector": "ict",
        "offers": ["Veilig online: cybersecurity", "Ethisch hacken", "Bescherm je gegevens"],
        "plain": ["cybersecurity"],
        "variant": ["cyber security", "cyberveiligheid"],
        "synonym": ["hacken", "digitale veiligheid", "cybercrime"],
    },
    "ai": {
        "sector": "ict",
        "offers": ["Kunstmatige intelligentie in de praktijk", "Wat kan AI wel en niet?"],
        "plain": ["kunstmatige intelligentie"],
        "variant": ["intelligente systemen", "AI"],
        "synonym": ["machine learning", "slimme computers"],
    },
    "games": {
        "sector": "creatieve_industrie",
        "offers": ["Games maken", "Ontwerp je eigen game"],
        "plain": ["games"],
        "variant": ["gamedesign", "game ontwerpen"],
        "synonym": ["computerspellen", "spelontwerp"],
    },
    "3d-printen": {
        "sector": "creatieve_industrie",
        "offers": ["Ontwerpen met de 3D-printer", "3D-printen in de maakindustrie"],
        "plain": ["3D-printen"],
        "variant": ["3D-printer", "3D-print ontwerpen"],
        "synonym": ["additive manufacturing", "printen in drie dimensies"],
    },
    "dijken": {
        "sector": "water_maritiem",
        "offers": ["Droge voeten: dijken en gemalen", "Hoe houden we het water tegen?"],
        "plain": ["dijken"],
        "variant": ["dijkbouw", "dijk"],
        "synonym": ["waterveiligheid", "overstromingen voorkomen"],
    },
    "scheepsbouw": {
        "sector": "water_maritiem",
        "offers": ["Schepen bouwen", "Een kijkje op de scheepswerf"],
        "plain": ["scheepsbouw"],
        "variant": ["schepen", "scheepswerf"],
        "synonym": ["jachtbouw", "maritieme techniek"],
    },
    "logistiek": {
        "sector": "logistiek",
        "offers": ["Hoe komt een pakketje bij je thuis?", "Het slimme magazijn", "Containers in de haven"],
        "plain": ["pakketjes bezorgen"],
        "variant": ["pakketbezorging", "magazijnen"],
        "synonym": ["distributiecentrum", "supply chain"],
    },
    "melkvee": {
        "sector": "agri_food",
        "offers": ["Van koe tot kaas", "De melkrobot op de boerderij"],
        "plain": ["melkveehouderij"],
        "variant": ["melkvee", "kaas maken"],
        "synonym": ["zuivel", "koeien melken"],
    },
    "precisielandbouw": {
        "sector": "agri_food",
        "offers": ["Slimme landbouw met drones", "Precisielandbouw met sensoren"],
        "plain": ["precisielandbouw"],
        "variant": ["drones in de landbouw", "slimme landbouw"],
        "synonym": ["smart farming", "akkerbouw met gps"],
    },
    "kassen": {
        "sector": "tuinbouw",
        "offers": ["Groenten uit de kas", "Licht en groei in de kas"],
        "plain": ["glastuinbouw"],
        "variant": ["kassen", "kasteelt"],
        "synonym": ["tomaten kweken", "groenteteelt onder glas"],
    },
    "bruggen": {
        "sector": "wonen_werken_verkeer",
        "offers": ["Bruggen en tunnels", "Hoe bouw je een brug?"],
        "plain": ["bruggen"],
        "variant": ["bruggenbouw", "brug"],
        "synonym": ["civiele techniek", "viaducten"],
    },
    "duurzaam-bouwen": {
        "sector": "wonen_werken_verkeer",
        "offers": ["Bouwen aan de stad van morgen", "Duurzaam bouwen met hout", "Circulair bouwen"],
        "plain": ["duurzaam bouwen"],
        "variant": ["houtbouw", "circulaire bouw"],
        "synonym": ["energieneutrale woningen", "groene architectuur"],
    },
    "lassen": {
        "sector": "ontwerp_productie_wereldhandel",
        "offers": ["Lassen en frezen", "Metaalbewerking in de werkplaats"],
        "plain": ["lassen"],
        "variant": ["metaalbewerking", "lasrobot"],
        "synonym": ["metaaltechniek", "staal verwerken"],
    },
    "protheses": {
        "sector": "mens_gezondheid",
        "offers": ["Protheses en hulpmiddelen", "Techniek die je kunt dragen: protheses"],
        "plain": ["protheses"],
        "variant": ["prothese", "beenprothese"],
        "synonym": ["kunstledematen", "revalidatietechniek"],
    },
    "medische-techniek": {
        "sector": "lsh",
        "offers": ["Techniek in het ziekenhuis", "Hoe werkt een MRI-scanner?"],
        "plain": ["medische technologie"],
        "variant": ["ziekenhuistechniek", "MRI-scanner"],
        "synonym": ["zorgtechnologie", "scanners in de zorg"],
    },
    "biotechnologie": {
        "sector": "lsh",
        "offers": ["DNA en biotechnologie", "Een dag in het biotech-lab"],
        "plain": ["biotechnologie"],
        "variant": ["biotech", "DNA"],
        "synonym": ["genetica", "erfelijkheid"],
    },
}

# activity of a request -> (activity, modes) options for the request and the offers
REQUEST_ACTIVITY = {
    "gastles": 0.38,
    "bedrijfsbezoek": 0.24,
    "workshop": 0.12,
    "online_gastles": 0.12,
    "meeloopdag": 0.07,
    "praktijkopdracht": 0.07,
}
ACTIVITY_MODES: dict[str, list[list[str]]] = {
    "gastles": [["at_school"], ["at_school"], ["at_school", "online"]],
    "online_gastles": [["online"]],
    "bedrijfsbezoek": [["at_company"]],
    "workshop": [["at_school"], ["at_company"], ["at_school", "at_company"]],
    "meeloopdag": [["at_company"]],
    "praktijkopdracht": [["at_school", "online"], ["at_company"]],
    "rolmodel": [["at_school"], ["online"]],
    "loopbaanevent": [["at_school"]],
    "docentstage": [["at_company"]],
}
LEVEL_SETS = [
    ["po-g7-8"],
    ["po-g5-6", "po-g7-8"],
    ["vmbo"],
    ["vmbo-tl"],
    ["havo"],
    ["havo-3"],
    ["vwo"],
    ["havo", "vwo"],
]
TRAVEL_KM = [15.0, 20.0, 25.0, 30.0, 40.0]
RADIUS_KM = [20.0, 30.0, 40.0, 50.0, 75.0]
# distance bands (km) of candidate offers from the school, with their probabilities
BANDS = [
    ((1.0, 12.0), 0.35),
    ((12.0, 25.0), 0.25),
    ((25.0, 45.0), 0.22),
    ((45.0, 90.0), 0.12),
    ((90.0, 200.0), 0.06),
]
YEAR_START = date(2025, 9, 1)


# --------------------------------------------------------------------------- places
@dataclass
class Places:
    """PC4 centroids from the gazetteer (data/gazetteer/pc4.csv)."""

    pc4: list[str]
    lat: np.ndarray
    lon: np.ndarray
    place: list[str]

    @classmethod
    def load(cls) -> Places:
        with open(PC4_CSV, encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        return cls(
            [r["pc4"] for r in rows],
            np.array([float(r["lat"]) for r in rows]),
            np.array([float(r["lon"]) for r in rows]),
            [r["place"] for r in rows],
        )

    def distances(self, i: int) -> np.ndarray:
        return haversine(self.lat[i], self.lon[i], self.lat, self.lon)


def haversine(lat1: float, lon1: float, lat2: np.ndarray | float, lon2: np.ndarray | float) -> np.ndarray:
    """Great-circle distance in km (numpy broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.subtract(lon2, lon1)) / 2) ** 2
    )
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


# --------------------------------------------------------------------------- records
@dataclass
class Side:
    """One request or offer of the judged set."""

    id: str
    subject: str  # "" for a request without topic
    topic: str
    activity: str
    sectors: list[str]
    levels: list[str]
    pc4: str
    lat: float
    lon: float
    earliest: date
    latest: date
    modes: list[str]
    reach_km: float  # request: max travel; offer: radius
    category: str = ""
    extra: dict = field(default_factory=dict)


def related(a: str, b: str) -> bool:
    return a != b and taxonomy.sectors_related(a, b)


def compatible(req_act: str, off_act: str) -> tuple[bool, str | None]:
    """(may the offer activity serve the request activity, mode it then requires) per activities.json."""
    if req_act == off_act:
        return True, None
    for entry in taxonomy.activity_compatibility().get(req_act, []):
        if entry["offer"] == off_act:
            return True, entry.get("requires_mode")
    return False, None


# --------------------------------------------------------------------------- the written rules
def possible(req: Side, off: Side, d: float) -> tuple[str | None, str]:
    """Rule P (JUDGING.md): the mode in which the pair can happen, or None and why not."""
    ok, need = compatible(req.activity, off.activity)
    if not ok:
        return None, f"P1 activiteit {off.activity} past niet bij {req.activity}"
    if not taxonomy.levels_overlap(req.levels, off.levels):
        return None, "P2 niveaus overlappen niet"
    if max(req.earliest, off.earliest) > min(req.latest, off.latest):
        return None, "P3 periodes overlappen niet"
    shared = [m for m in ("at_school", "at_company", "online") if m in req.modes and m in off.modes]
    if need:
        shared = [m for m in shared if m == need]
    if not shared:
        return None, "P4 geen gedeelde vorm"
    if "at_school" in shared and d <= off.reach_km:
        return "at_school", ""
    if "at_company" in shared and d <= req.reach_km:
        return "at_company", ""
    if "online" in shared:
        return "online", ""
    return None, f"P5 te ver: {d:.1f} km (straal {off.reach_km:.0f}, reisafstand {req.reach_km:.0f})"


def relation(req: Side, off: Side) -> str:
    """Rule T: on_topic / same_sector / related_sector / unrelated."""
    if req.subject:
        if off.subject == req.subject:
            return "on_topic"
    elif set(req.sectors) & set(off.sectors):
        return "on_topic"  # T0: no topic asked, then the asked sector is the subject
    if set(req.sectors) & set(off.sectors):
        return "same_sector"
    if any(related(a, b) for a in req.sectors for b in off.sectors):
        return "related_sector"
    return "unrelated"


BASE = {"on_topic": 3, "same_sector": 1, "related_sector": 0, "unrelated": 0}


def grade(req: Side, off: Side, d: float) -> tuple[int, str, list[str], str]:
    """(grade 0-3, relation, drawbacks, why) by the rules of JUDGING.md."""
    mode, why_not = possible(req, off, d)
    rel = relation(req, off)
    if mode is None:
        return 0, rel, [], why_not
    drawbacks = []
    if off.activity != req.activity:
        drawbacks.append("D1 andere (passende) activiteit")
    if mode != "online" and d > NEAR_KM:
        drawbacks.append(f"D2 ver: {d:.0f} km")
    if mode == "online" and any(m in req.modes for m in ("at_school", "at_company")):
        drawbacks.append("D3 alleen online, school wil ook op locatie")
    g = max(0, BASE[rel] - len(drawbacks))
    why = f"T {rel} ({BASE[rel]}) - {len(drawbacks)} nadelen = {g}; vorm {mode}"
    return g, rel, drawbacks, why


# --------------------------------------------------------------------------- generation
def typo(word: str, rng: np.random.Generator) -> str:
    """One keyboard slip in the longest word of ``word``: a letter dropped, doubled, swapped or replaced."""
    parts = word.split(" ")
    k = max(range(len(parts)), key=lambda i: len(parts[i]))
    w = parts[k]
    if len(w) < 5:
        return word
    i = int(rng.integers(0, len(w) - 1)) if rng.random() < 0.1 else int(rng.integers(1, len(w) - 1))
    op = int(rng.integers(4))
    if op == 0:
        w = w[:i] + w[i + 1 :]
    elif op == 1:
        w = w[:i] + w[i] + w[i:]
    elif op == 2:
        w = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    else:
        w = w[:i] + "eaoiuntrs"[int(rng.integers(9))] + w[i + 1 :]
    parts[k] = w
    return " ".join(parts)


def _window(rng: np.random.Generator, length: tuple[int, int]) -> tuple[date, date]:
    e = YEAR_START + timedelta(days=int(rng.integers(0, 200)))
    return e, e + timedelta(days=int(rng.integers(*length)))


def _in_band(places: Places, dist: np.ndarray, band: tuple[float, float], rng: np.random.Generator) -> int:
    lo, hi = band
    idx = np.flatnonzero((dist >= lo) & (dist < hi))
    if not len(idx):
        idx = np.argsort(np.abs(dist - (lo + hi) / 2))[:20]
    return int(rng.choice(idx))


def make_request(n: int, category: str, places: Places, rng: np.random.Generator) -> tuple[Side, np.ndarray]:
    subjects = list(SUBJECTS)
    subj = subjects[int(rng.integers(len(subjects)))]
    s = SUBJECTS[subj]
    acts = list(REQUEST_ACTIVITY)
    p = np.array(list(REQUEST_ACTIVITY.values()))
    activity = "online_gastles" if category == "online" else str(rng.choice(acts, p=p / p.sum()))
    if category == "online" and rng.random() < 0.5:
        activity = "gastles"
    modes = list(ACTIVITY_MODES[activity][int(rng.integers(len(ACTIVITY_MODES[activity])))])
    if category == "online":
        modes = ["online"] if rng.random() < 0.6 else ["at_school", "online"]
    if category == "none":
        topic, subject = "", ""
    elif category == "typo":
        forms = s["plain"] + s["variant"]
        topic, subject = typo(forms[int(rng.integers(len(forms)))], rng), subj
    else:
        key = {"plain": "plain", "variant": "variant", "synonym": "synonym"}.get(category, "plain")
        topic, subject = s[key][int(rng.integers(len(s[key])))], subj
    # the sector the school ticks: the subject's own (60 %), a related one (30 %, e.g. a world), none
    u = rng.random()
    rel = [c for c in taxonomy.sectors().codes if related(s["sector"], c)]
    if u < 0.6 or category == "none":
        sectors = [s["sector"]]
    elif u < 0.9 and rel:
        sectors = [str(rng.choice(rel))]
    else:
        sectors = []
    if category == "none" and not sectors:
        sectors = [s["sector"]]
    i = int(rng.integers(len(places.pc4)))
    e, l_ = _window(rng, (45, 120))
    req = Side(
        id=f"J{n:03d}",
        subject=subject,
        topic=topic,
        activity=activity,
        sectors=sectors,
        levels=list(LEVEL_SETS[int(rng.integers(len(LEVEL_SETS)))]),
        pc4=places.pc4[i],
        lat=float(places.lat[i]),
        lon=float(places.lon[i]),
        earliest=e,
        latest=l_,
        modes=modes,
        reach_km=float(rng.choice(TRAVEL_KM)),
        category=category,
    )
    return req, places.distances(i)


def make_offer(
    oid: str,
    req: Side,
    subj: str,
    sectors: list[str],
    places: Places,
    dist: np.ndarray,
    rng: np.random.Generator,
) -> Side:
    s = SUBJECTS[subj]
    u = rng.random()
    compat = [e["offer"] for e in taxonomy.activity_compatibility().get(req.activity, [])]
    if u < 0.7:
        activity = req.activity  # 70 %: the requested activity
    elif u < 0.88:
        activity = str(rng.choice(compat)) if compat else req.activity  # 18 %: a compatible one
    else:
        activity = str(rng.choice(list(ACTIVITY_MODES)))  # 12 %: any activity
    modes = list(ACTIVITY_MODES[activity][int(rng.integers(len(ACTIVITY_MODES[activity])))])
    if req.modes == ["online"] and rng.random() < 0.5 and "online" not in modes:
        modes.append("online")
    band = BANDS[int(rng.choice(len(BANDS), p=[b[1] for b in BANDS]))][0]
    i = _in_band(places, dist, band, rng)
    levels = list(req.levels) if rng.random() < 0.8 else list(LEVEL_SETS[int(rng.integers(len(LEVEL_SETS)))])
    if rng.random() < 0.93:  # overlapping period most of the time
        e = req.earliest - timedelta(days=int(rng.integers(0, 60)))
        l_ = req.latest + timedelta(days=int(rng.integers(-20, 90)))
        l_ = max(l_, e + timedelta(days=30))
    else:
        e, l_ = _window(rng, (20, 60))
    title = s["offers"][int(rng.integers(len(s["offers"])))]
    if rng.random() < 0.12:
        title = typo(title, rng)
    return Side(
        id=oid,
        subject=subj,
        topic=title,
        activity=activity,
        sectors=sectors,
        levels=levels,
        pc4=places.pc4[i],
        lat=float(places.lat[i]),
        lon=float(places.lon[i]),
        earliest=e,
        latest=l_,
        modes=modes,
        reach_km=float(rng.choice(RADIUS_KM)),
    )


def candidates(req: Side, places: Places, dist: np.ndarray, rng: np.random.Generator) -> list[Side]:
    """5-15 offers: on topic (some listed under a related sector), same sector, related, unrelated."""
    subj_sector = SUBJECTS[req.subject]["sector"] if req.subject else req.sectors[0]
    ask = req.sectors or [subj_sector]
    others = [k for k in SUBJECTS if k != req.subject]
    same = [k for k in others if SUBJECTS[k]["sector"] in ask]
    rel = [k for k in others if any(related(a, SUBJECTS[k]["sector"]) for a in ask) and k not in same]
    unrel = [k for k in others if k not in same and k not in rel]
    plan: list[tuple[str, list[str]]] = []
    if req.subject:
        for _ in range(int(rng.integers(2, 5))):
            sector = subj_sector
            alt = [c for c in taxonomy.sectors().codes if related(subj_sector, c)]
            if rng.random() < 0.25 and alt:
                sector = str(
                    rng.choice(alt)
                )  # the same subject, listed by the company under a related sector
            plan.append((req.subject, [sector]))
    for pool, lo, hi in ((same, 1, 4), (rel, 1, 3), (unrel, 1, 4)):
        if pool:
            for _ in range(int(rng.integers(lo, hi))):
                k = str(rng.choice(pool))
                plan.append((k, [SUBJECTS[k]["sector"]]))
    rng.shuffle(plan)
    plan = plan[:15]
    while len(plan) < 5:
        k = str(rng.choice(unrel or others))
        plan.append((k, [SUBJECTS[k]["sector"]]))
    return [
        make_offer(f"{req.id}-O{j:02d}", req, k, secs, places, dist, rng) for j, (k, secs) in enumerate(plan)
    ]


CATEGORIES = (
    ["plain"] * 12 + ["variant"] * 14 + ["synonym"] * 12 + ["typo"] * 14 + ["none"] * 6 + ["online"] * 12
)

COLUMNS = [
    "request_id",
    "category",
    "request_subject",
    "request_topic",
    "request_activity",
    "request_sectors",
    "request_levels",
    "request_pc4",
    "request_lat",
    "request_lon",
    "request_earliest",
    "request_latest",
    "request_modes",
    "request_max_travel_km",
    "offer_id",
    "offer_subject",
    "offer_topic",
    "offer_activity",
    "offer_sectors",
    "offer_levels",
    "offer_pc4",
    "offer_lat",
    "offer_lon",
    "offer_earliest",
    "offer_latest",
    "offer_modes",
    "offer_radius_km",
    "distance_km",
    "relation",
    "drawbacks",
    "grade",
    "why",
]


def generate(seed: int = SEED) -> list[dict[str, str]]:
    """All rows of the judged set for ``seed``."""
    rng = np.random.default_rng(seed)
    places = Places.load()
    rows: list[dict[str, str]] = []
    for n, category in enumerate(CATEGORIES, start=1):
        req, dist = make_request(n, category, places, rng)
        for off in candidates(req, places, dist, rng):
            d = float(haversine(req.lat, req.lon, off.lat, off.lon))
            g, rel, drawbacks, why = grade(req, off, d)
            rows.append(
                {
                    "request_id": req.id,
                    "category": req.category,
                    "request_subject": req.subject,
                    "request_topic": req.topic,
                    "request_activity": req.activity,
                    "request_sectors": ";".join(req.sectors),
                    "request_levels": ";".join(req.levels),
                    "request_pc4": req.pc4,
                    "request_lat": f"{req.lat:.4f}",
                    "request_lon": f"{req.lon:.4f}",
                    "request_earliest": req.earliest.isoformat(),
                    "request_latest": req.latest.isoformat(),
                    "request_modes": ";".join(req.modes),
                    "request_max_travel_km": f"{req.reach_km:.0f}",
                    "offer_id": off.id,
                    "offer_subject": off.subject,
                    "offer_topic": off.topic,
                    "offer_activity": off.activity,
                    "offer_sectors": ";".join(off.sectors),
                    "offer_levels": ";".join(off.levels),
                    "offer_pc4": off.pc4,
                    "offer_lat": f"{off.lat:.4f}",
                    "offer_lon": f"{off.lon:.4f}",
                    "offer_earliest": off.earliest.isoformat(),
                    "offer_latest": off.latest.isoformat(),
                    "offer_modes": ";".join(off.modes),
                    "offer_radius_km": f"{off.reach_km:.0f}",
                    "distance_km": f"{d:.1f}",
                    "relation": rel,
                    "drawbacks": ";".join(drawbacks),
                    "grade": str(g),
                    "why": why,
                }
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    rows = generate(args.seed)
    with open(args.out, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    n_req = len({r["request_id"] for r in rows})
    grades = [int(r["grade"]) for r in rows]
    print(
        f"wrote {args.out}: {n_req} requests, {len(rows)} pairs, grades "
        + ", ".join(f"{g}: {grades.count(g)}" for g in range(4)),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
