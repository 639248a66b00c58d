"""Topic vectors: character n-grams hashed with CRC-32, fixed across processes, accents stripped."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from loket.matching.topic import N_FEATURES, ngram_columns, strip_accents, vectorise


def cosine(a: str, b: str) -> float:
    m = vectorise([a, b])
    return float((m[0] @ m[1].T).toarray()[0, 0])


def test_ngrams_of_short_and_long_words() -> None:
    assert len(ngram_columns("ab")) == 2 + 1  # " ab", "ab " and the padded word once
    assert len(ngram_columns("robot")) == 5 + 4 + 3  # " robot " has 7 characters: no whole word
    assert len(ngram_columns("zon en")) == len(ngram_columns("zon")) + len(ngram_columns("en"))
    assert all(0 <= c < N_FEATURES for c in ngram_columns("programmeren en app bouwen"))


def test_accents_and_case_do_not_matter() -> None:
    assert strip_accents("één café") == "een cafe"
    assert abs(cosine("Één Café", "een cafe") - 1.0) < 1e-12


def test_similarity_survives_typos_and_tells_topics_apart() -> None:
    assert abs(cosine("robotica", "robotica") - 1.0) < 1e-12
    assert cosine("robotica", "robotika") > 0.5
    assert cosine("robots in de fabriek", "hoe komt een pakketje bij je thuis") < 0.1
    empty = vectorise(["", "zonne-energie"])
    assert empty[0].nnz == 0 and abs(np.linalg.norm(empty[1].toarray()) - 1.0) < 1e-12


def test_columns_are_the_same_in_every_process() -> None:
    code = "import json; from loket.matching.topic import ngram_columns; print(json.dumps(ngram_columns('zonne-energie')))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ngram_columns("zonne-energie")
