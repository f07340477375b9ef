"""Comparing two list versions: the committed mini list against an amended copy of it
(``mini-list-amended.txt``: one clause inserted so four are renumbered, one removed, one
entry added, a threshold, a text, a note and a joining "or" changed), exact changes expected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from exportctl.cli import main
from exportctl.lists.diff import CHANGE_KINDS, ListDiff, compare, normalise_text, word_diff
from exportctl.lists.importer import import_source, write_dataset
from exportctl.lists.model import Definition
from exportctl.lists.store import ControlList, dataset_for

AMENDED = Path(__file__).parent / "data" / "lists" / "mini-list-amended.txt"


@pytest.fixture(scope="module")
def root(tmp_path_factory, mini_list_path) -> Path:
    folder = tmp_path_factory.mktemp("control_lists")
    write_dataset(import_source(mini_list_path, list_name="mini", list_date="2025-12-16"), folder)
    write_dataset(import_source(AMENDED, list_name="mini", list_date="2026-06-01"), folder)
    return folder


@pytest.fixture(scope="module")
def old(root) -> ControlList:
    return ControlList.load("mini", "2025-12-16", root=root)


@pytest.fixture(scope="module")
def new(root) -> ControlList:
    return ControlList.load("mini", "2026-06-01", root=root)


@pytest.fixture(scope="module")
def diff(old, new) -> ListDiff:
    return compare(old, new)


EXPECTED = [
    ("text_changed", "ML1.a", "ML1.a"),
    ("clause_removed", "ML1.b.2", None),
    ("clause_added", None, "ML1.d.3"),
    ("clause_renumbered", "ML1.d.3", "ML1.d.4"),
    ("note_changed", "ML1.d.3", "ML1.d.4"),
    ("clause_renumbered", "ML1.d.4", "ML1.d.5"),
    ("clause_renumbered", "ML1.d.5", "ML1.d.6"),
    ("clause_renumbered", "ML1.d.6", "ML1.d.7"),
    ("text_changed", "3A001.a.2.b", "3A001.a.2.b"),
    ("threshold_changed", "3A001.a.3", "3A001.a.3"),
    ("note_changed", "3A001.a.3", "3A001.a.3"),
    ("entry_added", None, "3A002"),
]


def test_lists_diff_finds_every_change_in_list_order(diff: ListDiff) -> None:
    assert [(c.kind, c.old_code, c.new_code) for c in diff.changes] == EXPECTED
    assert diff.parts == ("military", "dual-use")
    assert (diff.old_version, diff.new_version) == ("mini/2025-12-16", "mini/2026-06-01")


def test_lists_diff_counts_every_kind(diff: ListDiff) -> None:
    counts = diff.counts()
    assert list(counts) == list(CHANGE_KINDS)
    assert {k: v for k, v in counts.items() if v} == {
        "entry_added": 1,
        "clause_added": 1,
        "clause_removed": 1,
        "clause_renumbered": 4,
        "threshold_changed": 1,
        "text_changed": 2,
        "note_changed": 2,
    }
    assert diff.minor_count == 1
    assert diff.counts(minor=False)["text_changed"] == 1


def test_lists_diff_threshold_old_and_new_value_with_unit(diff: ListDiff) -> None:
    change = next(c for c in diff.changes if c.kind == "threshold_changed")
    (threshold,) = change.thresholds
    assert (threshold.old, threshold.new) == ("exceeding 40 MHz", "exceeding 60 MHz")
    assert (threshold.old_value, threshold.new_value, threshold.unit) == (4e7, 6e7, "Hz")
    assert threshold.describe() == "exceeding 40 MHz (4e+07 Hz) → exceeding 60 MHz (6e+07 Hz)"


def test_lists_diff_word_level_text_change(diff: ListDiff) -> None:
    change = diff.changes[0]
    assert change.words[:4] == (("=", "Rifles"), ("-", "and"), ("+", ","), change.words[3])
    assert change.describe() == (
        "ML1.a text: Rifles [-and-] {+,+} combination guns, handguns, machine, sub-machine and "
        "volley guns;"
    )


def test_lists_diff_joining_or_is_a_minor_change(diff: ListDiff) -> None:
    minor = [c for c in diff.changes if c.minor]
    assert [c.code for c in minor] == ["3A001.a.2.b"]


def test_lists_diff_added_entry_counts_its_sub_items(diff: ListDiff) -> None:
    added = diff.changes[-1]
    assert added.sub_items == 2
    assert added.describe().startswith("3A002 added (with 2 sub-items): General purpose")


def test_lists_diff_of_a_version_with_itself_is_empty(control_list: ControlList) -> None:
    same = compare(control_list, control_list)
    assert same.changes == ()
    assert same.parts == tuple(
        p
        for p in ("military", "uk-national", "firearms", "human-rights", "radioactive-sources")
        + ("dual-use",)
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ML1.d", ["ML1.d.3", "ML1.d.4", "ML1.d.4", "ML1.d.5", "ML1.d.6", "ML1.d.7"]),
        ("3A002", ["3A002"]),
        ("3A001.a.3", ["3A001.a.3", "3A001.a.3"]),
        ("ML1.c", []),
    ],
)
def test_lists_diff_for_entry_keeps_that_entry_or_clause(diff, code, expected) -> None:
    assert [c.code for c in diff.for_entry(code).changes] == expected


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        # the clause itself, and a renumbering is a change to it
        (["3A001.a.3"], ["threshold_changed", "note_changed"]),
        # a confirmed entry: every change below it
        (["3A001"], ["threshold_changed", "note_changed"]),
        # a sub-item follows its parent's words
        (["ML1.a"], ["text_changed"]),
        # an item added under the clause bears on it
        (
            ["ML1.d"],
            ["clause_added", "clause_renumbered", "note_changed", *["clause_renumbered"] * 3],
        ),
        (["ML1.c"], []),
        # an item added under ML1.d does not bear on ML1.d.1, nor a renumbering after it
        (["ML1.d.1"], []),
        # minor changes are left out
        (["3A001.a.2.b"], []),
    ],
)
def test_lists_diff_touching_codes_of_the_old_version(diff, codes, expected) -> None:
    assert [c.kind for c in diff.touching(codes)] == expected


def test_lists_diff_definitions_added_removed_changed(old: ControlList) -> None:
    def version(definitions: list[Definition]) -> ControlList:
        return ControlList(old.manifest, list(old), definitions, [])

    before = version(
        [
            Definition('"Laser"', '"Laser" means an item that produces light.', "dual-use"),
            Definition('"Camming"', '"Camming" (2) means axial displacement.', "dual-use"),
        ]
    )
    after = version(
        [
            Definition(
                "“Laser”", '"Laser" means an item that produces coherent light.', "dual-use"
            ),
            Definition('"Satellite"', '"Satellite" (5 9) means a "spacecraft".', "dual-use"),
        ]
    )
    changes = compare(before, after).changes
    assert [(c.kind, c.heading) for c in changes] == [
        ("definition_removed", "camming"),
        ("definition_changed", "laser"),
        ("definition_added", "satellite"),
    ]
    assert ("+", "coherent") in changes[1].words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A total dose of 5 x 103 Gy (silicon)", "A total dose of 5 x 10^3 Gy (silicon)"),
        ("A total dose of 5 x 10 3 Gy (silicon)", "A total dose of 5 x 10^3 Gy (silicon)"),
        ("less than 0.28 x 10 -4 mm 2 (6 µm", "less than 0.28 x 10^-4 mm2 (6 μm"),
        ("“Laser” – of 0.1 m 3", '"Laser" - of 0.1 m3'),
        ("10 mm x 10 mm", "10 mm x 10 mm"),
        ("at 233 K (– 40 °C);", "at 233 K (-40 °C);"),
        ("from 10 - 20 mm", "from 10 - 20 mm"),
    ],
)
def test_lists_diff_normalise_flattened_powers_units_and_quotes(text, expected) -> None:
    assert normalise_text(text) == expected


def test_lists_diff_decimal_commas_are_no_threshold_change(old: ControlList) -> None:
    """An edition that writes "0,05" (the EU's) against one that writes "0.05": a minor
    change, never a threshold change."""
    clauses = list(old)
    eu = [
        c.__class__(**{**c.to_dict(), "notes": c.notes, "text": c.text.replace(".", ",")})
        if c.code in ("3A001.a.3", "ML1")
        else c
        for c in clauses
    ]
    eu_style = ControlList(old.manifest, eu, [], [])
    changes = compare(eu_style, old).changes
    assert all(c.kind == "text_changed" and c.minor for c in changes), changes


def test_lists_diff_a_category_reference_is_no_current(old: ControlList) -> None:
    """'specified in 4A or 4D' (category 4, groups A and D) replaced by a list of entries, as
    in 4E001.a from the EU's 2021 text to the UK's 2025 one: a text change, not a threshold of
    4 amperes removed (found in the hand-check, docs/list-diff-check.md)."""
    before = '"Technology" for equipment or "software" specified in 4A or 4D.'
    after = '"Technology" for equipment or "software" specified in 4A001, 4A003 or 4D;'

    def with_text(text: str) -> ControlList:
        clauses = [
            c.__class__(**{**c.to_dict(), "notes": c.notes, "text": text})
            if c.code == "3A001.a.3"
            else c
            for c in old
        ]
        return ControlList(old.manifest, clauses, [], [])

    (change,) = compare(with_text(before), with_text(after)).changes
    assert (change.kind, change.thresholds, change.minor) == ("text_changed", (), False)
    # A current written as one ("4 A", "4A" read alone) is still a value.
    (change,) = compare(
        with_text("Rated at 4 A or more;"), with_text("Rated at 6 A or more;")
    ).changes
    assert change.kind == "threshold_changed"


words = st.lists(st.sampled_from(["a", "b", "c,", "d.", "0.5", "GHz;", "or"]), max_size=12)


@given(words, words)
def test_lists_diff_word_diff_rebuilds_both_texts(before: list[str], after: list[str]) -> None:
    segments = word_diff(" ".join(before), " ".join(after))

    def rebuilt(keep: str) -> str:
        return " ".join(text for op, text in segments if op in ("=", keep)).replace(" ,", ",")

    def squash(text: str) -> str:
        return "".join(text.split())

    assert squash(rebuilt("-")) == squash(" ".join(before))
    assert squash(rebuilt("+")) == squash(" ".join(after))


# -- the command ------------------------------------------------------------------------------


def _run(root: Path, *args: str):
    return CliRunner().invoke(main, ["lists", "diff", *args], env={"COLUMNS": "120"})


def test_lists_diff_command_summary_first_then_details(root: Path) -> None:
    result = _run(root, str(root / "mini" / "2025-12-16"), str(root / "mini" / "2026-06-01"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "mini/2025-12-16 → mini/2026-06-01  (UK Military List (Schedule 2), "
        "UK Dual-Use List (Annex I))"
    )
    assert lines[2].split() == ["change", "count", "minor"]
    assert lines[3].split() == ["Entries", "added", "1"]
    assert any(line.split() == ["Clauses", "renumbered", "4"] for line in lines)
    assert lines.index("ML1") > lines.index(
        next(line for line in lines if line.startswith("total"))
    )
    assert "  3A001.a.3 threshold exceeding 40 MHz (4e+07 Hz) → exceeding 60 MHz" in result.output
    assert "3A001.a.2.b" not in result.output  # minor: counted, not detailed
    assert (
        "3A001.a.2.b"
        in _run(
            root, str(root / "mini" / "2025-12-16"), str(root / "mini" / "2026-06-01"), "--minor"
        ).output
    )


def test_lists_diff_command_json_and_entry(root: Path, monkeypatch) -> None:
    monkeypatch.setattr("exportctl.lists.store.CONTROL_LISTS_DIR", root)
    result = _run(
        root,
        str(dataset_for("mini/2025-12-16", root)),
        str(dataset_for("mini", root)),
        "--json",
        "--entry",
        "3A001",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["new_version"] == "mini/2026-06-01"
    assert [c["kind"] for c in data["changes"]] == [
        "text_changed",
        "threshold_changed",
        "note_changed",
    ]
    assert data["changes"][1]["thresholds"][0]["new_value"] == 6e7


def test_lists_diff_command_unknown_version_says_what_is_imported(root: Path) -> None:
    result = _run(root, "mini/1999-01-01", str(root / "mini" / "2026-06-01"))
    assert result.exit_code == 2
    assert "No imported list 'mini/1999-01-01'" in result.output
    assert "uk-consolidated/2025-12-16" in result.output


def test_lists_command_without_diff_still_lists_versions() -> None:
    result = CliRunner().invoke(main, ["lists", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["list_name"] == "uk-consolidated"
