"""Free-text topic fit: how much of a request's topic an offer covers, word by word.

Both topics are cut into content words (lower case, accents and punctuation removed, hyphens split,
Dutch function words and activity names such as "gastles" dropped). Two words match when

========================  =============================================================  ==========
rule                      example                                                        similarity
========================  =============================================================  ==========
equal                     ``chip`` / ``chip``                                             1.0
stem or prefix            ``robot|ica`` / ``robot|s``, ``zonne`` / ``zonne|panelen``      0.6-0.95
                          (common prefix >= 4 letters and >= 75 % of the shorter word)
typo                      ``zonnepaneelen`` / ``zonnepanelen`` (same first letter, both    0.8-0.95
                          >= 5 letters, optimal string alignment similarity >= 0.8)
taxonomy synonym          ``scheikunde`` / ``chemie`` (listed for the same sector)         0.7
compound head             offer ``precisie|landbouw`` for request ``landbouw`` (the offer  0.7
                          word ends with the request word, >= 5 letters: a kind of it);
                          offer ``energie`` for request ``wind|energie`` (the other way)  0.5
========================  =============================================================  ==========

An offer's own sectors count as extra words at 0.4 of their similarity (its label and its taxonomy
synonyms: a "scheikunde" request finds the Chemie offers even when their topic does not say so).

``coverage(request, offer) = sum_i a_i * max_v sim(w_i, v)`` over the request's content words
``w_i`` and the offer's words ``v``; ``a_i`` are IDF weights over the offers (a word that matches
half of all offers says less than one that matches a few), normalised to sum to 1. The coverage lies
in [0, 1]: 1 when every request word occurs in the offer's topic.

For speed the offer side is indexed once: per offer word the offers that contain it, per request
word (cached) the offers it matches with their similarity, as sorted arrays; a block of
(request, offer) pairs is then scored with one ``searchsorted`` per distinct request word.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import process
from rapidfuzz.distance import OSA

from loket import taxonomy

MIN_SIM = 0.5  # word pairs below this similarity do not count
SECTOR_WORD_FACTOR = 0.4  # an offer's sector words count at this share of their similarity
SYNONYM_SIM = 0.7
COMPOUND_SIM = 0.5  # the request word ends with the offer word
KIND_OF_SIM = 0.7  # the offer word ends with the request word
TYPO_MIN_SIM = 0.8
PREFIX_MIN = 4
SUFFIX_MIN = 5
DF_FLOOR_SHARE = 0.002  # IDF of words that match (almost) no offer is capped as if 0.2 % of offers had them

# Dutch function words and words that say what kind of activity it is, not what it is about.
_STOP_TEXT = """
de het een en of van voor met in op aan bij naar over uit tot door om te als is zijn wordt worden
hoe wat waarom wie waar welke wanneer je jij jouw jullie we wij ons onze u uw hun hij zij ze mijn
dit dat deze die er niet geen ook nog maar dan zo al meer veel alle alles iets kan kun kunt kunnen
mag moet moeten gaat gaan doen doe maak maken werkt werken werk leren leer zien kijken ontdekken
kennismaken kennismaking introductie inleiding nieuw nieuwe mee samen echt eigen wel heel onze
gastles gastlessen gastcollege les lessen lesje workshop workshops bedrijfsbezoek excursie
rondleiding bezoek bezoeken meeloopdag meeloopstage snuffelstage docentstage loopbaanevent
beroepenmarkt rolmodel mentor praktijkopdracht opdracht profielwerkstuk pws practicum masterclass
online webinar digitale digitaal live groep groepen klas klassen leerling leerlingen school scholen
bovenbouw onderbouw middenbouw leerjaar jaar dag dagdeel middag ochtend uur
"""
STOPWORDS: frozenset[str] = frozenset(_STOP_TEXT.split())

_SPLIT = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """Lower case without accents (``Zonne-energie`` -> ``zonne-energie``, ``één`` -> ``een``)."""
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def content_words(text: str) -> list[str]:
    """The content words of a topic, in order, without duplicates (hyphenated words are split)."""
    out: list[str] = []
    for w in _SPLIT.split(normalise(text)):
        if len(w) >= 2 and w not in STOPWORDS and not w.isdigit() and w not in out:
            out.append(w)
    return out


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


@dataclass(frozen=True)
class Synonyms:
    """Word -> ids of the taxonomy synonym groups it belongs to (one group per sector)."""

    groups: dict[str, frozenset[int]]

    @classmethod
    def from_taxonomy(cls) -> Synonyms:
        groups: dict[str, set[int]] = {}
        for gi, term in enumerate(taxonomy.sectors().terms):
            phrases = [term.code.replace("_", " "), term.nl, *term.synonyms]
            for phrase in phrases:
                words = content_words(phrase)
                if len(words) == 1:  # only one-word names are synonyms of a single word
                    groups.setdefault(words[0], set()).add(gi)
        return cls({w: frozenset(g) for w, g in groups.items()})

    def same_group(self, a: str, b: str) -> bool:
        ga, gb = self.groups.get(a), self.groups.get(b)
        return bool(ga and gb and ga & gb)


def word_sim(a: str, b: str, synonyms: Synonyms | None = None) -> float:
    """Similarity of request word ``a`` and offer word ``b`` (normalised) in [0, 1] by the rules in the
    module docstring (0 below 0.5). Symmetric except for compound heads."""
    if a == b:
        return 1.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    s, big = len(short), len(long_)
    best = 0.0
    p = _common_prefix(a, b)
    if p >= PREFIX_MIN and p >= 0.75 * s:
        best = 0.6 + 0.35 * p / big
    if s >= 5 and a[0] == b[0] and big - s <= 2:
        r = OSA.normalized_similarity(a, b)
        if r >= TYPO_MIN_SIM:
            best = max(best, min(0.95, r))
    if best < SYNONYM_SIM and synonyms is not None and synonyms.same_group(a, b):
        best = SYNONYM_SIM
    if best < KIND_OF_SIM and s >= SUFFIX_MIN and long_.endswith(short):
        best = max(best, KIND_OF_SIM if len(b) > len(a) else COMPOUND_SIM)
    return best if best >= MIN_SIM else 0.0


class _WordIndex:
    """Sorted views of a word list for finding every word that may match a query word."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = list(words)
        self.pos = {w: i for i, w in enumerate(self.words)}
        self.fwd = sorted(self.words)
        self.rev = sorted(w[::-1] for w in self.words)
        self.by_letter: dict[str, list[str]] = {}
        for w in self.words:
            if len(w) >= 5:
                self.by_letter.setdefault(w[0], []).append(w)

    def candidates(self, w: str, synonyms: Synonyms) -> set[str]:
        """A superset of the words ``v`` with ``word_sim(w, v) > 0`` (each rule looked up directly)."""
        out: set[str] = set()
        if w in self.pos:
            out.add(w)
        if len(w) >= PREFIX_MIN:  # prefix rule: both share the first 4 letters
            lo = bisect.bisect_left(self.fwd, w[:PREFIX_MIN])
            hi = bisect.bisect_left(self.fwd, w[:PREFIX_MIN] + "\uffff")
            out.update(self.fwd[lo:hi])
        if len(w) >= SUFFIX_MIN:  # compound: v ends with w, or w ends with v
            r = w[::-1]
            lo = bisect.bisect_left(self.rev, r)
            hi = bisect.bisect_left(self.rev, r + "\uffff")
            out.update(x[::-1] for x in self.rev[lo:hi])
            for k in range(SUFFIX_MIN, len(w)):
                if w[-k:] in self.pos:
                    out.add(w[-k:])
            bucket = self.by_letter.get(w[0])
            if bucket:
                for v, _, _ in process.extract_iter(
                    w, bucket, scorer=OSA.normalized_similarity, score_cutoff=TYPO_MIN_SIM
                ):
                    out.add(v)
        for g in synonyms.groups.get(w, ()):
            out.update(v for v, gs in synonyms.groups.items() if g in gs and v in self.pos)
        return out


