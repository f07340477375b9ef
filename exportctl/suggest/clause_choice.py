"""Which clause of a suggested entry to show: the one whose words fit the abstract and whose
conditions the abstract's values meet or leave open, rather than one it contradicts.

A clause's conditions include its parents' ("Output wavelength exceeding 975 nm but not
exceeding 1 150 nm" above "output power exceeding 50 W"). Conditions on one quantity in one
clause form a range that a single value of the abstract must satisfy. A clause is
- ``met`` when every checkable condition on its path is met by a value of the abstract,
- ``contradicted`` when the abstract gives a value for a condition and none satisfies it,
- ``open`` otherwise (some condition cannot be checked from the abstract).
A contradicted clause is still shown when nothing else in the entry fits: the abstract's number
may describe something else, and the officer decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from exportctl.lists.store import ControlList
from exportctl.suggest.quantities import Quantity
from exportctl.suggest.result import ThresholdCheck
from exportctl.suggest.thresholds import (
    ALL_OF,
    Condition,
    check_conditions,
    parse_conditions,
    satisfies,
)

#: how much one met condition is worth against the clause's text score
MET_BONUS = 0.25
#: how much a contradicted path costs
CONTRADICTED_PENALTY = 1.0
#: clauses considered: those within this much of the entry's best text score
TEXT_MARGIN = 0.5

#: conditions shown from under a heading whose items all fail
MAX_UNMET_SHOWN = 6

# How a clause's conditions stand against the abstract, ordered so that "any of" is a max.
CONTRADICTED, NONE, OPEN, MET = 0, 1, 2, 3
_STATUS = {"met": MET, "not_met": CONTRADICTED, "unknown": OPEN}


def _all_of(statuses: Sequence[int]) -> int:
    """Every status must hold: one contradiction contradicts; no condition at all is NONE."""
    real = [s for s in statuses if s != NONE]
    if not real:
        return NONE
    if CONTRADICTED in real:
        return CONTRADICTED
    return OPEN if OPEN in real else MET


@dataclass(frozen=True)
class ClauseChoice:
    code: str
    checks: tuple[ThresholdCheck, ...]
    fit: str  # "met", "open", "contradicted" or "" (no condition to check)
    note: str = ""


@dataclass(frozen=True)
class _Fit:
    checks: tuple[ThresholdCheck, ...]
    met: int
    contradicted: bool
    open: bool

    @property
    def label(self) -> str:
        if self.contradicted:
            return "contradicted"
        if self.open:
            return "open"
        return "met" if self.met else ""


class ClauseChooser:
    def __init__(self, control_list: ControlList) -> None:
        self.control_list = control_list
        self._path_conditions = lru_cache(maxsize=8192)(self._conditions_on_path)

    def choose(
        self, codes: Sequence[str], text_scores: np.ndarray, quantities: Sequence[Quantity]
    ) -> ClauseChoice:
        """The clause to show among an entry's clauses ``codes``, given their text scores."""
        best_text = float(np.max(text_scores))
        best: tuple[float, int, str, _Fit] | None = None
        memo: dict[str, int] = {}
        for code, score in zip(codes, text_scores, strict=True):
            if score < best_text - TEXT_MARGIN:
                continue
            fit = self.fit(code, quantities, memo)
            value = float(score) + MET_BONUS * fit.met - CONTRADICTED_PENALTY * fit.contradicted
            depth = code.count(".")
            key = (value, depth, code, fit)
            if best is None or (value, depth) > (best[0], best[1]):
                best = key
        assert best is not None
        _, _, code, fit = best
        note = ""
        if fit.contradicted:
            failed = [c for c in fit.checks if c.status == "not_met"]
            note = (
                "Its conditions look unmet by the values in the abstract ("
                + "; ".join(f"{c.condition}: abstract gives {c.observed}" for c in failed[:2])
                + "): check that those values describe the item."
            )
        return ClauseChoice(code, fit.checks, fit.label, note)

    def fit(
        self, code: str, quantities: Sequence[Quantity], memo: dict[str, int] | None = None
    ) -> _Fit:
        """The clause's conditions and its parents' checked against ``quantities``; a heading
        ("... any of the following:") is contradicted when every item under it is. ``memo``
        keeps what is below each clause for one set of quantities."""
        checks: list[ThresholdCheck] = []
        met = 0
        statuses = []
        for _clause_code, group in self._path_conditions(code):
            status = _range_status(group, quantities)
            checks.extend(
                _with_status(c, status) for c in check_conditions(list(group), list(quantities))
            )
            met += status == "met"
            statuses.append(_STATUS[status])
        below = self._below(code, tuple(quantities), {} if memo is None else memo)
        if below == CONTRADICTED:
            checks.extend(self._unmet_below(code, quantities))
        overall = _all_of([*statuses, below])
        return _Fit(tuple(checks), met, overall == CONTRADICTED, overall == OPEN)

    def _unmet_below(self, code: str, quantities: Sequence[Quantity]) -> list[ThresholdCheck]:
        """The conditions of the items under a clause that the abstract's values fail."""
        out: list[ThresholdCheck] = []
        for clause in self.control_list.descendants(code):
            for owner, group in self._path_conditions(clause.code):
                if owner != clause.code or _range_status(group, quantities) != "not_met":
                    continue
                out.extend(c for c in check_conditions(list(group), list(quantities))
                           if c.status == "not_met")  # fmt: skip
            if len(out) >= MAX_UNMET_SHOWN:
                break
        return out[:MAX_UNMET_SHOWN]

    def _own(self, code: str, quantities: tuple[Quantity, ...]) -> int:
        """The clause's own conditions (not its parents')."""
        groups = [g for owner, g in self._path_conditions(code) if owner == code]
        return _all_of([_STATUS[_range_status(g, quantities)] for g in groups])

    def _below(self, code: str, quantities: tuple[Quantity, ...], memo: dict[str, int]) -> int:
        """What the items under a clause allow: one of them must fit (all, for "all of the
        following"); an item with no numeric condition might fit, so it counts as open."""
        if code in memo:
            return memo[code]
        clause = self.control_list.get(code)
        children = [c for c in self.control_list.children(code) if not c.not_used]
        if not children:
            status = NONE
        else:
            statuses = [
                _all_of([self._own(c.code, quantities), self._below(c.code, quantities, memo)])
                for c in children
            ]
            if ALL_OF.search(clause.text):
                status = _all_of(statuses)
            else:
                status = max(OPEN if s == NONE else s for s in statuses)
        memo[code] = status
        return status

    def _conditions_on_path(self, code: str) -> tuple[tuple[str, tuple[Condition, ...]], ...]:
        """(clause code, conditions on one quantity) for the clause and its ancestors."""
        path = [*self.control_list.ancestors(code), self.control_list.get(code)]
        out = []
        for clause in path:
            parent = self.control_list.get(clause.parent).text if clause.parent else ""
            by_dimension: dict[str, list[Condition]] = {}
            for condition in parse_conditions(clause, parent):
                by_dimension.setdefault(condition.quantity.dimension, []).append(condition)
            out.extend((clause.code, tuple(group)) for group in by_dimension.values())
        return tuple(out)


def _range_status(group: Sequence[Condition], quantities: Sequence[Quantity]) -> str:
    """``met`` when one value of the abstract satisfies every condition of the group (a
    range), ``not_met`` when the abstract has values of that kind but none does, else
    ``unknown``."""
    dimension = group[0].quantity.dimension
    values = [q.base_value for q in quantities if q.dimension == dimension]
    if not values:
        return "unknown"
    for value in values:
        if all(satisfies(value, c.comparator, c.quantity.base_value) for c in group):
            return "met"
    return "not_met"


def _with_status(check: ThresholdCheck, range_status: str) -> ThresholdCheck:
    """A single condition met by one value but part of a range no single value satisfies is
    reported as not met."""
    from dataclasses import replace

    if check.status == "met" and range_status == "not_met":
        return replace(
            check,
            status="not_met",
            question=f"{check.question or ''} No single value in the abstract lies in the "
            "clause's range.".strip(),
        )
    return check
