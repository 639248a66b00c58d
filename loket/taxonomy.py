"""Activity types, education levels, sectors and modes, loaded from ``data/taxonomy``.

Pure module (no Flask, no ORM) so the matching engine and the importer share it.
Values are accepted as a code or a Dutch/English label or synonym, case-insensitive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache

from loket.config import data_dir

DATA_DIR = data_dir()
TAXONOMY_DIR = DATA_DIR / "taxonomy"


class TaxonomyError(ValueError):
    """An unknown taxonomy value; the message lists the allowed values."""


@dataclass(frozen=True)
class Term:
    code: str
    nl: str
    en: str
    synonyms: tuple[str, ...] = ()
    parent: str | None = None
    group: str | None = None
    related: tuple[str, ...] = ()

    def label(self, locale: str = "nl") -> str:
        return self.en if locale == "en" else self.nl


@dataclass(frozen=True)
class Vocabulary:
    """One list of terms with lookup by code, label or synonym."""

    name: str
    terms: tuple[Term, ...]
    _index: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for t in self.terms:
            for key in (t.code, t.nl, t.en, *t.synonyms):
                self._index.setdefault(key.strip().lower(), t.code)

    @property
    def codes(self) -> list[str]:
        return [t.code for t in self.terms]

    def get(self, code: str) -> Term:
        for t in self.terms:
            if t.code == code:
                return t
        raise TaxonomyError(f"onbekende {self.name}: {code!r}")

    def normalise(self, value: str) -> str:
        """Return the code for a code, label or synonym; raise TaxonomyError listing the allowed values."""
        key = (value or "").strip().lower()
        if key in self._index:
            return self._index[key]
        allowed = ", ".join(self.codes)
        raise TaxonomyError(f"onbekende {self.name} {value!r}; toegestaan: {allowed}")

    def normalise_list(self, values: list[str] | str) -> list[str]:
        """Normalise a list (or a ';'-separated string); keeps order, drops duplicates and blanks."""
        if isinstance(values, str):
            values = values.split(";")
        out: list[str] = []
        for v in values:
            if v.strip():
                code = self.normalise(v)
                if code not in out:
                    out.append(code)
        return out

    def label(self, code: str, locale: str = "nl") -> str:
        try:
            return self.get(code).label(locale)
        except TaxonomyError:
            return code

    def choices(self, locale: str = "nl") -> list[tuple[str, str]]:
        return [(t.code, t.label(locale)) for t in self.terms]

    def tree(self) -> list[tuple[Term, list[Term]]]:
        """The terms without a parent, each with the terms that name it as ``parent`` (the 7
        worlds of technology with their top sectors; coarse levels with their years)."""
        roots = [t for t in self.terms if not t.parent]
        return [(root, [t for t in self.terms if t.parent == root.code]) for root in roots]

    def tree_choices(self, locale: str = "nl") -> list[tuple[str, str]]:
        """``choices`` in tree order: each root followed by its children."""
        return [(t.code, t.label(locale)) for root, kids in self.tree() for t in (root, *kids)]


def _terms(items: list[dict]) -> tuple[Term, ...]:
    return tuple(
        Term(
            code=i["code"],
            nl=i["nl"],
            en=i["en"],
            synonyms=tuple(i.get("synonyms", [])),
            parent=i.get("parent"),
            group=i.get("group"),
            related=tuple(i.get("related", [])),
        )
        for i in items
    )


def _load(name: str) -> dict:
    with open(TAXONOMY_DIR / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


@cache
def activities() -> Vocabulary:
    return Vocabulary("activiteit", _terms(_load("activities")["activities"]))


@cache
def levels() -> Vocabulary:
    return Vocabulary("onderwijsniveau", _terms(_load("levels")["levels"]))


@cache
def sectors() -> Vocabulary:
    return Vocabulary("sector", _terms(_load("sectors")["sectors"]))


@cache
def modes() -> Vocabulary:
    return Vocabulary("vorm", _terms(_load("modes")["modes"]))


@cache
def activity_compatibility() -> dict[str, list[dict]]:
    """Request activity -> list of {"offer": code, "requires_mode": mode|None} that may serve it."""
    raw = _load("activities")["compatibility"]
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def level_matches(a: str, b: str) -> bool:
    """True when two level codes are equal or one is the coarse parent of the other."""
    if a == b:
        return True
    voc = levels()
    pa = voc.get(a).parent if a in voc.codes else None
    pb = voc.get(b).parent if b in voc.codes else None
    return pa == b or pb == a


def levels_overlap(req: list[str], off: list[str]) -> bool:
    return any(level_matches(a, b) for a in req for b in off)


def sectors_related(a: str, b: str) -> bool:
    """True when two distinct sectors are related in the taxonomy (symmetric)."""
    voc = sectors()
    try:
        return b in voc.get(a).related or a in voc.get(b).related
    except TaxonomyError:
        return False


def reload() -> None:
    """Forget cached vocabularies (after an admin edited the data files)."""
    for fn in (activities, levels, sectors, modes, activity_compatibility):
        fn.cache_clear()
