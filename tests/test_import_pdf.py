"""Importing a list from its PDF, end to end through the command line.

The real EU Annex I PDF (253 pages) is imported once per module; reading it takes most of the
time (pdfminer parses every glyph), so these tests are marked slow.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from exportctl.cli import main

REAL_PDF = Path(__file__).parent / "data" / "pdf" / "annex-i-2021-821.pdf"
REAL_LAYOUT = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "sources"
    / "eu-dual-use-2021"
    / "annex-i-2021-821.layout.txt"
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("control_lists")
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


def _layout_entries() -> list[str]:
    entries: list[str] = []
    for line in REAL_LAYOUT.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*(\d[A-E]\d{3})\s", line)
        if match and "continued" not in line and match[1] not in entries:
            entries.append(match[1])
    return entries


@pytest.mark.skipif(not REAL_LAYOUT.exists(), reason="pdftotext layout of the real PDF absent")
def test_import_pdf_every_entry_of_the_layout_text(clauses: dict[str, dict]) -> None:
    entries = {code for code, row in clauses.items() if row["depth"] == 0}
    assert [code for code in _layout_entries() if code not in entries] == []


def test_import_pdf_definitions(dataset: Path) -> None:
    manifest = json.loads((dataset / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["definitions"] > 100
