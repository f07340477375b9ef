"""Shared-word and character n-gram matchers over the TF-IDF indexes (clauses and entries).

A clause's word similarity is the sum, over the word terms it shares with the abstract, of the
two vectors' products, so each shared word (or alias word) is one evidence item.
"""

from __future__ import annotations

import numpy as np

from exportctl.suggest import analyzers
from exportctl.suggest.index import ClauseIndex
from exportctl.suggest.matchers.base import Catalogue, ClauseLevelMatcher, Matcher, MatchScores
from exportctl.suggest.query import Query
from exportctl.suggest.result import Evidence

MAX_WORD_EVIDENCE = 8


class ClauseWordsMatcher(ClauseLevelMatcher):
    name = "words"
    description = "shared words with the clause (and its parents and aliases)"

    def __init__(
        self, catalogue: Catalogue, index: ClauseIndex, aliases: dict[str, list[str]]
    ) -> None:
        super().__init__(catalogue)
        self.index = index
        self.aliases = aliases
        self._term_cache: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {}

    def clause_values(self, query: Query) -> np.ndarray:
        return self.index.word_similarities(query.clause_vectors[0])

    def explain(
        self, query: Query, scores: MatchScores, entry_row: int, weight: float
    ) -> list[Evidence]:
        row, code = self.best_clause(scores, entry_row)
        contributions = self.index.word_contributions(query.clause_vectors[0], row)
        clause_terms = self._clause_terms(code)

        def describe(term: str) -> tuple[str, tuple[str, ...]]:
            source, words = clause_terms.get(term, ("clause", ()))
            return ("alias" if source == "alias" else "words"), words or (term,)

        return word_evidence(query, contributions, code, weight, describe)

    def _clause_terms(self, code: str) -> dict[str, tuple[str, tuple[str, ...]]]:
        """For each word term of a clause document: which field has it and the words used."""
        cached = self._term_cache.get(code)
        if cached is not None:
            return cached
        control_list = self.catalogue.control_list
        clause = control_list.get(code)
        fields = [
            ("alias", " ; ".join(self.aliases.get(code, []))),
            ("context", " ".join(a.text for a in control_list.ancestors(code))),
            ("clause", clause.text),
        ]
        out: dict[str, tuple[str, tuple[str, ...]]] = {}
        for source, text in fields:
            for term, positions in analyzers.term_spans(text).items():
                out[term] = (source, tuple(dict.fromkeys(text[s:e] for s, e in positions)))
        self._term_cache[code] = out
        return out


class _EntryIndexMatcher(Matcher):
    """A matcher over the entry index (one document per entry: all its clauses)."""

    def __init__(self, catalogue: Catalogue, index: ClauseIndex) -> None:
        self.catalogue = catalogue
        self.index = index
        rows = {code: row for row, code in enumerate(index.codes)}
        self._rows = np.array([rows[code] for code in catalogue.entry_codes])


class EntryWordsMatcher(_EntryIndexMatcher):
    name = "entry words"
    description = "shared words with the whole entry (all its clauses)"

    def score(self, query: Query) -> MatchScores:
        return MatchScores(self.index.word_similarities(query.entry_vectors[0])[self._rows])

    def explain(
        self, query: Query, scores: MatchScores, entry_row: int, weight: float
    ) -> list[Evidence]:
        code = self.catalogue.entry_codes[entry_row]
        contributions = self.index.word_contributions(
            query.entry_vectors[0], int(self._rows[entry_row])
        )
        return word_evidence(
            query, contributions, code, weight, lambda term: ("entry words", (term,))
        )


class ClauseCharactersMatcher(ClauseLevelMatcher):
    name = "characters"
    description = "shared character sequences with the clause"

    def __init__(self, catalogue: Catalogue, index: ClauseIndex) -> None:
        super().__init__(catalogue)
        self.index = index

    def clause_values(self, query: Query) -> np.ndarray:
        return self.index.char_similarities(query.clause_vectors[1])

    def explain(
        self, query: Query, scores: MatchScores, entry_row: int, weight: float
    ) -> list[Evidence]:
        _, code = self.best_clause(scores, entry_row)
        return [Evidence(self.name, "", -1, -1, code, (), weight)]


class EntryCharactersMatcher(_EntryIndexMatcher):
    name = "entry characters"
    description = "shared character sequences with the whole entry"

    def score(self, query: Query) -> MatchScores:
        return MatchScores(self.index.char_similarities(query.entry_vectors[1])[self._rows])

    def explain(
        self, query: Query, scores: MatchScores, entry_row: int, weight: float
    ) -> list[Evidence]:
        code = self.catalogue.entry_codes[entry_row]
        return [Evidence(self.name, "", -1, -1, code, (), weight)]


def word_evidence(
    query: Query,
    contributions: dict[int, float],
    code: str,
    weight: float,
    describe,
) -> list[Evidence]:
    """One item per shared word term (the strongest first, the rest together), scaled so the
    items add up to ``weight``."""
    total = sum(contributions.values())
    if total <= 0:
        return [Evidence("words", "", -1, -1, code, (), weight)] if weight else []
    scale = weight / total
    ordered = sorted(contributions.items(), key=lambda item: -item[1])
    evidence: list[Evidence] = []
    for column, value in ordered[:MAX_WORD_EVIDENCE]:
        term = query.word_columns.get(column, "?")
        start, end = (query.word_spans.get(term) or [(-1, -1)])[0]
        matcher, words = describe(term)
        evidence.append(
            Evidence(
                matcher=matcher,
                abstract_text=query.span_text(start, end) if start >= 0 else term,
                start=start,
                end=end,
                clause_code=code,
                clause_words=words,
                weight=scale * value,
            )
        )
    rest = ordered[MAX_WORD_EVIDENCE:]
    if rest:
        terms = tuple(query.word_columns.get(column, "?") for column, _ in rest)
        evidence.append(
            Evidence("other shared words", "", -1, -1, code, terms, scale * sum(v for _, v in rest))
        )
    return evidence
