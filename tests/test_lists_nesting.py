"""Nesting decisions on excerpts of the real list text, with the codes they must produce.

Each excerpt under ``tests/data/lists/`` is copied verbatim from the 16 December 2025 UK
consolidated list (page footers and running headers included) and exercises one general case.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exportctl.lists.assemble import walk
from exportctl.lists.clause_parser import ClauseParser, ParsedClause, ParseResult, cited_paths
from exportctl.lists.text_reader import iter_content_lines, running_header_paths

DATA = Path(__file__).parent / "data" / "lists"


def parse_excerpt(name: str) -> ParseResult:
    raw = (DATA / name).read_text(encoding="utf-8").splitlines()
    lines = list(iter_content_lines(raw))
    headers = running_header_paths(raw)
    known = cited_paths([line.text for line in lines] + list(headers.values()))
    parser = ClauseParser(
        entry_pattern=r"ML\d{1,2}|\d[A-E]\d{3}",
        with_groups=True,
        known_paths=known,
        page_headers=headers,
    )
    return parser.parse(lines)


def codes(result: ParseResult) -> list[str]:
    return [clause.code for entry in result.entries for clause in walk(entry)]


def clause(result: ParseResult, code: str) -> ParsedClause:
    return next(c for entry in result.entries for c in walk(entry) if c.code == code)


ML7 = [
    "ML7", "ML7.a", "ML7.b", "ML7.b.1", "ML7.b.1.a", "ML7.b.1.b", "ML7.b.1.c",
    "ML7.b.2", "ML7.b.2.a", *[f"ML7.b.2.a.{n}" for n in range(1, 10)],
    "ML7.b.2.b", "ML7.b.2.b.1", "ML7.b.2.b.2", "ML7.b.2.b.3",
    "ML7.b.2.c", "ML7.b.2.c.1", "ML7.b.2.c.2", "ML7.b.2.c.3",
    "ML7.b.3", "ML7.b.3.a", "ML7.b.4", "ML7.b.4.a", "ML7.b.4.b",
    "ML7.c", "ML7.c.1", "ML7.c.2", "ML7.c.3", "ML7.c.4",
    "ML7.d", *[f"ML7.d.{n}" for n in range(1, 7)],
    "ML7.e", "ML7.e.1", "ML7.e.2", "ML7.f", "ML7.f.1", "ML7.f.2", "ML7.f.3",
    "ML7.g", "ML7.h", "ML7.i", "ML7.i.1", "ML7.i.2", "ML7.i.2.a", "ML7.i.2.b", "ML7.i.2.c",
]  # fmt: skip

CASES = {
    # A note's list a. .. r. interrupted by N.B. lines and a page break ("ML7 Note 1"): its
    # items j. .. r. must not become ML7.j .. ML7.r; ML7.c .. ML7.i sit under ML7, not ML7.b.4.
    "excerpt-ml7-note-interrupted.txt": ML7,
    # A technical note inside Note 1's list ("c. 1. ... Technical Note: ... 2. 3. d. e.").
    "excerpt-1c001-technical-note-in-note.txt": [
        "1C001", "1C001.a", "1C001.b", "1C001.c",
        "1C001.c.1", "1C001.c.2", "1C001.c.3", "1C001.c.4", "1C001.c.5",
    ],
    # Technical note items 1. 2. ending with full stops, then the clause list goes on with 2.
    "excerpt-2b006-note-items-then-clause.txt": [
        "2B006", "2B006.a", "2B006.b", "2B006.b.1", "2B006.b.2", "2B006.b.3",
        "2B006.b.3.a", "2B006.b.3.b", "2B006.b.3.c", "2B006.b.4", "2B006.c", "2B006.d",
    ],
    # Numbering carried over from the EU list (15., 16., 13.) and a technical note whose list
    # opens after a full stop ("1. 'TPP' is ... circuit." then "a. 'MacTOPS' ...").
    "excerpt-3a501-carried-numbering-note-list.txt": [
        "3A501", "3A501.a", "3A501.a.15", "3A501.a.16", "3A501.b", "3A501.b.13",
        "3A501.b.13.a", "3A501.b.13.b", "3A501.b.13.c",
    ],
    # "b <TAB>Inductance", a note item "b <TAB>Network ..." without its dot, and a citation
    # broken after "1C010.a. or" whose next line starts "b. or 1C210.a.".
    "excerpt-dotless-labels-and-wrapped-citations.txt": [
        "1A202", "1A202.a", "1A202.b", "1A202.c", "1A225", "3A234", "3A234.a", "3A234.b",
        "5D001", "5D001.a", "5D001.b", "5D001.c", "5D001.d", "5D001.d.1", "5D001.d.2",
        "5D001.d.2.a", "5D001.d.2.b", "5D001.d.3", "5D001.d.4", "5D001.e", "5D001.e.1",
        "5D001.e.2", "5D101", "5E001", "5E001.a",
    ],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_lists_nesting_exact_codes_without_issues(name: str) -> None:
    result = parse_excerpt(name)
    assert codes(result) == CASES[name]
    assert result.issues == []


def test_lists_nesting_note_list_resumes_after_interruption() -> None:
    result = parse_excerpt("excerpt-1c001-technical-note-in-note.txt")
    note = next(n for n in clause(result, "1C001.a").notes if n.heading == "Note 1")
    assert "2. Tensile strength less than" in note.text
    assert "e. Planar absorbers having no magnetic loss" in note.text
    ml7 = parse_excerpt("excerpt-ml7-note-interrupted.txt")
    note = next(n for n in clause(ml7, "ML7.i.2.c").notes if n.heading == "Note 1")
    assert "k. Cyanogen bromide" in note.text and "r. Oleoresin capsicum" in note.text


def test_lists_nesting_label_without_dot_and_wrapped_citation() -> None:
    result = parse_excerpt("excerpt-dotless-labels-and-wrapped-citations.txt")
    assert clause(result, "3A234.b").text.startswith("Inductance of less than 20 nH")
    assert "b. or 1C210.a." in clause(result, "1A202.c").text
    note = clause(result, "5D001.e.2").notes[-1]
    assert "b. Network Quality of Service (QoS)" in note.text


def test_lists_nesting_running_headers_name_open_clauses() -> None:
    raw = (DATA / "excerpt-ml7-note-interrupted.txt").read_text(encoding="utf-8").splitlines()
    assert sorted(running_header_paths(raw).values()) == ["ML7", "ML7", "ML7", "ML7.b"]