Hits = tuple[NDArray[np.int64], NDArray[np.float64]]  # sorted offer rows, similarity per row


class TopicModel:
    """Indexes the offers' topics once; scores request topics against offer rows (thread-safe)."""

    def __init__(
        self, offer_topics: Sequence[str], offer_sectors: Sequence[Sequence[str]] | None = None
    ) -> None:
        self.n = len(offer_topics)
        self.synonyms = Synonyms.from_taxonomy()
        self.offer_words: list[list[str]] = [content_words(t) for t in offer_topics]
        postings: dict[str, list[int]] = {}
        for i, ws in enumerate(self.offer_words):
            for w in ws:
                postings.setdefault(w, []).append(i)
        # sector words of each offer (label and one-word synonyms), at SECTOR_WORD_FACTOR
        sector_words = self._sector_words()
        self.offer_sector_words: list[list[str]] = []
        spost: dict[str, list[int]] = {}
        for i, secs in enumerate(offer_sectors or [[] for _ in offer_topics]):
            ws = sorted({w for s in secs for w in sector_words.get(s, ())})
            self.offer_sector_words.append(ws)
            for w in ws:
                spost.setdefault(w, []).append(i)
        self._post = {w: np.asarray(v, dtype=np.int64) for w, v in postings.items()}
        self._spost = {w: np.asarray(v, dtype=np.int64) for w, v in spost.items()}
        self._index = _WordIndex(list(self._post))
        self._sindex = _WordIndex(list(self._spost))
        self._hits: dict[str, Hits] = {}
        self._lock = threading.Lock()
        self._df_floor = max(1.0, DF_FLOOR_SHARE * self.n)

    @staticmethod
    def _sector_words() -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for term in taxonomy.sectors().terms:
            words: list[str] = []
            for phrase in (term.nl, *term.synonyms):
                ws = content_words(phrase)
                if len(ws) == 1 and ws[0] not in words:
                    words.append(ws[0])
            out[term.code] = tuple(words)
        return out

    # ----------------------------------------------------------------- word level
    def word_hits(self, w: str) -> Hits:
        """Offer rows that word ``w`` matches (topic words, or sector words at 0.6), with the similarity."""
        hit = self._hits.get(w)
        if hit is not None:
            return hit
        rows: list[NDArray[np.int64]] = []
        vals: list[NDArray[np.float64]] = []
        for index, post, factor in (
            (self._index, self._post, 1.0),
            (self._sindex, self._spost, SECTOR_WORD_FACTOR),
        ):
            for v in index.candidates(w, self.synonyms):
                s = word_sim(w, v, self.synonyms) * factor
                if s > 0:
                    p = post[v]
                    rows.append(p)
                    vals.append(np.full(len(p), s))
        if rows:
            r = np.concatenate(rows)
            v = np.concatenate(vals)
            order = np.lexsort((-v, r))  # by row, best similarity first
            r, v = r[order], v[order]
            first = np.ones(len(r), dtype=np.bool_)
            first[1:] = r[1:] != r[:-1]
            hit = (r[first], v[first])
        else:
            hit = (np.zeros(0, dtype=np.int64), np.zeros(0))
        with self._lock:
            self._hits[w] = hit
        return hit

    def idf(self, w: str) -> float:
        """IDF of a request word over the offers it matches (capped for words that match almost none)."""
        df = float(len(self.word_hits(w)[0]))
        return math.log((self.n + 1) / (max(df, self._df_floor) + 1)) + 1.0

    def query(self, topic: str) -> Query:
        """The content words of a request topic with their normalised IDF weights."""
        words = content_words(topic)
        if not words:
            return Query((), np.zeros(0))
        w = np.array([self.idf(x) for x in words])
        return Query(tuple(words), w / w.sum())

    # ----------------------------------------------------------------- pair level
    def coverage(
        self, queries: Sequence[Query], q_of_pair: NDArray[np.intp], offer_rows: NDArray[np.intp]
    ) -> NDArray[np.float64]:
        """Topic coverage of the pairs (request ``queries[q_of_pair[p]]``, offer row ``offer_rows[p]``)."""
        n = len(offer_rows)
        nw = np.fromiter((len(q.words) for q in queries), dtype=np.intp, count=len(queries))
        if n == 0 or not nw.any():
            return np.zeros(n)
        vocab: dict[str, int] = {}
        flat_word = np.fromiter(
            (vocab.setdefault(w, len(vocab)) for q in queries for w in q.words), dtype=np.intp
        )
        flat_weight = np.concatenate([q.weights for q in queries if len(q.words)])
        qptr = np.concatenate([[0], np.cumsum(nw)[:-1]])
        # one entry per (pair, request word)
        per_pair = nw[q_of_pair]
        total = int(per_pair.sum())
        e_pair = np.repeat(np.arange(n), per_pair)
        e_slot = np.arange(total) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
        e_slot += qptr[q_of_pair[e_pair]]
        e_word = flat_word[e_slot]
        e_off = offer_rows[e_pair]
        val = np.zeros(total)
        order = np.argsort(e_word, kind="stable")
        bounds = np.searchsorted(e_word[order], np.arange(len(vocab) + 1))
        for w, k in vocab.items():
            rows, sims = self.word_hits(w)
            lo, hi = bounds[k], bounds[k + 1]
            if not len(rows) or lo == hi:
                continue
            idx = order[lo:hi]
            o = e_off[idx]
            pos = np.searchsorted(rows, o)
            pos[pos >= len(rows)] = 0
            val[idx] = np.where(rows[pos] == o, sims[pos], 0.0)
        out = np.bincount(e_pair, weights=val * flat_weight[e_slot], minlength=n)
        return np.clip(out, 0.0, 1.0)

    def coverage_one(self, query: Query, offer_topic: str, offer_sectors: Sequence[str]) -> float:
        """Coverage of one request query by one offer given as text (need not be indexed)."""
        if not query.words:
            return 0.0
        words = content_words(offer_topic)
        sector_words = self._sector_words()
        swords = sorted({w for s in offer_sectors for w in sector_words.get(s, ())})
        total = 0.0
        for w, a in zip(query.words, query.weights, strict=True):
            best = max((word_sim(w, v, self.synonyms) for v in words), default=0.0)
            best = max(
                best, max((word_sim(w, v, self.synonyms) * SECTOR_WORD_FACTOR for v in swords), default=0.0)
            )
            total += a * best
        return float(min(1.0, total))

    def evidence(self, query: Query, offer_row: int) -> list[tuple[str, str, float]]:
        """(request word, best offer word, similarity) per request word that the offer matches, best first."""
        out = []
        for w in query.words:
            best = ("", 0.0)
            for v in self.offer_words[offer_row]:
                s = word_sim(w, v, self.synonyms)
                if s > best[1]:
                    best = (v, s)
            for v in self.offer_sector_words[offer_row]:
                s = word_sim(w, v, self.synonyms) * SECTOR_WORD_FACTOR
                if s > best[1]:
                    best = (v, s)
            if best[1] > 0:
                out.append((w, best[0], best[1]))
        out.sort(key=lambda t: -t[2])
        return out


@dataclass(frozen=True)
class Query:
    """A request topic's content words and their weights (summing to 1; empty for an empty topic)."""

    words: tuple[str, ...]
    weights: NDArray[np.float64]
