"""Importing a list from its PDF, end to end through the command line.

The real EU Annex I PDF (253 pages) is imported once per module. Reading it takes most of the
time (pdfminer parses every glyph), so the import reuses the reading the PDF reader's tests
share (``annex_i_lines``), and these tests are marked slow.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from exportctl.cli import main
from exportctl.lists.source import SourceLine

REAL_PDF = Path(__file__).parent / "data" / "pdf" / "annex-i-2021-821.pdf"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory, annex_i_lines: list[SourceLine]) -> Path:
    """``exportctl import`` of the real PDF. Only its reading step is the shared one: the
    command reads this same file, and the PDF reader's own tests check that reading."""
    from exportctl.lists import pdf_reader

    read_pdf_lines = pdf_reader.read_pdf_lines

    def read_once(path: Path) -> list[SourceLine]:
        if Path(path).resolve() == REAL_PDF.resolve():
            return list(annex_i_lines)
        return read_pdf_lines(path)

    output = tmp_path_factory.mktemp("control_lists")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf_reader, "read_pdf_lines", read_once)
        result = CliRunner().invoke(
            main,
            [
                "import",
                str(REAL_PDF),
                "--list-name",
                "eu-dual-use",
                "--list-date",
                "2021-05-20",
                "--output",
                str(output),
            ],
        )
    assert result.exit_code == 0, result.output
    assert "Imported" in result.output
    return output / "eu-dual-use" / "2021-05-20"


@pytest.fixture(scope="module")
def clauses(dataset: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in (dataset / "clauses.jsonl").open(encoding="utf-8")]
    duplicates = [code for code, n in Counter(row["code"] for row in rows).items() if n > 1]
    assert duplicates == []
    return {row["code"]: row for row in rows}


def test_import_pdf_manifest(dataset: Path) -> None:
    manifest = json.loads((dataset / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["list_name"] == "eu-dual-use"
    assert manifest["list_date"] == "2021-05-20"
    assert manifest["source_format"] == "pdf"
    assert manifest["source_file"] == REAL_PDF.name
    assert manifest["source_sha256"] == hashlib.sha256(REAL_PDF.read_bytes()).hexdigest()
    assert manifest["counts"]["entries"] > 300


@pytest.mark.parametrize(
    ("code", "parents"),
    [
        ("3A001", []),
        ("3A001.a.1.a", ["3A001.a.1", "3A001.a", "3A001"]),
        ("5A002", []),
        ("5A002.a", ["5A002"]),
        ("9E003", []),
        ("9E003.a.1", ["9E003.a", "9E003"]),
    ],
)
def test_import_pdf_codes_with_parents(
    clauses: dict[str, dict], code: str, parents: list[str]
) -> None:
    chain = []
    parent = clauses[code]["parent"]
    while parent is not None:
        chain.append(parent)
        parent = clauses[parent]["parent"]
    assert chain == parents
    assert clauses[code]["entry"] == (parents[-1] if parents else code)


def test_import_pdf_clause_texts(clauses: dict[str, dict]) -> None:
    assert clauses["3A001"]["text"] == "Electronic items as follows:"
    assert clauses["3A001"]["page"] == 108
    # The superscript stays as printed; the words of the parents come first.
    assert clauses["3A001.a.1.a"]["text"] == "A total dose of 5 x 103 Gy (silicon) or higher;"
    assert clauses["3A001.a.1.a"]["full_text"].startswith(
        "Electronic items as follows: General purpose integrated circuits, as follows:"
    )


def test_import_pdf_every_parent_exists(clauses: dict[str, dict]) -> None:
    orphans = [c for c, row in clauses.items() if row["parent"] and row["parent"] not in clauses]
    assert orphans == []


def test_import_pdf_every_entry_of_the_layout_text(
    clauses: dict[str, dict], annex_i_layout_codes: list[str]
) -> None:
    entries = {code for code, row in clauses.items() if row["depth"] == 0}
    assert len(set(annex_i_layout_codes)) > 350
    assert [code for code in dict.fromkeys(annex_i_layout_codes) if code not in entries] == []


def test_import_pdf_definitions(dataset: Path) -> None:
    manifest = json.loads((dataset / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["definitions"] > 100
