"""Bad input to the importer: a clear error, and nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_pdf_reader import IMAGE_ONLY, REAL_PDF, build_pdf, text_ops

from exportctl.cli import main
from exportctl.errors import SourceFormatError
from exportctl.lists.importer import import_source


def _import(tmp_path, source, *options):
    return CliRunner().invoke(
        main,
        ["import", str(source), "--list-name", "x", "--list-date", "2025-01-01",
         "--output", str(tmp_path / "out"), *options],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"\n\n   \n", "empty"),
        ("prose.txt", b"The quick brown fox.\nNothing here is a list.\n", "does not look like"),
        ("binary.txt", bytes(range(256)) * 4, "not UTF-8"),
    ],
)
def test_import_refuses_non_list_text_and_writes_nothing(tmp_path, name, content, message):
    source = tmp_path / name
    source.write_bytes(content)
    result = _import(tmp_path, source)
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_import_refuses_a_truncated_text(tmp_path, source_text_path):
    lines = source_text_path.read_text(encoding="utf-8").splitlines(keepends=True)
    source = tmp_path / "truncated.txt"
    source.write_text("".join(lines[:5000]), encoding="utf-8")
    with pytest.raises(SourceFormatError, match="truncated"):
        import_source(source, list_name="x", list_date="2025-01-01")
    result = _import(tmp_path, source)
    assert result.exit_code == 2 and "truncated" in result.output
    assert not (tmp_path / "out").exists()


def test_import_missing_file_is_a_clear_error(tmp_path):
    result = _import(tmp_path, tmp_path / "nope.txt")
    assert result.exit_code == 2 and "not found" in result.output


def test_import_writes_dataset_with_manifest(tmp_path, mini_list_path):
    result = _import(tmp_path, mini_list_path)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "x" / "2025-01-01"
    assert sorted(p.name for p in folder.iterdir()) == [
        "clauses.jsonl", "definitions.jsonl", "general_notes.jsonl", "manifest.json",
    ]  # fmt: skip


# -- PDFs: `exportctl import bad.pdf` ----------------------------------------------------------

PROSE_PAGE = text_ops([(72, 700, "Minutes of the meeting held on Tuesday."), (72, 680, "None.")])
BAD_PDFS = {
    "not a PDF": (b"3A001\tElectronic items as follows:\n", "bad.pdf is not a PDF"),
    "damaged": (REAL_PDF.read_bytes()[:200_000], "bad.pdf is not a readable PDF"),
    "scanned": (build_pdf([IMAGE_ONLY, IMAGE_ONLY]), "bad.pdf has no text layer"),
    "not a list": (build_pdf([PROSE_PAGE] * 3), "bad.pdf does not look like a control list"),
    # a page without a MediaBox, or with a damaged one: pdfplumber fails on the page itself
    "no page box": (
        build_pdf([PROSE_PAGE]).replace(b"/MediaBox [0 0 595 842]", b""),
        "bad.pdf is not a readable PDF (TypeError",
    ),
    "damaged page box": (
        build_pdf([PROSE_PAGE]).replace(b"/MediaBox [0 0 595 842]", b"/MediaBox [0 0 595 /X 842]"),
        "bad.pdf is not a readable PDF (MalformedPDFException)",
    ),
}


@pytest.mark.parametrize("case", list(BAD_PDFS))
def test_import_bad_pdf_exits_2_and_keeps_the_existing_dataset(tmp_path, mini_list_path, case):
    # A good import first: a failed re-import of the same list and date must leave it alone.
    assert _import(tmp_path, mini_list_path).exit_code == 0
    folder = tmp_path / "out" / "x" / "2025-01-01"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    data, message = BAD_PDFS[case]
    source = tmp_path / "bad.pdf"
    source.write_bytes(data)
    result = _import(tmp_path, source, "--replace")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: [E100] ") and message in result.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in (tmp_path / "out").rglob("*") if p.name.startswith(".")] == []


def _command() -> list[str]:
    script = Path(sys.executable).with_name("exportctl")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from exportctl.cli import main; main()"]


@pytest.mark.slow  # the command in its own process
def test_import_damaged_pdf_as_a_command_says_one_line_only(tmp_path):
    # pdfminer warns of each flaw it meets (here, a drawing operator given a name for a
    # number); the command's standard error holds its one line of error and nothing else.
    page = text_ops([(72, 700, "Minutes of the meeting.")]) + b"\nq 1 2 /X 4 re f Q"
    source = tmp_path / "bad.pdf"
    source.write_bytes(build_pdf([page] * 3))
    result = subprocess.run(
        [*_command(), "import", str(source), "--list-name", "x", "--list-date", "2025-01-01",
         "--output", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: [E100] "
        f"{source} does not look like a control list: no entry codes such as ML1, PL9009 or "
        "3A001 were found at line starts."
    ]


@pytest.mark.slow  # the command in its own process
def test_import_bad_pdf_as_a_command(tmp_path):
    # The installed command in its own process: exit code 2, one line of error, nothing written.
    source = tmp_path / "bad.pdf"
    source.write_bytes(b"not a pdf at all")
    script = Path(sys.executable).with_name("exportctl")
    command = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from exportctl.cli import main; main()"]
    )
    result = subprocess.run(
        [*command, "import", str(source), "--list-name", "x", "--list-date", "2025-01-01",
         "--output", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: [E100] bad.pdf is not a PDF (it does not start with '%PDF-'). Give the official "
        "list's PDF, or its text with a .txt name."
    ]
    assert not (tmp_path / "out").exists()
