"""Meaning-level matchers: sentence-embedding similarity between the abstract and each clause
(read with its parents' words). They find a clause written in the list's generic words for an
abstract written in its field's own words, where no word is shared.

Evidence is the abstract sentence closest in meaning to the clause, so a dense match can be
highlighted like a word match.
"""

from __future__ import annotations

import numpy as np

from exportctl.suggest.matchers.base import Catalogue, ClauseLevelMatcher, MatchScores
from exportctl.suggest.meaning_index import MeaningIndex
from exportctl.suggest.query import Query
from exportctl.suggest.result import Evidence

CLAUSE_WORDS_SHOWN = 30


class _MeaningBase(ClauseLevelMatcher):
    def __init__(self, catalogue: Catalogue, index: MeaningIndex) -> None:
        if tuple(index.codes) != catalogue.clause_codes:
            raise ValueError("The meaning index and the word index list different clauses.")
        super().__init__(catalogue)
        self.index = index

    def _similarities(self, query: Query) -> np.ndarray:
        """Rows: the whole text, then each sentence; columns: clauses (computed once)."""
        key = f"meaning:{id(self.index)}"
        if key not in query.shared:
            rows = np.vstack(
                [query.meaning[None, :], query.sentence_meaning.reshape(-1, query.meaning.size)]
            )
            query.shared[key] = self.index.similarities(rows)
        return query.shared[key]

    def explain(
        self, query: Query, scores: MatchScores, entry_row: int, weight: float
    ) -> list[Evidence]:
        row, code = self.best_clause(scores, entry_row)
        start, end = closest_sentence(query, self.index.vectors[row])
        clause = self.catalogue.control_list.get(code)
        words = clause.text.split()
        shown = " ".join(words[:CLAUSE_WORDS_SHOWN]) + (
            " …" if len(words) > CLAUSE_WORDS_SHOWN else ""
        )
        return [
            Evidence(
                matcher=self.name,
                abstract_text=query.span_text(start, end) if start >= 0 else "",
                start=start,
                end=end,
                clause_code=code,
                clause_words=(shown,) if shown else (),
                weight=weight,
            )
        ]


class MeaningMatcher(_MeaningBase):
    """Similarity of the whole abstract to the clause."""

    name = "meaning"
    description = "the abstract as a whole is close in meaning to the clause"

    def clause_values(self, query: Query) -> np.ndarray:
        return self._similarities(query)[0]


class SentenceMeaningMatcher(_MeaningBase):
    """Similarity of the abstract's closest sentence to the clause."""

    name = "sentence meaning"
    description = "one sentence of the abstract is close in meaning to the clause"

    def clause_values(self, query: Query) -> np.ndarray:
        similarities = self._similarities(query)
        return similarities[1:].max(axis=0) if len(similarities) > 1 else similarities[0]


def closest_sentence(query: Query, clause_vector: np.ndarray) -> tuple[int, int]:
    """The span of the abstract sentence closest in meaning to a clause (-1, -1 if none)."""
    if not query.sentences or len(query.sentence_meaning) == 0:
        return -1, -1
    best = int(np.argmax(query.sentence_meaning @ clause_vector))
    return query.sentences[best]
