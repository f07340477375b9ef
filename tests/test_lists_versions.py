"""Which list is in use, and how an import may add or replace one: an explicit date, no silent
overwrite (a backup when asked), a list cut short or of another kind refused, hidden staging
folders never loaded and cleaned, a damaged dataset refused, and an import linear in its size."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from exportctl.cli import main
from exportctl.config import CONTROL_LISTS_DIR, LIST_CHOICE_VARIABLE
from exportctl.errors import DatasetError, SourceFormatError
from exportctl.lists.importer import MAX_SOURCE_BYTES, import_source
from exportctl.lists.store import ControlList, available_datasets, resolve_version
from exportctl.lists.textutil import join_lines

SHIPPED = CONTROL_LISTS_DIR / "uk-consolidated" / "2025-12-16"


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def _import(root: Path, source: Path, *options: str, name: str = "mini"):
    return _invoke("import", str(source), "--list-name", name, "--output", str(root), *options)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _copy_shipped(root: Path, date: str) -> Path:
    """The shipped dataset filed under another date (its manifest says so too)."""
    folder = root / "uk-consolidated" / date
    shutil.copytree(SHIPPED, folder)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    manifest["list_date"] = date
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


# -- the import command ---------------------------------------------------------------------


def test_import_needs_an_explicit_list_date(tmp_path, mini_list_path):
    result = _import(tmp_path / "out", mini_list_path)
    assert result.exit_code == 2
    assert "Missing option '--list-date'" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("date", ["2025-13-01", "16-12-2025", "2025-1-5", "yesterday"])
def test_import_refuses_a_date_that_is_not_iso(tmp_path, mini_list_path, date):
    result = _import(tmp_path / "out", mini_list_path, "--list-date", date)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: [E110] ") and "YYYY-MM-DD" in result.stderr
    assert not (tmp_path / "out").exists()


def test_import_never_overwrites_without_replace(tmp_path, mini_list_path):
    root = tmp_path / "out"
    assert _import(root, mini_list_path, "--list-date", "2025-01-01").exit_code == 0
    folder = root / "mini" / "2025-01-01"
    before = _files(folder)
    result = _import(root, mini_list_path, "--list-date", "2025-01-01")
    assert result.exit_code == 2
    assert "already imported" in result.stderr and "--replace" in result.stderr
    assert _files(folder) == before
    assert not (root / ".backups").exists()


def test_import_replace_keeps_the_old_dataset_as_a_backup(tmp_path, mini_list_path):
    root = tmp_path / "out"
    assert _import(root, mini_list_path, "--list-date", "2025-01-01").exit_code == 0
    folder = root / "mini" / "2025-01-01"
    before = _files(folder)
    result = _import(root, mini_list_path, "--list-date", "2025-01-01", "--replace")
    assert result.exit_code == 0, result.output
    (backup,) = (root / ".backups" / "mini").iterdir()
    assert backup.name.startswith("2025-01-01-")
    assert f"The import it replaces is kept in {backup}" in result.stdout
    assert _files(backup) == before
    assert json.loads((folder / "manifest.json").read_text())["list_date"] == "2025-01-01"
    # The backup is never taken for a list.
    assert available_datasets(root) == [folder]


def test_import_of_another_list_under_the_uk_name_is_refused(tmp_path, mini_list_path):
    result = _import(
        tmp_path / "out", mini_list_path, "--list-date", "2026-01-01", name="uk-consolidated"
    )
    assert result.exit_code == 2
    assert "is not the whole 'uk-consolidated' list" in result.stderr
    assert (
        "the UK national controls" in result.stderr and "Dual-Use categories 0, 1" in result.stderr
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("document", "lacks"),
    [
        ("ANX4_R07.docx", "the document ANX4 (Dual-Use List - Annex IV)"),
        ("CAT9_R07.docx", "Dual-Use category 9; the document ANX4"),
        ("UKDU_U17.docx", "the UK national controls (Schedule 3)"),
    ],
)
def test_import_refuses_the_uk_list_cut_at_a_document_boundary(
    tmp_path, source_text_path, document, lacks
):
    # Cut just before the footer that opens a document's first page: every page of what is
    # left is whole, so only the documents the UK list must contain show that it is cut.
    lines = source_text_path.read_text(encoding="utf-8").splitlines(keepends=True)
    first_footer = next(i for i, line in enumerate(lines) if line.startswith(document))
    source = tmp_path / "cut.txt"
    source.write_text("".join(lines[:first_footer]), encoding="utf-8")
    with pytest.raises(SourceFormatError, match="is not the whole 'uk-consolidated' list") as e:
        import_source(source, list_name="uk-consolidated", list_date="2026-01-01")
    assert lacks in str(e.value)
    # The same text under a name of its own is what it is: a part of the list.
    assert import_source(source, list_name="uk-part", list_date="2026-01-01").clauses


def test_import_refuses_a_source_too_large_to_be_a_list(tmp_path, mini_list_path):
    source = tmp_path / "huge.txt"
    text = mini_list_path.read_text(encoding="utf-8")
    with source.open("w", encoding="utf-8") as handle:
        while handle.tell() <= MAX_SOURCE_BYTES["text"]:
            handle.write(text)
    result = _import(tmp_path / "out", source, "--list-date", "2025-01-01")
    assert result.exit_code == 2
    assert "a control list's text is at most 10 MB" in result.stderr
    assert not (tmp_path / "out").exists()


def test_import_cleans_staging_folders_a_killed_import_left(tmp_path, mini_list_path):
    root = tmp_path / "out"
    assert _import(root, mini_list_path, "--list-date", "2025-01-01").exit_code == 0
    stale = root / "mini" / ".import-k1ll3d"
    shutil.copytree(root / "mini" / "2025-01-01", stale)
    assert ControlList.load("mini", root=root).version == "mini/2025-01-01"
    assert _import(root, mini_list_path, "--list-date", "2025-02-01").exit_code == 0
    assert sorted(p.name for p in (root / "mini").iterdir()) == ["2025-01-01", "2025-02-01"]


# -- the list in use ---------------------------------------------------------------------------


def test_store_newest_import_is_the_list_in_use(tmp_path, monkeypatch):
    monkeypatch.delenv(LIST_CHOICE_VARIABLE, raising=False)
    _copy_shipped(tmp_path, "2025-12-16")
    _copy_shipped(tmp_path, "2026-03-01")
    assert ControlList.load(root=tmp_path).version == "uk-consolidated/2026-03-01"
    monkeypatch.setenv(LIST_CHOICE_VARIABLE, "uk-consolidated/2025-12-16")
    assert ControlList.load(root=tmp_path).version == "uk-consolidated/2025-12-16"
    monkeypatch.setenv(LIST_CHOICE_VARIABLE, "2026-03-01")
    assert resolve_version(root=tmp_path) == ("uk-consolidated", "2026-03-01")
    monkeypatch.setenv(LIST_CHOICE_VARIABLE, "uk-consolidated/2024-01-01")
    with pytest.raises(DatasetError, match="No imported list uk-consolidated/2024-01-01") as e:
        ControlList.load(root=tmp_path)
    assert "uk-consolidated/2025-12-16, uk-consolidated/2026-03-01" in str(e.value)


def test_store_never_loads_a_hidden_staging_folder(tmp_path, monkeypatch):
    # A complete dataset left under a staging name (a kill between writing and renaming),
    # even one that would sort last, is not a list.
    monkeypatch.delenv(LIST_CHOICE_VARIABLE, raising=False)
    _copy_shipped(tmp_path, "2025-12-16")
    shutil.copytree(SHIPPED, tmp_path / "uk-consolidated" / ".import-2099-01-01")
    shutil.copytree(SHIPPED, tmp_path / ".backups" / "uk-consolidated" / "2099-01-01")
    assert ControlList.load(root=tmp_path).version == "uk-consolidated/2025-12-16"
    assert available_datasets(tmp_path) == [tmp_path / "uk-consolidated" / "2025-12-16"]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: f.joinpath("clauses.jsonl").write_text("{}\n"), "does not match the checksum"),
        (
            lambda f: f.joinpath("definitions.jsonl").write_bytes(
                f.joinpath("definitions.jsonl").read_bytes()[:-500]
            ),
            "definitions.jsonl does not match the checksum",
        ),
        (lambda f: f.joinpath("manifest.json").write_text("{"), "manifest.json"),
        (lambda f: f.joinpath("manifest.json").write_text("[1]"), "manifest.json"),
    ],
)
def test_store_refuses_a_damaged_dataset(tmp_path, damage, message):
    folder = _copy_shipped(tmp_path, "2025-12-16")
    damage(folder)
    with pytest.raises(DatasetError, match=message):
        ControlList.load(root=tmp_path)


@pytest.mark.slow  # the command in its own process, on a copy of the lists
def test_show_and_lists_name_the_list_in_use(tmp_path):
    _copy_shipped(tmp_path, "2025-12-16")
    _copy_shipped(tmp_path, "2026-03-01")
    env = {"EXPORTCTL_CONTROL_LISTS": str(tmp_path), "PATH": str(Path(sys.executable).parent)}

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", "from exportctl.cli import main; main()", *args],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    newest = run("show", "ML10").splitlines()[0]
    assert newest.startswith("ML10  (UK Military List (Schedule 2), uk-consolidated/2026-03-01, ")
    older = run("--list", "uk-consolidated/2025-12-16", "show", "ML10").splitlines()[0]
    assert older == newest.replace("2026-03-01", "2025-12-16")
    in_use = [line for line in run("lists").splitlines() if "[in use]" in line]
    assert [line.split()[0] for line in in_use] == ["uk-consolidated/2026-03-01"]


# -- linear joining ----------------------------------------------------------------------------


def _join_lines_as_first_written(lines: list[str]) -> str:
    """The first release's join (quadratic: it copied the text so far for every line)."""
    out = ""
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        if out.endswith("-") and line[:1].islower() and not out.endswith(" -"):
            out += line
        else:
            out = f"{out} {line}" if out else line
    return out


@given(st.lists(st.text(alphabet=st.sampled_from("ab- \tX.\n"), max_size=6), max_size=12))
def test_join_lines_joins_as_before(lines):
    assert join_lines(lines) == _join_lines_as_first_written(lines)
