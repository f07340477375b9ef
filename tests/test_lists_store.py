"""The ControlList API and the lists/show commands over the shipped dataset."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from exportctl.cli import main
from exportctl.errors import DatasetError, UnknownCodeError
from exportctl.lists.model import LIST_NAMES
from exportctl.lists.store import ControlList, normalise_code


def test_store_ancestors_are_entry_first(control_list):
    assert [c.code for c in control_list.ancestors("3A001.b.2.a")] == [
        "3A001", "3A001.b", "3A001.b.2",
    ]  # fmt: skip


def test_store_children_in_printed_order(control_list):
    assert [c.code for c in control_list.children("ML1.d")] == [f"ML1.d.{n}" for n in range(1, 7)]


def test_store_unknown_code_names_nearest_existing_codes(control_list):
    with pytest.raises(UnknownCodeError) as caught:
        control_list.get("3A001.z.9")
    assert caught.value.nearest[0] == "3A001"
    assert "3A001" in str(caught.value)


@pytest.mark.parametrize("spelling", ["ml10.a", "ML10.a.", " ML10 a ", "ml10.A"])
def test_store_accepts_common_spellings_of_a_code(control_list, spelling):
    assert control_list.get(spelling).code == "ML10.a"


def test_store_search_finds_clauses_by_words(control_list):
    codes = [c.code for c in control_list.search("quantum computers")]
    assert "4A506" in codes[:5]


def test_store_definitions_for_include_parent_terms(control_list):
    terms = {d.term.lower() for d in control_list.definitions_for("ML22.a")}
    assert {"technology", "development", "production"} <= terms


def test_store_cited_by_finds_every_clause_citing_an_entry(control_list):
    # Outside 6A005 itself, the clauses whose words or notes cite 6A005 or one of its items,
    # found by reading the text: software (6D001), technology (6E201), other lasers (6A205)
    # and the N.B.s of the uranium-separation lasers (0B001).
    cites = re.compile(r"(?<![\w.])6A005(?![0-9])")
    in_text = {
        clause.code
        for clause in control_list
        if clause.entry != "6A005"
        and (cites.search(clause.text) or any(cites.search(note.text) for note in clause.notes))
    }
    citing = {c.code for c in control_list.cited_by("6A005") if c.entry != "6A005"}
    assert citing == in_text
    assert {"6D001", "6E201", "6A205", "0B001.g.5"} <= citing


def test_store_refuses_incomplete_dataset(tmp_path):
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(DatasetError, match="missing"):
        ControlList.from_dir(tmp_path)


@given(st.data())
def test_store_code_normalisation_round_trips(control_list, data):
    code = data.draw(st.sampled_from(sorted(c.code for c in control_list)))
    assert normalise_code(code) == code
    assert normalise_code(code.lower()) == code
    assert normalise_code(code + ".") == code


@pytest.mark.parametrize("code", ["ML22", "PL9009", "3A001.a.1.a", "5A002.a", "9E003"])
def test_cli_show_prints_clause_with_parents(code, control_list):
    result = CliRunner().invoke(main, ["show", code])
    assert result.exit_code == 0, result.output
    assert code in result.output
    for ancestor in control_list.ancestors(code):
        assert ancestor.code in result.output


def test_cli_show_json_is_machine_readable():
    result = CliRunner().invoke(main, ["show", "ML22", "--json"])
    view = json.loads(result.output)
    assert view["clause"]["code"] == "ML22"
    assert [c["code"] for c in view["children"]] == ["ML22.a", "ML22.b"]


def test_cli_show_unknown_code_exits_2_with_suggestions():
    result = CliRunner().invoke(main, ["show", "5A002.zz"])
    assert result.exit_code == 2
    assert "Nearest existing codes: 5A002" in result.output


def test_cli_lists_reports_versions_and_counts(control_list):
    result = CliRunner().invoke(main, ["lists"])
    assert result.exit_code == 0, result.output
    entries = [c for c in control_list if c.depth == 0]
    head = result.output.splitlines()[0]
    assert head.startswith(
        f"uk-consolidated/2025-12-16  [in use]  {len(entries)} entries, "
        f"{len(control_list)} clauses, {len(control_list.definitions)} definitions"
    )
    per_list = Counter(c.list_name for c in entries)
    assert per_list["military"] >= 22 and per_list["dual-use"] > 300
    shown = {
        match["title"]: int(match["n"])
        for match in re.finditer(r"^  (?P<title>\S.*?)\s+(?P<n>\d+) entries$", result.output, re.M)
    }
    assert shown == {LIST_NAMES[name]: n for name, n in per_list.items()}
