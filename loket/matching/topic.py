"""Free-text topic similarity: character 3-5 grams (survives typos and Dutch compounds).

The similarity of two topics depends on those two texts only, never on the other offers: n-grams are
hashed into a fixed space (no vocabulary fitted on a corpus, no IDF), weighted ``1 + log(tf)`` and
L2-normalised, after lower-casing, stripping accents and dropping Dutch function words (the job IDF
did before). That makes a pair's score a pure function of the pair, so stored suggestions stay exact
when other offers come and go (``loket.services.matching.refresh``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, strip_accents_unicode
from sklearn.preprocessing import normalize

Terms = tuple[NDArray[np.int32], NDArray[np.float64]]

#: size of the hashed n-gram space (collisions are rare for short topics and the same everywhere)
N_FEATURES = 2**18
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


def prepare(text: str) -> str:
    """Lower-case, strip accents, drop punctuation and Dutch function words."""
    words = _WORD.findall(strip_accents_unicode((text or "").lower()))
    return " ".join(w for w in words if w not in STOPWORDS)


_HASHER = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(3, 5),
    preprocessor=prepare,
    n_features=N_FEATURES,
    alternate_sign=False,
    norm=None,
    dtype=np.float64,
)


def vectorise(topics: Sequence[str]) -> sparse.csr_matrix:
    """L2-normalised rows of ``1 + log(count)`` per hashed n-gram (zero rows for empty text)."""
    if not len(topics):
        return sparse.csr_matrix((0, N_FEATURES), dtype=np.float64)
    m = sparse.csr_matrix(_HASHER.transform([t or "" for t in topics]), dtype=np.float64)
    m.sort_indices()
    m.data = 1.0 + np.log(m.data)
    return sparse.csr_matrix(normalize(m, norm="l2", copy=False))


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
