"""Free-text topic similarity: TF-IDF over character 3-5 grams (survives typos and Dutch compounds)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

Terms = tuple[NDArray[np.int32], NDArray[np.float64]]


class TopicModel:
    """Fitted once on all offer topics; cosine similarity of a request topic against offer rows."""

    def __init__(self, offer_topics: Sequence[str]) -> None:
        self._vec: TfidfVectorizer | None = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), lowercase=True, strip_accents="unicode", sublinear_tf=True
        )
        try:
            self.offers: sparse.csr_matrix = sparse.csr_matrix(self._vec.fit_transform(list(offer_topics)))
        except ValueError:  # no topic has any n-gram (all empty): similarity is 0 everywhere
            self._vec = None
            self.offers = sparse.csr_matrix((len(offer_topics), 1))

    def vectorise(self, topics: Sequence[str]) -> sparse.csr_matrix:
        """L2-normalised TF-IDF rows for ``topics`` (zero rows for empty or unknown text)."""
        if self._vec is None:
            return sparse.csr_matrix((len(topics), 1))
        return sparse.csr_matrix(self._vec.transform(list(topics)))

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
        qd = np.zeros(self.offers.shape[1])
        qd[q_idx] = q_val
        return np.asarray(self.offers[offer_idx] @ qd, dtype=np.float64).ravel()

    def similarity_rows(self, rows: sparse.csr_matrix, col: sparse.csr_matrix) -> NDArray[np.float64]:
        """Cosine similarity of many query rows against one vectorised topic ``col`` (1 x V)."""
        if col.nnz == 0 or rows.shape[0] == 0:
            return np.zeros(rows.shape[0])
        return np.asarray((rows @ col.T).toarray()).ravel()
