"""The parser on a small excerpt of the real list, with the codes it must produce exactly."""

from __future__ import annotations

import pytest

from exportctl.lists.importer import import_source

EXPECTED_CODES = [
    "ML1", "ML1.a", "ML1.b", "ML1.b.1", "ML1.b.2", "ML1.c", "ML1.d", "ML1.d.1", "ML1.d.2",
    "ML1.d.3", "ML1.d.4", "ML1.d.5", "ML1.d.6",
    "3A001", "3A001.a", "3A001.a.1", "3A001.a.1.a", "3A001.a.1.b", "3A001.a.1.c",
    "3A001.a.2", "3A001.a.2.a", "3A001.a.2.b", "3A001.a.2.c", "3A001.a.3",
]  # fmt: skip


@pytest.fixture(scope="module")
def mini(mini_list_path):
    return import_source(mini_list_path, list_name="mini", list_date="2025-12-16")


def by_code(imported, code):
    return next(c for c in imported.clauses if c.code == code)


def test_parser_produces_exact_codes_in_reading_order(mini):
    assert [c.code for c in mini.clauses] == EXPECTED_CODES


def test_parser_keeps_note_items_out_of_the_clause_tree(mini):
    # "Note: ML1 does not control: a. ... e." must not become ML1.a..ML1.e
    ml1 = by_code(mini, "ML1")
    decontrol = [n for n in ml1.notes if n.decontrol]
    assert decontrol and "Firearms specially designed for dummy ammunition" in decontrol[0].text
    assert by_code(mini, "ML1.a").text.startswith("Rifles and combination guns")


def test_parser_moves_a_note_to_the_clause_it_names(mini):
    # printed after ML1.b.2, the note says it is about ML1.b
    assert any(n.text.startswith("ML1.b. does not control") for n in by_code(mini, "ML1.b").notes)
    assert not by_code(mini, "ML1.b.2").notes


def test_parser_full_text_carries_parent_words(mini):
    clause = by_code(mini, "3A001.a.1.a")
    assert clause.full_text.startswith("Electronic items as follows: General purpose integrated")
    assert clause.text == "A total dose of 5 x 10 3 Gy (silicon) or higher;"
    assert clause.parent == "3A001.a.1" and clause.depth == 3
    assert clause.category == "3" and clause.product_group == "A"


def test_parser_keeps_regime_markers_out_of_text(mini):
    clause = by_code(mini, "3A001.a.1")
    assert "[M18A1*]" in clause.regimes
    assert "[" not in clause.text


def test_parser_records_technical_notes_and_local_terms(mini):
    clause = by_code(mini, "ML1.d.3")
    assert clause.local_terms == ("Gun-mountings",)
    assert [n.kind for n in clause.notes] == ["technical_note"]


def test_parser_records_defined_terms(mini):
    assert "Microprocessor microcircuits" in by_code(mini, "3A001.a.3").defined_terms


def test_parser_drops_page_footers_and_running_headers(mini):
    assert not any(".docx" in c.text or "Page 2 of 2" in c.full_text for c in mini.clauses)
    assert by_code(mini, "ML1.b").page == 2


def test_parser_reports_cited_codes_outside_the_excerpt(mini):
    ml1 = by_code(mini, "ML1")
    assert "PL9010.a" in ml1.unresolved_references
    assert any("PL9010.a" in issue for issue in mini.manifest.issues)
