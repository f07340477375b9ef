"""An analysed abstract: everything matchers read, computed once per call.

Kept out of the engine's state so that one loaded engine can serve concurrent users.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from exportctl.suggest.nlp import AnalysedText


@dataclass(frozen=True)
class Query:
    text: str  # the text as screened (same length and offsets as the user's text)
    analysed: AnalysedText  # spaCy analysis: noun phrases, quantities
    sentences: tuple[tuple[int, int], ...]  # sentence spans
    word_spans: dict[str, list[tuple[int, int]]]  # word term → its spans in the text
    word_columns: dict[int, str]  # hashed column → word term
    clause_vectors: tuple[sp.csr_matrix, sp.csr_matrix]  # (words, characters) for clauses
    entry_vectors: tuple[sp.csr_matrix, sp.csr_matrix]  # (words, characters) for entries
    meaning: np.ndarray  # the whole text's embedding
    sentence_meaning: np.ndarray  # one embedding per sentence
    #: what several matchers compute from the same inputs, kept for this query only
    shared: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def span_text(self, start: int, end: int) -> str:
        return self.text[start:end]
