"""The matcher interface and the catalogue of clauses and entries that matchers score."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import numpy as np

from exportctl.lists.store import ControlList
from exportctl.suggest.query import Query
from exportctl.suggest.result import Evidence


@dataclass(frozen=True)
class Catalogue:
    """Rows of the indexes: clause codes (list order, grouped by entry) and entry codes."""

    control_list: ControlList
    clause_codes: tuple[str, ...]
    entry_codes: tuple[str, ...]

    @cached_property
    def entry_row(self) -> dict[str, int]:
        return {code: row for row, code in enumerate(self.entry_codes)}

    @cached_property
    def clause_row(self) -> dict[str, int]:
        return {code: row for row, code in enumerate(self.clause_codes)}

    @cached_property
    def entry_of_clause(self) -> np.ndarray:
        """The entry row of each clause row."""
        rows = self.entry_row
        return np.array([rows[self.control_list.get(c).entry] for c in self.clause_codes])

    @cached_property
    def clauses_of_entry(self) -> list[np.ndarray]:
        """The clause rows of each entry row (empty for an entry with no clause in use)."""
        out: list[list[int]] = [[] for _ in self.entry_codes]
        for clause_row, entry_row in enumerate(self.entry_of_clause):
            out[entry_row].append(clause_row)
        return [np.array(rows, dtype=np.int64) for rows in out]

    @cached_property
    def _segments(self) -> tuple[np.ndarray, np.ndarray]:
        """Clause rows are grouped by entry: where each group starts, and its entry row."""
        entries = self.entry_of_clause
        starts = np.flatnonzero(np.r_[True, entries[1:] != entries[:-1]])
        if len(np.unique(entries[starts])) != len(starts):
            raise ValueError("The clauses of an entry are not listed together.")
        return starts, entries[starts]

    def best_clause_per_entry(self, clause_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per entry: the highest clause value and the clause row that has it (-1 if none)."""
        starts, entries = self._segments
        values = np.zeros(len(self.entry_codes), dtype=np.float64)
        rows = np.full(len(self.entry_codes), -1, dtype=np.int64)
        best = np.maximum.reduceat(clause_values, starts)
        values[entries] = best
        # the first clause of each group reaching its maximum
        hit = clause_values == np.repeat(best, np.diff(np.r_[starts, len(clause_values)]))
        group = np.cumsum(np.r_[True, self.entry_of_clause[1:] != self.entry_of_clause[:-1]]) - 1
        first_hit = np.full(len(starts), -1, dtype=np.int64)
        hits = np.flatnonzero(hit)
        first_hit[group[hits][::-1]] = hits[::-1]
        rows[entries] = first_hit
        return values, rows


@dataclass(frozen=True)
class MatchScores:
    """One matcher's output for one query."""

    entry_values: np.ndarray  # the feature: one value per entry row
    clause_values: np.ndarray | None = None  # per clause row, for clause-level matchers
    clause_rows: np.ndarray | None = None  # per entry: the clause row behind its value


class Matcher(ABC):
    """Scores every entry for a query and explains a candidate's share of the score."""

    #: the feature's name (a ranker column), stable across versions
    name: ClassVar[str]
    #: a few words for evidence and reports
    description: ClassVar[str]
    #: True when the matcher scores clauses (its clause values help choose the shown clause)
    clause_level: ClassVar[bool] = False

    @abstractmethod
    def score(self, query: Query) -> MatchScores: ...

    @abstractmethod
    def explain(
        self, query: Query, scores: MatchScores, entry_row: int, weight: float
    ) -> list[Evidence]:
        """Evidence items for one entry whose weights add up to ``weight`` (the ranker's
        coefficient times this matcher's value for the entry)."""


class ClauseLevelMatcher(Matcher):
    """A matcher that scores clauses; an entry takes its best clause's value."""

    clause_level = True

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    @abstractmethod
    def clause_values(self, query: Query) -> np.ndarray: ...

    def score(self, query: Query) -> MatchScores:
        values = self.clause_values(query)
        entry_values, rows = self.catalogue.best_clause_per_entry(values)
        return MatchScores(entry_values, values, rows)

    def best_clause(self, scores: MatchScores, entry_row: int) -> tuple[int, str]:
        """The clause row and code behind an entry's value."""
        assert scores.clause_rows is not None
        row = int(scores.clause_rows[entry_row])
        return row, self.catalogue.clause_codes[row]
