"""The matchers an engine uses, in a fixed order: that order is the ranker's feature order."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from exportctl.suggest.index import ClauseIndex
from exportctl.suggest.matchers.base import Catalogue, Matcher, MatchScores
from exportctl.suggest.matchers.kinds import entry_kind_matchers
from exportctl.suggest.matchers.meaning import MeaningMatcher, SentenceMeaningMatcher
from exportctl.suggest.matchers.precedents import PrecedentMatcher
from exportctl.suggest.matchers.words import (
    ClauseCharactersMatcher,
    ClauseWordsMatcher,
    EntryCharactersMatcher,
    EntryWordsMatcher,
)
from exportctl.suggest.meaning_index import MeaningIndex
from exportctl.suggest.precedents import PrecedentBook
from exportctl.suggest.query import Query


class MatcherRegistry:
    def __init__(self, matchers: list[Matcher] | None = None) -> None:
        self._matchers: list[Matcher] = []
        for matcher in matchers or []:
            self.add(matcher)

    def add(self, matcher: Matcher) -> None:
        if matcher.name in self.names:
            raise ValueError(f"A matcher named {matcher.name!r} is already registered.")
        self._matchers.append(matcher)

    def remove(self, name: str) -> None:
        self._matchers = [m for m in self._matchers if m.name != name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self._matchers)

    def __iter__(self) -> Iterator[Matcher]:
        return iter(self._matchers)

    def __getitem__(self, name: str) -> Matcher:
        for matcher in self._matchers:
            if matcher.name == name:
                return matcher
        raise KeyError(name)

    def score(self, query: Query) -> dict[str, MatchScores]:
        return {matcher.name: matcher.score(query) for matcher in self._matchers}

    @staticmethod
    def feature_matrix(scores: dict[str, MatchScores], names: tuple[str, ...]) -> np.ndarray:
        """(entries, features) in the order of ``names``."""
        return np.stack([scores[name].entry_values for name in names], axis=1)


def default_registry(
    catalogue: Catalogue,
    clause_index: ClauseIndex,
    entry_index: ClauseIndex,
    meaning_index: MeaningIndex | None,
    aliases: dict[str, list[str]],
    precedents: Callable[[], PrecedentBook] | None = None,
) -> MatcherRegistry:
    """Words, characters (clause and entry), meaning (whole abstract and sentence), kind, and
    precedents (decided cases) when a source of them is given."""
    matchers: list[Matcher] = [
        ClauseWordsMatcher(catalogue, clause_index, aliases),
        ClauseCharactersMatcher(catalogue, clause_index),
        EntryWordsMatcher(catalogue, entry_index),
        EntryCharactersMatcher(catalogue, entry_index),
    ]
    if meaning_index is not None:
        matchers += [
            MeaningMatcher(catalogue, meaning_index),
            SentenceMeaningMatcher(catalogue, meaning_index),
        ]
    matchers += entry_kind_matchers(catalogue)
    if precedents is not None:
        matchers.append(PrecedentMatcher(catalogue, precedents))
    return MatcherRegistry(matchers)
