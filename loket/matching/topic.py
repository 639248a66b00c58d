"""Free-text topic similarity: character 3-5 grams (survives typos and Dutch compounds).

The similarity of two topics depends on those two texts only, never on the other offers: n-grams are
hashed into a fixed space (no vocabulary fitted on a corpus, no IDF), weighted ``1 + log(tf)`` and
L2-normalised, after lower-casing, stripping accents and dropping Dutch function words (the job IDF
did before), and with the first word of every curated synonym group the text names added
(``data/taxonomy/topic_synonyms.json``: "cobots" also counts as "robot"). Both lists are fixed, so a
pair's score is a pure function of the pair, and stored suggestions stay exact when other offers come
and go (``loket.services.matching.refresh``).
"""

from __future__ import annotations

import json
import re
import unicodedata
import zlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

Terms = tuple[NDArray[np.int32], NDArray[np.float64]]

#: size of the hashed n-gram space (collisions are rare for short topics and the same everywhere)
N_FEATURES = 2**18
#: the n-gram lengths (characters, within a word padded with one space either side)
NGRAMS = (3, 4, 5)
#: Dutch function words that say nothing about a topic (they would otherwise dominate short texts)
_STOP = (
    "aan al als bij dan dat de den der des die dit door een en er het hoe hun in is je jij jouw kan met na"
)
STOPWORDS = frozenset(
    (
        _STOP + " naar niet of om onder ons onze op over te tot uit van voor wat we wij wordt zich zij zijn"
    ).split(" ")
)
_WORD = re.compile(r"\w+")


_SYNONYMS = Path(__file__).resolve().parents[2] / "data" / "taxonomy" / "topic_synonyms.json"
#: a synonym term of at least this many letters also matches the words that start with it
PREFIX_MIN = 5


