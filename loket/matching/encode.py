"""Turn request/offer records into column arrays (taxonomy values as bit masks), validating as we go."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from loket import taxonomy
from loket.matching.types import MatchInputError, OfferRecord, RequestRecord

AT_SCHOOL, AT_COMPANY, ONLINE = 1, 2, 4
PHYSICAL = AT_SCHOOL | AT_COMPANY
MODE_BITS: dict[str, int] = {"at_school": AT_SCHOOL, "at_company": AT_COMPANY, "online": ONLINE}
MODE_NL: dict[str, str] = {"at_school": "op school", "at_company": "bij het bedrijf", "online": "online"}


@dataclass(frozen=True)
class Vocab:
    """Taxonomy codes as indices/bits plus the derived tables the filters need."""

    activities: tuple[str, ...]
    levels: tuple[str, ...]
    sectors: tuple[str, ...]
    level_expand: tuple[int, ...]  # level bit -> mask of levels it matches (itself, parent, children)
    sector_related: tuple[int, ...]  # sector bit -> mask of related sectors (symmetric)
    compat_kind: NDArray[np.int8]  # [request act, offer act]: 0 no, 1 same, 2 compatible
    compat_modes: NDArray[np.uint8]  # [request act, offer act]: modes in which the pair may happen
    labels: dict[str, str]  # code -> Dutch label, for activities, levels and sectors

    @classmethod
    def load(cls) -> Vocab:
        """The tables of loket.taxonomy (data/taxonomy/*.json), built once per loaded taxonomy."""
        key = tuple(id(f()) for f in (taxonomy.activities, taxonomy.levels, taxonomy.sectors))
        key += (id(taxonomy.activity_compatibility()),)
        if _LOADED.get("key") != key:
            _LOADED["vocab"], _LOADED["key"] = cls.build(), key
        return _LOADED["vocab"]  # type: ignore[return-value]

    @classmethod
    def build(cls) -> Vocab:
        """Build the tables from loket.taxonomy (data/taxonomy/*.json)."""
        acts = tuple(taxonomy.activities().codes)
        lvls = tuple(taxonomy.levels().codes)
        secs = tuple(taxonomy.sectors().codes)
        expand = tuple(sum(1 << j for j, b in enumerate(lvls) if taxonomy.level_matches(a, b)) for a in lvls)
        related = tuple(
            sum(1 << j for j, b in enumerate(secs) if b != a and taxonomy.sectors_related(a, b)) for a in secs
        )
        n = len(acts)
        kind = np.zeros((n, n), dtype=np.int8)
        cmodes = np.zeros((n, n), dtype=np.uint8)
        compat = taxonomy.activity_compatibility()
        for i, a in enumerate(acts):
            kind[i, i] = 1
            cmodes[i, i] = PHYSICAL | ONLINE
            for entry in compat.get(a, []):
                j = acts.index(entry["offer"])
                kind[i, j] = 2
                req = entry.get("requires_mode")
                cmodes[i, j] = MODE_BITS[req] if req else PHYSICAL | ONLINE
        labels = {
            t.code: t.nl
            for voc in (taxonomy.activities(), taxonomy.levels(), taxonomy.sectors())
            for t in voc.terms
        }
        return cls(acts, lvls, secs, expand, related, kind, cmodes, labels)


_LOADED: dict[str, object] = {}  # the Vocab of the taxonomy objects now loaded (see Vocab.load)


def _mask(values: Sequence[str], codes: tuple[str, ...], kind: str, obj: str, what: str) -> int:
    m = 0
    for v in values:
        if v not in codes:
            raise MatchInputError(kind, obj, f"onbekende {what} {v!r}; toegestaan: {', '.join(codes)}")
        m |= 1 << codes.index(v)
    return m


def _check_common(rec: RequestRecord | OfferRecord, kind: str, vocab: Vocab, modes: int) -> None:
    if rec.activity not in vocab.activities:
        allowed = ", ".join(vocab.activities)
        raise MatchInputError(kind, rec.id, f"onbekende activiteit {rec.activity!r}; toegestaan: {allowed}")
    if not isinstance(rec.earliest, date) or not isinstance(rec.latest, date):
        raise MatchInputError(kind, rec.id, "eerste en laatste datum moeten datums zijn")
    if rec.latest < rec.earliest:
        raise MatchInputError(
            kind,
            rec.id,
            f"laatste datum {rec.latest.isoformat()} ligt voor eerste datum {rec.earliest.isoformat()}",
        )
    if modes == 0:
        raise MatchInputError(kind, rec.id, "geen vorm opgegeven (op school, bij het bedrijf of online)")
    has_coords = (
        rec.lat is not None and rec.lon is not None and math.isfinite(rec.lat) and math.isfinite(rec.lon)
    )
    if modes & PHYSICAL and not has_coords:
        raise MatchInputError(kind, rec.id, "geen coördinaten, terwijl een vorm op locatie die nodig heeft")
    if has_coords and not (-90 <= float(rec.lat) <= 90 and -180 <= float(rec.lon) <= 180):  # type: ignore[arg-type]
        raise MatchInputError(kind, rec.id, f"ongeldige coördinaten ({rec.lat}, {rec.lon})")


def _coord(v: float | None) -> float:
    return float(v) if v is not None and math.isfinite(v) else math.nan


@dataclass
class Table:
    """Column arrays of one side (requests or offers); fields broadcast against each other."""

    ids: list[str]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    act: NDArray[np.intp]
    sect: NDArray[np.uint32]
    sect_rel: NDArray[np.uint32]
    lvl: NDArray[np.uint32]
    lvl_x: NDArray[np.uint32]
    modes: NDArray[np.uint8]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    reach: NDArray[np.float64]  # requests: max_travel_km; offers: radius_km
    active: NDArray[np.bool_]
    cap: NDArray[np.int64]  # offers only (requests: zeros)
    cap_left: NDArray[np.int64]  # offers only
    acts_year: NDArray[np.int64]  # requests only (offers: zeros)
    topics: list[str]
    packed: tuple[NDArray[np.int64], NDArray[np.float64]] | None = field(default=None, repr=False)

    _INT_COLS = (
        "act",
        "sect",
        "sect_rel",
        "lvl",
        "lvl_x",
        "modes",
        "start",
        "end",
        "active",
        "cap",
        "cap_left",
    )
    _FLOAT_COLS = ("lat", "lon", "reach")

    def pack(self) -> Table:
        """Keep a row-major copy of the columns so that :meth:`take` gathers two matrices, not 16 arrays."""
        ints = np.column_stack([getattr(self, c).astype(np.int64) for c in self._INT_COLS])
        floats = np.column_stack([getattr(self, c) for c in self._FLOAT_COLS])
        self.packed = (ints, floats)
        return self

    def take(self, idx: NDArray[np.intp]) -> Table:
        """The rows ``idx`` as a new table (topics/ids are left as references: use the index for those)."""
        if self.packed is not None:
            ints = np.take(self.packed[0], idx, axis=0).T
            floats = np.take(self.packed[1], idx, axis=0).T
            cols = dict(zip(self._INT_COLS, ints, strict=True)) | dict(
                zip(self._FLOAT_COLS, floats, strict=True)
            )
            cols["active"] = cols["active"] != 0
            return Table(ids=self.ids, acts_year=self.acts_year[idx], topics=self.topics, **cols)
        return Table(
            ids=self.ids,
            lat=self.lat[idx],
            lon=self.lon[idx],
            act=self.act[idx],
            sect=self.sect[idx],
            sect_rel=self.sect_rel[idx],
            lvl=self.lvl[idx],
            lvl_x=self.lvl_x[idx],
            modes=self.modes[idx],
            start=self.start[idx],
            end=self.end[idx],
            reach=self.reach[idx],
            active=self.active[idx],
            cap=self.cap[idx],
            cap_left=self.cap_left[idx],
            acts_year=self.acts_year[idx],
            topics=self.topics,
        )


def encode(records: Sequence[RequestRecord] | Sequence[OfferRecord], vocab: Vocab) -> Table:
    """Validate and encode records (all requests or all offers) into a Table.

    The columns are gathered as Python lists and made arrays once (assigning numpy elements one by
    one costs more than the checks), and each distinct list of codes is turned into a mask once."""
    n = len(records)
    lat: list[float] = []
    lon: list[float] = []
    act: list[int] = []
    sect: list[int] = []
    rel: list[int] = []
    lvl: list[int] = []
    lvl_x: list[int] = []
    modes: list[int] = []
    start: list[int] = []
    end: list[int] = []
    reach: list[float] = []
    active: list[bool] = []
    cap, cap_left, acts_year = [0] * n, [0] * n, [0] * n
    act_index = {a: i for i, a in enumerate(vocab.activities)}
    masks = _Masks(vocab)
    for i, r in enumerate(records):
        is_offer = isinstance(r, OfferRecord)
        kind = "aanbod" if is_offer else "aanvraag"
        m, _ = masks.of("modes", r.modes, kind, r.id)
        _check_common(r, kind, vocab, m)
        s, s_rel = masks.of("sectors", r.sectors, kind, r.id)
        lv, lv_x = masks.of("levels", r.levels, kind, r.id)
        if lv == 0:
            raise MatchInputError(kind, r.id, "geen onderwijsniveau opgegeven")
        if is_offer:
            assert isinstance(r, OfferRecord)
            far = float(r.radius_km)
            if r.capacity < 0 or r.capacity_left < 0:
                raise MatchInputError(kind, r.id, "capaciteit mag niet negatief zijn")
            cap[i], cap_left[i] = r.capacity, r.capacity_left
        else:
            assert isinstance(r, RequestRecord)
            far = float(r.max_travel_km)
            acts_year[i] = max(0, int(r.activities_this_year))
        if not far >= 0:
            what = "radius_km" if is_offer else "max_travel_km"
            raise MatchInputError(kind, r.id, f"{what} moet een getal >= 0 zijn, niet {far!r}")
        lat.append(_coord(r.lat))
        lon.append(_coord(r.lon))
        act.append(act_index[r.activity])
        sect.append(s)
        rel.append(s_rel)
        lvl.append(lv)
        lvl_x.append(lv_x)
        modes.append(m)
        start.append(r.earliest.toordinal())
        end.append(r.latest.toordinal())
        reach.append(far)
        active.append(bool(r.active))
    return Table(
        ids=[r.id for r in records],
        lat=np.array(lat, dtype=np.float64),
        lon=np.array(lon, dtype=np.float64),
        act=np.array(act, dtype=np.intp),
        sect=np.array(sect, dtype=np.uint32),
        sect_rel=np.array(rel, dtype=np.uint32),
        lvl=np.array(lvl, dtype=np.uint32),
        lvl_x=np.array(lvl_x, dtype=np.uint32),
        modes=np.array(modes, dtype=np.uint8),
        start=np.array(start, dtype=np.int64),
        end=np.array(end, dtype=np.int64),
        reach=np.array(reach, dtype=np.float64),
        active=np.array(active, dtype=np.bool_),
        cap=np.array(cap, dtype=np.int64),
        cap_left=np.array(cap_left, dtype=np.int64),
        acts_year=np.array(acts_year, dtype=np.int64),
        topics=[r.topic or "" for r in records],
    )


class _Masks:
    """The bit masks of lists of codes, each distinct list checked and computed once per encode:
    modes (mask, mask), sectors (mask, their related sectors), levels (mask, the levels they cover)."""

    def __init__(self, vocab: Vocab) -> None:
        self._what: dict[str, tuple[tuple[str, ...], str, tuple[int, ...] | None]] = {
            "modes": (tuple(MODE_BITS), "vorm", None),
            "sectors": (vocab.sectors, "sector", vocab.sector_related),
            "levels": (vocab.levels, "onderwijsniveau", vocab.level_expand),
        }
        self._seen: dict[tuple[str, tuple[str, ...]], tuple[int, int]] = {}

    def of(self, field: str, values: Sequence[str], kind: str, obj: str) -> tuple[int, int]:
        """(mask, widened mask) of ``values`` of ``field``; an unknown code is the record's error."""
        key = (field, tuple(values))
        found = self._seen.get(key)
        if found is None:
            codes, what, widen = self._what[field]
            m = _mask(values, codes, kind, obj, what)
            found = self._seen[key] = (m, m if widen is None else _union(m, widen))
        return found


def _union(mask: int, table: tuple[int, ...]) -> int:
    out = 0
    j = 0
    while mask:
        if mask & 1:
            out |= table[j]
        mask >>= 1
        j += 1
    return out


@lru_cache(maxsize=4096)
def bits(mask: int) -> tuple[int, ...]:
    """Indices of the set bits of ``mask``, lowest first (cached: the engine asks for the same few masks)."""
    return tuple(j for j in range(int(mask).bit_length()) if mask >> j & 1)


def split_valid(
    records: Sequence[RequestRecord] | Sequence[OfferRecord], vocab: Vocab | None = None
) -> tuple[list, list[MatchInputError]]:
    """Records that the engine accepts, and the errors of those it would refuse (one per record)."""
    vocab = vocab or Vocab.load()
    good: list = []
    errors: list[MatchInputError] = []
    for rec in records:
        try:
            encode([rec], vocab)
        except MatchInputError as exc:
            errors.append(exc)
        else:
            good.append(rec)
    return good, errors
