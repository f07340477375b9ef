"""The 2021 EU Annex I (imported from its PDF) against the dual-use part of the shipped 16
December 2025 UK list: the changes checked by hand against both texts are found as such.

The PDF is read once per run (the shared ``annex_i_lines``), so these tests are slow."""

from __future__ import annotations

from pathlib import Path

import pytest

from exportctl.lists.diff import Change, ListDiff, compare
from exportctl.lists.importer import import_lines
from exportctl.lists.source import SourceLine
from exportctl.lists.store import ControlList

pytestmark = pytest.mark.slow

PDF = Path(__file__).parent / "data" / "pdf" / "annex-i-2021-821.pdf"


@pytest.fixture(scope="module")
def diff(annex_i_lines: list[SourceLine], control_list: ControlList) -> ListDiff:
    imported = import_lines(
        list(annex_i_lines),
        list_name="eu-dual-use",
        list_date="2021-05-20",
        source_path=PDF,
        source_format="pdf",
    )
    eu = ControlList(
        imported.manifest, imported.clauses, imported.definitions, imported.general_notes
    )
    return compare(eu, control_list, parts=["dual-use"])


def _find(diff: ListDiff, kind: str, code: str) -> Change:
    found = [c for c in diff.changes if c.kind == kind and code in (c.old_code, c.new_code)]
    assert found, f"no {kind} at {code}"
    return found[0]


def _thresholds(change: Change) -> list[tuple[str | None, str | None]]:
    return [(t.old, t.new) for t in change.thresholds]


def test_lists_diff_real_versions_and_entries(diff: ListDiff) -> None:
    assert (diff.old_version, diff.new_version) == (
        "eu-dual-use/2021-05-20",
        "uk-consolidated/2025-12-16",
    )
    added = sorted(c.new_code for c in diff.changes if c.kind == "entry_added")
    assert added == [
        "1C513", "2B510", "2D352", "2E503", "3A501", "3A502", "3A504", "3B501", "3B503",
        "3B504", "3C507", "3C508", "3C509", "3D006", "3D507", "3E505", "4A506", "4A507",
    ]  # fmt: skip
    assert diff.counts()["entry_removed"] == 0
    assert _find(diff, "entry_added", "4A506").sub_items == 11


APP = '("APP") exceeding {} Weighted TeraFLOPS'


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("4A003.b", [(APP.format(29), APP.format(70))]),
        ("4D001.b.1", [(APP.format(15), APP.format(24))]),
        ("3A002.d.2", [("not exceeding 90 GHz", "not exceeding 110 GHz")]),
        ("1B228.b", [("0.5 MPa", "0.1 MPa"), ("5 MPa", "1 MPa")]),
        ("3A002.c.4.b.1", [("15 μs or less", "8 μs or less")]),
        ("3A001.b.4.b.1", [("48.54 dBm", "48.45 dBm")]),
        ("1A202.a", [("400 mm", "650 mm")]),
        ("0B004.b.3", [("2.5 m", None)]),
        (
            "6A005.d.1.b.1",
            [("less than 1 400 nm", "less than 780 nm"), ("exceeding 15W", "exceeding 25 W")],
        ),
    ],
)
def test_lists_diff_real_thresholds(diff: ListDiff, code: str, expected) -> None:
    assert _thresholds(_find(diff, "threshold_changed", code)) == expected


@pytest.mark.parametrize(
    ("kind", "old", "new"),
    [
        ("clause_renumbered", "1A202.b", "1A202.c"),
        ("clause_added", None, "1A202.b"),
        ("clause_renumbered", "6A005.d.1.b.2", "6A005.d.1.b.4"),
        ("clause_renumbered", "6A005.d.1.b.3", "6A005.d.1.b.5"),
        ("clause_added", None, "6A005.d.1.b.2"),
        ("clause_added", None, "9E003.a.2.e"),
        ("clause_added", None, "0B004.b.10"),
        ("clause_removed", "1C351.d.13", None),  # cholera toxin: "Not used"
        ("clause_removed", "3A002.e.2", None),
        ("clause_removed", "8A001.c.1.c", None),
    ],
)
def test_lists_diff_real_clauses(diff: ListDiff, kind: str, old, new) -> None:
    assert any(c.kind == kind and (c.old_code, c.new_code) == (old, new) for c in diff.changes), (
        kind,
        old,
        new,
    )


@pytest.mark.parametrize(
    ("kind", "code", "removed", "added"),
    [
        ("text_changed", "9E003.a.1", "Gas turbine", "Turbine"),
        ("text_changed", "1C117.c.1.c", "ot", "or"),
        ("text_changed", "9E001", "9A001.b.,", None),
        ("note_changed", "9B005.a", "control", "apply to"),
        ("note_added", "3B001.a.3", None, None),
    ],
)
def test_lists_diff_real_words(diff: ListDiff, kind: str, code: str, removed, added) -> None:
    change = _find(diff, kind, code)
    assert not change.minor
    if removed:
        assert ("-", removed) in change.words
    if added:
        assert ("+", added) in change.words


@pytest.mark.parametrize(
    ("kind", "term"),
    [
        ("definition_removed", "camming"),
        ("definition_added", "satellite"),
        ("definition_changed", "spacecraft"),
    ],
)
def test_lists_diff_real_definitions(diff: ListDiff, kind: str, term: str) -> None:
    assert any(c.kind == kind and c.heading == term for c in diff.changes)


def test_lists_diff_real_decimal_commas_are_minor(diff: ListDiff) -> None:
    """The EU writes "0,01 Pa", the UK "0.01 Pa": no threshold change, a minor text change."""
    change = _find(diff, "text_changed", "2B005.a.2.a")
    assert change.minor and change.thresholds == ()
