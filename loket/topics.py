"""Topic suggestions for the free-text topic of requests and offers: prefix, word and fuzzy matches
over a curated list per language (``data/taxonomy/topics.json``) plus the sector labels of that
language. Pure (no Flask, no ORM): the suggestion API and the form's datalist both use it.

Ranking, best first: the topic starts with the query; a word of the topic starts with it; the
topic contains it; a close spelling (rapidfuzz, for typos such as "robtica"). Hyphens count as
spaces, case and accents are ignored, so "zonne energie" finds "zonne-energie".
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache

from rapidfuzz import fuzz

from loket import taxonomy

FUZZY_MIN_SCORE = 80  # rapidfuzz ratio (0-100) for a spelling to count as close
FUZZY_MIN_LENGTH = 3  # shorter queries only get prefix and word matches


def _fold(text: str) -> str:
    """Lower case, no accents, hyphens and repeated spaces as one space."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(plain.lower().replace("-", " ").replace("/", " ").split())


@cache
def topics(locale: str = "nl") -> tuple[str, ...]:
    """The curated topics of ``locale`` (Dutch for an unknown one), then its sector labels."""
    with open(taxonomy.TAXONOMY_DIR / "topics.json", encoding="utf-8") as fh:
        curated = json.load(fh)
    lang = locale if locale in curated and not locale.startswith("_") else "nl"
    seen: dict[str, str] = {}
    for word in (*curated[lang], *(t.label(lang) for t in taxonomy.sectors().terms)):
        seen.setdefault(_fold(word), word)
    return tuple(seen.values())


@cache
def _folded(locale: str) -> tuple[tuple[str, str], ...]:
    return tuple((_fold(t), t) for t in topics(locale))


def suggest(query: str, locale: str = "nl", limit: int = 15) -> list[str]:
    """The topics of ``locale`` that fit ``query``, best first (the first ``limit`` of the list
    for an empty query)."""
    q = _fold(query or "")
    if not q:
        return list(topics(locale)[:limit])
    ranked: list[tuple[int, float, int, str]] = []
    for order, (folded, topic) in enumerate(_folded(locale)):
        if folded == q:
            rank, score = -1, 0.0
        elif folded.startswith(q):
            rank, score = 0, 0.0
        elif any(word.startswith(q) for word in folded.split()):
            rank, score = 1, 0.0
        elif q in folded:
            rank, score = 2, 0.0
        elif len(q) >= FUZZY_MIN_LENGTH:
            # a typo in the whole topic, or in its beginning while typing ("robtic" ~ "robotica")
            score = max(fuzz.ratio(q, folded), fuzz.ratio(q, folded[: len(q) + 1]))
            if score < FUZZY_MIN_SCORE:
                continue
            rank = 3
        else:
            continue
        ranked.append((rank, -score, order, topic))
    ranked.sort()
    return [topic for *_, topic in ranked[:limit]]


def reload() -> None:
    """Forget the cached lists (after the data file changed)."""
    topics.cache_clear()
    _folded.cache_clear()
