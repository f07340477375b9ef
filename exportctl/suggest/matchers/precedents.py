"""Learning from decisions: entries confirmed on the nearest decided cases count for a new
abstract, entries rejected there count against. Its evidence names how many similar cases."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from exportctl.suggest.matchers.base import Catalogue, Matcher, MatchScores
from exportctl.suggest.precedents import Neighbour, PrecedentBook
from exportctl.suggest.query import Query
from exportctl.suggest.result import Evidence


class PrecedentMatcher(Matcher):
    name = "precedents"
    description = "confirmed (or rejected) on similar decided cases"

    def __init__(self, catalogue: Catalogue, book: Callable[[], PrecedentBook]) -> None:
        self.catalogue = catalogue
        self.book = book  # read once per query: the app may replace it at any time

    def score(self, query: Query) -> MatchScores:
        values = np.zeros(len(self.catalogue.entry_codes))
        neighbours = self._neighbours(query)
        rows = self.catalogue.entry_row
        for neighbour in neighbours:
            for code in neighbour.precedent.confirmed:
                if code in rows:
                    values[rows[code]] += neighbour.similarity
            for code in neighbour.precedent.rejected:
                if code in rows:
                    values[rows[code]] -= neighbour.similarity
        return MatchScores(values)

    def explain(
        self, query: Query, scores: MatchScores, entry_row: int, weight: float
    ) -> list[Evidence]:
        entry = self.catalogue.entry_codes[entry_row]
        confirmed = rejected = 0
        for neighbour in self._neighbours(query):
            confirmed += entry in neighbour.precedent.confirmed
            rejected += entry in neighbour.precedent.rejected
        parts = []
        if confirmed:
            parts.append(f"confirmed on {confirmed} similar decided case{'s' * (confirmed > 1)}")
        if rejected:
            parts.append(f"rejected on {rejected} similar decided case{'s' * (rejected > 1)}")
        return [Evidence(self.name, "", -1, -1, entry, ("; ".join(parts),), weight)]

    def _neighbours(self, query: Query) -> list[Neighbour]:
        key = "precedents"
        if key not in query.shared:
            book = self.book()
            query.shared[key] = book.nearest(query.meaning) if query.meaning.size else []
        return query.shared[key]
