"""What kind of entry a candidate is (technology, software, Military List, national control).

These carry no evidence from the abstract; they let the ranker learn, for example, that a
technology entry matched on its own generic words is weaker evidence than a goods entry.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from exportctl.suggest.matchers.base import Catalogue, Matcher, MatchScores
from exportctl.suggest.query import Query
from exportctl.suggest.result import Evidence


class EntryKindMatcher(Matcher):
    description = "the kind of entry"

    def __init__(
        self, catalogue: Catalogue, name: str, label: str, applies: Callable[[str], bool]
    ) -> None:
        self.catalogue = catalogue
        self.name = name  # type: ignore[misc]  # one instance per kind
        self.label = label
        self._values = np.array([float(applies(code)) for code in catalogue.entry_codes])

    def score(self, query: Query) -> MatchScores:
        return MatchScores(self._values)

    def explain(
        self, query: Query, scores: MatchScores, entry_row: int, weight: float
    ) -> list[Evidence]:
        code = self.catalogue.entry_codes[entry_row]
        return [Evidence("kind of entry", "", -1, -1, code, (self.label,), weight)]


def _group(code: str) -> str:
    return code[1] if code[:1].isdigit() and len(code) >= 2 else ""


def entry_kind_matchers(catalogue: Catalogue) -> list[EntryKindMatcher]:
    return [
        EntryKindMatcher(catalogue, "technology entry", "a technology (E) entry",
                         lambda c: _group(c) == "E"),
        EntryKindMatcher(catalogue, "software entry", "a software (D) entry",
                         lambda c: _group(c) == "D"),
        EntryKindMatcher(catalogue, "military list", "a Military List entry",
                         lambda c: c.startswith("ML")),
        EntryKindMatcher(catalogue, "national control", "a UK national (PL) entry",
                         lambda c: c.startswith("PL")),
    ]  # fmt: skip
