"""Name normalisation shared by the gazetteer: place keys and the 12 provinces."""

from __future__ import annotations

import re
import unicodedata

from loket.geo.errors import GeoError

PROVINCES: tuple[str, ...] = (
    "Drenthe",
    "Flevoland",
    "Friesland",
    "Gelderland",
    "Groningen",
    "Limburg",
    "Noord-Brabant",
    "Noord-Holland",
    "Overijssel",
    "Utrecht",
    "Zeeland",
    "Zuid-Holland",
)

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_PARENTHETICAL = re.compile(r"\s*\([^)]*\)\s*$")


def norm_key(text: str) -> str:
    """Lower-case, accent-free key with punctuation collapsed to single spaces.

    "'s-Hertogenbosch" -> "s hertogenbosch", "Exloërmond" -> "exloermond".
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def strip_parenthetical(name: str) -> str:
    """'Hengelo (Gld)' -> 'Hengelo'; other names are returned unchanged."""
    return _PARENTHETICAL.sub("", name).strip()


_PROVINCE_KEYS: dict[str, str] = {norm_key(p): p for p in PROVINCES}
_PROVINCE_KEYS.update(
    {
        # English names used by GeoNames and common Dutch/Frisian spellings
        "guelders": "Gelderland",
        "north brabant": "Noord-Brabant",
        "north holland": "Noord-Holland",
        "south holland": "Zuid-Holland",
        "fryslan": "Friesland",
        "brabant": "Noord-Brabant",
        # the abbreviations used after place names, e.g. "Hengelo (Gld)", "Rijswijk (ZH)"
        "dr": "Drenthe",
        "fl": "Flevoland",
        "fr": "Friesland",
        "gld": "Gelderland",
        "gel": "Gelderland",
        "gr": "Groningen",
        "gn": "Groningen",
        "l": "Limburg",
        "lb": "Limburg",
        "li": "Limburg",
        "nb": "Noord-Brabant",
        "nh": "Noord-Holland",
        "ov": "Overijssel",
        "o": "Overijssel",
        "ut": "Utrecht",
        "u": "Utrecht",
        "utr": "Utrecht",
        "z": "Zeeland",
        "zl": "Zeeland",
        "ze": "Zeeland",
        "zh": "Zuid-Holland",
    }
)


def province_or_none(text: str) -> str | None:
    """The canonical province for a name or abbreviation, or None when it is not one."""
    return _PROVINCE_KEYS.get(norm_key(text))


def normalise_province(text: str) -> str:
    """Canonical province name ('north holland', 'NH', 'Fryslân' -> 'Noord-Holland', ...)."""
    province = province_or_none(text)
    if province is None:
        raise GeoError(f"Onbekende provincie {text!r}: kies uit {', '.join(PROVINCES)}.")
    return province
