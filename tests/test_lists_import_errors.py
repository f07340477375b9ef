"""Bad input to the importer: a clear error, and nothing written."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from exportctl.cli import main
from exportctl.errors import SourceFormatError
from exportctl.lists.importer import import_source


def _import(tmp_path, source):
    return CliRunner().invoke(
        main,
        ["import", str(source), "--list-name", "x", "--list-date", "2025-01-01",
         "--output", str(tmp_path / "out")],
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
