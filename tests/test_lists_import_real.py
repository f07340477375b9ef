"""The shipped import of the 16 December 2025 UK consolidated list, checked against its source."""

from __future__ import annotations

import json
import re
from dataclasses import asdict

import pytest

from exportctl.config import CONTROL_LISTS_DIR
from exportctl.lists.importer import import_source, sha256_of

ENTRY_LINE = re.compile(r"^(ML\d{1,2}|PL\d{4}|\d[A-E]\d{3})\s*\t\s*(\S.*)$")
LABELS_ONLY = re.compile(r"^(?:(?:[a-z]{1,2}|\d{1,2})\.\s*)+$|^(?:Technical )?Notes?\s*\d*$")


def source_entry_codes(path) -> set[str]:
    """Entry codes printed at a line start with their text, outside Annex IV's re-listing."""
    codes: set[str] = set()
    document = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if ".docx" in line:
            document = line.split(".docx")[0]
            continue
        match = ENTRY_LINE.match(line)
        if match and document and not document.startswith("ANX4"):
            if not LABELS_ONLY.match(match[2].strip()):
                codes.add(match[1])
    return codes


def test_import_has_every_entry_the_source_prints(control_list, source_text_path):
    expected = source_entry_codes(source_text_path)
    assert len(expected) > 400
    missing = sorted(code for code in expected if code not in control_list)
    assert missing == []


def test_import_has_the_whole_military_list(control_list):
    assert [f"ML{n}" for n in range(1, 23)] == [
        c.code for c in control_list.entries("military") if c.code.startswith("ML")
    ]


@pytest.mark.parametrize(
    ("code", "parent", "words"),
    [
        ("ML22", None, "Technology"),
        ("PL9009", None, "Iran"),
        ("3A001.a.1.a", "3A001.a.1", "total dose"),
        ("5A002.a", "5A002", "cryptography for data confidentiality"),
        ("9E003", None, "technology"),
        ("4A506", None, "Quantum computers"),
        ("6A005", None, "Lasers"),
    ],
)
def test_import_key_clauses_have_text_and_parent(control_list, code, parent, words):
    clause = control_list.get(code)
    assert clause.parent == parent
    assert words.lower() in clause.full_text.lower()


def test_import_codes_are_unique_and_parents_exist(control_list):
    codes = [c.code for c in control_list]
    assert len(codes) == len(set(codes))
    for clause in control_list:
        if clause.parent is not None:
            assert clause.parent in control_list, clause.code
            assert clause.code in control_list.get(clause.parent).children


def test_import_every_cross_reference_resolves_or_is_reported(control_list):
    reported = " ".join(control_list.manifest.issues)
    for clause in control_list:
        for code in clause.references:
            assert code in control_list
        for code in clause.unresolved_references:
            assert code in reported, (clause.code, code)


def test_import_keeps_general_notes_and_definitions(control_list):
    assert {"GTN", "GSN", "NTN"} <= {note.key for note in control_list.general_notes}
    gtn = control_list.general_note("GTN")
    assert "basic scientific research" in gtn.text
    assert control_list.definition("laser", "dual-use") is not None
    assert control_list.definition("technology", "dual-use").text


def test_import_other_lists_are_lists_of_their_own(control_list):
    names = {c.list_name for c in control_list.entries()}
    assert {"military", "uk-national", "dual-use", "human-rights", "radioactive-sources"} <= names
    assert "Cobalt-60" in control_list.get("RS.2").text


def test_import_shipped_dataset_matches_a_fresh_import(control_list, source_text_path):
    fresh = import_source(source_text_path, list_name="uk-consolidated", list_date="2025-12-16")
    assert [asdict(c) for c in fresh.clauses] == [asdict(c) for c in control_list]
    manifest = json.loads(
        (CONTROL_LISTS_DIR / "uk-consolidated" / "2025-12-16" / "manifest.json").read_text()
    )
    assert manifest["source_sha256"] == sha256_of(source_text_path)
    assert manifest["counts"] == fresh.manifest.counts