@lru_cache(maxsize=1)
def synonym_groups() -> tuple[dict[str, str], tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(word -> group head, (prefix, head) longest first, (phrase, head)) of the curated synonym list."""
    words: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    phrases: list[tuple[str, str]] = []
    for group in json.loads(_SYNONYMS.read_text(encoding="utf-8"))["groups"]:
        head = " ".join(_WORD.findall(strip_accents(group[0].lower())))
        for term in group:
            toks = _WORD.findall(strip_accents(term.lower()))
            if len(toks) > 1:
                phrases.append((" " + " ".join(toks) + " ", head))
            elif toks:
                words.setdefault(toks[0], head)
                if len(toks[0]) >= PREFIX_MIN:
                    prefixes.setdefault(toks[0], head)
    by_len = tuple(sorted(prefixes.items(), key=lambda kv: (-len(kv[0]), kv[0])))
    return words, by_len, tuple(phrases)


@lru_cache(maxsize=65536)
def _group_of(word: str) -> str | None:
    """The head of the synonym group of ``word``: its exact entry, else the longest term it starts with."""
    words, prefixes, _ = synonym_groups()
    if word in words:
        return words[word]
    for term, head in prefixes:
        if len(term) < len(word) and word.startswith(term):
            return head
    return None


def prepare(text: str) -> str:
    """Lower-case, strip accents, drop punctuation and Dutch function words, add synonym group heads."""
    words = _WORD.findall(strip_accents((text or "").lower()))
    heads: list[str] = []
    for w in words:
        head = _group_of(w)
        if head is not None and head not in heads and head != w:
            heads.append(head)
    joined = " " + " ".join(words) + " "
    for phrase, head in synonym_groups()[2]:
        if phrase in joined and head not in heads:
            heads.append(head)
    return " ".join([w for w in words if w not in STOPWORDS] + heads)


def strip_accents(text: str) -> str:
    """``text`` without accents: "één" -> "een" (NFKD, then the combining marks dropped)."""
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed == text:
        return text
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def ngram_columns(text: str) -> list[int]:
    """The hashed columns of the 3-5 character n-grams of every word of ``text`` padded with a space
    either side (a word shorter than an n-gram counts once, whole), with repeats: CRC-32, which is in
    the standard library, fixed across processes and machines, and spreads short strings well."""
    mask = N_FEATURES - 1  # a power of two
    crc = zlib.crc32
    out: list[int] = []
    for word in text.split():
        padded = f" {word} "
        size = len(padded)
        if padded.isascii():  # the usual case: bytes slice as the characters do, and faster
            w = padded.encode()
            grams = (w[i : i + n] for n in NGRAMS if n < size for i in range(size - n + 1))
        else:
            grams = (padded[i : i + n].encode() for n in NGRAMS if n < size for i in range(size - n + 1))
        out.extend(crc(g) & mask for g in grams)
        if size <= NGRAMS[-1]:
            out.append(crc(padded.encode()) & mask)  # the n-gram as long as the word or longer: once
    return out


def vectorise(topics: Sequence[str]) -> sparse.csr_matrix:
    """L2-normalised rows of ``1 + log(count)`` per hashed n-gram (zero rows for empty text); each
    distinct text is vectorised once (topics repeat: tens of thousands of offers, a few thousand texts)."""
    if not len(topics):
        return sparse.csr_matrix((0, N_FEATURES), dtype=np.float64)
    first: dict[str, int] = {}
    inverse = np.fromiter((first.setdefault(t or "", len(first)) for t in topics), np.intp, len(topics))
    cols = [ngram_columns(prepare(text)) for text in first]
    indptr = np.zeros(len(cols) + 1, dtype=np.int64)
    np.cumsum([len(c) for c in cols], out=indptr[1:])
    flat = np.fromiter((j for c in cols for j in c), np.int32, int(indptr[-1]))
    m = sparse.csr_matrix((np.ones(len(flat)), flat, indptr), shape=(len(cols), N_FEATURES))
    m.sum_duplicates()  # counts per column, columns sorted
    m.data = 1.0 + np.log(m.data)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    per_row = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    m.data *= np.repeat(per_row, np.diff(m.indptr))
    return m if len(first) == len(topics) else m[inverse]


class TopicModel:
    """The offers' topic vectors; cosine similarity of request topics against offer rows."""

    def __init__(self, offer_topics: Sequence[str]) -> None:
        self.offers: sparse.csr_matrix = vectorise(list(offer_topics))
        self._dense = np.zeros(N_FEATURES)  # scratch vector for one query at a time (not thread-safe)

    def vectorise(self, topics: Sequence[str]) -> sparse.csr_matrix:
        """L2-normalised vectors for ``topics`` (zero rows for empty text)."""
        return vectorise(topics)

    def query_terms(self, topics: Sequence[str]) -> list[Terms]:
        """Vectorise ``topics`` at once and return each row's (term indices, weights)."""
        m = self.vectorise(topics)
        p = m.indptr
        return [(m.indices[p[i] : p[i + 1]], m.data[p[i] : p[i + 1]]) for i in range(m.shape[0])]

    def similarity(self, query: Terms, offer_idx: NDArray[np.intp]) -> NDArray[np.float64]:
        """Cosine similarity of one query (term indices, weights) against the offers ``offer_idx``."""
        q_idx, q_val = query
        if len(q_idx) == 0 or len(offer_idx) == 0:
            return np.zeros(len(offer_idx))
        qd = self._dense
        qd[q_idx] = q_val
        try:
            return np.asarray(self.offers[offer_idx] @ qd, dtype=np.float64).ravel()
        finally:
            qd[q_idx] = 0.0

    def similarity_rows(self, rows: sparse.csr_matrix, col: sparse.csr_matrix) -> NDArray[np.float64]:
        """Cosine similarity of many query rows against one vectorised topic ``col`` (1 x V)."""
        if col.nnz == 0 or rows.shape[0] == 0:
            return np.zeros(rows.shape[0])
        return np.asarray((rows @ col.T).toarray()).ravel()
