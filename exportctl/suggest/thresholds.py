"""Numeric conditions in clause text ("exceeding 3.2 GHz", "5 x 10 3 Gy or higher", "less than
20 mm") checked against the quantities found in an abstract.

A condition is ``met`` or ``not_met`` only when the abstract gives a quantity of the same
dimension; otherwise it is ``unknown`` with the question to ask. ``not_met`` never removes a
candidate: the officer sees it, because the abstract's number may describe something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from exportctl.lists.model import Clause
from exportctl.suggest.quantities import Quantity, find_quantities
from exportctl.suggest.result import ThresholdCheck

BEFORE = [
    (re.compile(r"(?:equal to or (?:more|greater|higher) than|not less than|at least|"
                r"minimum of|or more than)\s*$", re.I), ">="),
    (re.compile(r"(?:equal to or less than|equal to or lower than|not exceeding|"
                r"not more than|not greater than|up to and including|up to|maximum of|"
                r"max(?:imum)?\.?)\s*$", re.I), "<="),
    (re.compile(r"(?:exceeding|more than|greater than|higher than|above|over|in excess of|"
                r"better than|faster than|larger than)\s*$", re.I), ">"),
    (re.compile(r"(?:less than|lower than|below|under|smaller than|shorter than|"
                r"fewer than)\s*$", re.I), "<"),
]  # fmt: skip
AFTER = [
    (re.compile(r"^\s*(?:\([^)]*\)\s*)?(?:or more|or greater|or higher|or above|or longer)", re.I),
     ">="),
    (re.compile(r"^\s*(?:\([^)]*\)\s*)?(?:or less|or lower|or below|or shorter|or smaller)", re.I),
     "<="),
]  # fmt: skip
ALL_OF = re.compile(r"\ball (?:of )?the following\b", re.I)
ANY_OF = re.compile(r"\bany (?:of )?the following\b", re.I)

QUESTIONS = {
    "power": "What is the (output or peak) power?",
    "frequency": "What is the operating frequency?",
    "length": "What is the relevant length or wavelength (as the clause defines it)?",
    "energy": "What is the (pulse) energy?",
    "temperature": "What is the operating temperature?",
    "voltage": "What is the voltage rating?",
    "current": "What is the current rating?",
    "time": "What is the relevant time (pulse duration, settling time, ...)?",
    "pressure": "What is the pressure rating?",
    "mass": "What is the mass?",
    "dose": "What total radiation dose is the item rated for?",
    "dose rate": "What dose rate is the item rated for?",
    "velocity": "What is the speed?",
    "sample rate": "What is the sample rate?",
    "data rate": "What is the data rate?",
    "resolution": "What is the resolution in bits?",
    "qubits": "How many physical qubits?",
    "gain": "What is the gain (dB)?",
    "force": "What is the thrust or force?",
    "computing": "What is the computing performance?",
    "activity": "What is the activity of the source?",
    "angle": "What is the angular accuracy or drift?",
    "mach": "What is the speed (Mach number)?",
}


@dataclass(frozen=True)
class Condition:
    clause_code: str
    text: str  # clause words, e.g. "exceeding 3.2 GHz"
    comparator: str
    quantity: Quantity
    group: str | None


def parse_conditions(clause: Clause, parent_text: str = "") -> list[Condition]:
    """Conditions printed in the clause's own text."""
    text = clause.text
    group = None
    if ALL_OF.search(parent_text) or ALL_OF.search(text):
        group = "all"
    elif ANY_OF.search(parent_text) or ANY_OF.search(text):
        group = "any"
    conditions: list[Condition] = []
    for quantity in find_quantities(text):
        before = text[max(0, quantity.start - 40) : quantity.start]
        after = text[quantity.end : quantity.end + 25]
        found = _comparator(before, after)
        if found is None:
            continue
        comparator, lead, tail = found
        snippet = (before[len(before) - lead :] + quantity.text + after[:tail]).strip()
        conditions.append(Condition(clause.code, snippet, comparator, quantity, group))
    return conditions


def _comparator(before: str, after: str) -> tuple[str, int, int] | None:
    """The comparator, and how many characters of its words stand before and after."""
    for pattern, comparator in BEFORE:
        if match := pattern.search(before):
            return comparator, len(before) - match.start(), 0
    for pattern, comparator in AFTER:
        if match := pattern.search(after):
            return comparator, 0, match.end()
    return None


def satisfies(value: float, comparator: str, threshold: float) -> bool:
    return {
        ">": value > threshold,
        ">=": value >= threshold,
        "<": value < threshold,
        "<=": value <= threshold,
    }[comparator]


def check_conditions(
    conditions: list[Condition], observed: tuple[Quantity, ...] | list[Quantity]
) -> list[ThresholdCheck]:
    checks: list[ThresholdCheck] = []
    for condition in conditions:
        threshold = condition.quantity
        same = [q for q in observed if q.dimension == threshold.dimension]
        question = QUESTIONS.get(threshold.dimension, f"What is the {threshold.dimension}?")
        if not same:
            checks.append(
                ThresholdCheck(
                    clause_code=condition.clause_code,
                    condition=condition.text,
                    comparator=condition.comparator,
                    value=threshold.base_value,
                    unit=threshold.base_unit,
                    status="unknown",
                    question=question,
                    group=condition.group,
                )
            )
            continue
        meeting = [q for q in same if satisfies(q.base_value, condition.comparator,
                                                 threshold.base_value)]  # fmt: skip
        chosen = meeting[0] if meeting else same[0]
        checks.append(
            ThresholdCheck(
                clause_code=condition.clause_code,
                condition=condition.text,
                comparator=condition.comparator,
                value=threshold.base_value,
                unit=threshold.base_unit,
                status="met" if meeting else "not_met",
                observed=chosen.text,
                observed_value=chosen.base_value,
                question=None
                if meeting
                else f"{question} (check that {chosen.text} in the "
                "abstract is the parameter the clause means)",
                group=condition.group,
            )
        )
    return checks
