"""Numeric conditions of real clauses checked against an abstract's quantities."""

from __future__ import annotations

import pytest

from exportctl.suggest.quantities import find_quantities
from exportctl.suggest.thresholds import check_conditions, parse_conditions


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("3A001.a.1.a", [(">=", 5000.0, "Gy")]),
        ("6A005.a.1", [("<", 1.5e-7, "m"), (">", 1.0, "W")]),
        ("3A001.b.2.a", [(">", 2.7e9, "Hz"), ("<=", 6.8e9, "Hz")]),
        ("3A001.a.5.a.2", [(">=", 10.0, "bit"), ("<", 12.0, "bit"), (">", 6e8, "S/s")]),
    ],
)
def test_thresholds_parsed_from_real_clauses(control_list, code, expected):
    conditions = parse_conditions(control_list.get(code))
    got = [(c.comparator, c.quantity.base_value, c.quantity.base_unit) for c in conditions]
    assert [(c, pytest.approx(v), u) for c, v, u in expected] == got


def _status(control_list, code, abstract):
    conditions = parse_conditions(control_list.get(code))
    return [c.status for c in check_conditions(conditions, find_quantities(abstract))]


def test_thresholds_met_not_met_and_unknown(control_list):
    assert _status(control_list, "6A005.a.1", "a 120 nm source delivering 5 W") == ["met", "met"]
    assert _status(control_list, "6A005.a.1", "a 1064 nm source delivering 0.5 W") == [
        "not_met", "not_met",
    ]  # fmt: skip
    assert _status(control_list, "6A005.a.1", "a new laser design") == ["unknown", "unknown"]


def test_thresholds_unknown_asks_the_question(control_list):
    conditions = parse_conditions(control_list.get("3A001.b.2.a"))
    check = check_conditions(conditions, [])[0]
    assert check.status == "unknown"
    assert check.question == "What is the operating frequency?"


def test_thresholds_not_met_still_asks_to_confirm_the_parameter(control_list):
    conditions = parse_conditions(control_list.get("6A005.a.1"))
    check = check_conditions(conditions, find_quantities("a 5 mm thick 0.5 W device"))[1]
    assert check.status == "not_met" and "check that 0.5 W" in check.question
