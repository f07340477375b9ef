"""Changing the ATAS rules in force: empty tables, files in other encodings and damaged
workbooks refused clearly; what changes shown before a version takes effect; rollback."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from fuzz_targets import damaged_member

from exportctl.atas.defaults import RULES_DIR
from exportctl.atas.rules import (
    difference,
    import_rules,
    list_versions,
    load_rules,
    rollback,
    rules_lock,
    stage_import,
    withdrawn_versions,
)
from exportctl.config import PROJECT_DIR
from exportctl.errors import InUseError, RulesError

COMMITTED = "2026-08-14"
SOURCE = "https://www.gov.uk/guidance/immigration-rules/appendix-atas"


@pytest.fixture
def rules_dir(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR / COMMITTED, target / COMMITTED)
    return target


def _import(rules_dir, *paths, **options):
    params = dict(version="2026-12-01", verified_on="2026-11-30", source=SOURCE)
    params.update(options)
    return import_rules(list(paths), rules_dir=rules_dir, **params)


def _unchanged(rules_dir: Path) -> bool:
    return [p.name for p in rules_dir.iterdir()] == [COMMITTED]


def _workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


# -- empty tables ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("subjects.csv", "cah3_code,subject\n", "the subjects table has a header but no rows"),
        ("subjects.csv", "cah3_code\n\n,\n", "the subjects table has a header but no rows"),
        ("exempt.csv", "iso_code,country\n", "no nationality would be exempt"),
    ],
)
def test_rules_table_with_only_a_header_is_refused(tmp_path, rules_dir, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RulesError, match=message):
        _import(rules_dir, path, subject_list_complete=True)
    assert _unchanged(rules_dir)
    assert load_rules(rules_dir=rules_dir).version == COMMITTED


def test_rules_header_only_subjects_with_complete_list_says_what_it_would_mean(tmp_path, rules_dir):
    path = tmp_path / "subjects.csv"
    path.write_text("cah3_code,subject\n", encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        _import(rules_dir, path, subject_list_complete=True)
    assert "every assessment would be 'not required'" in caught.value.message


def test_rules_empty_sheet_in_a_workbook_is_refused(tmp_path, rules_dir):
    sheets = {"subjects": [["cah3_code"], ["CAH07-01-01"]], "nationalities": [["iso_code"]]}
    path = _workbook(tmp_path / "atas.xlsx", sheets)
    with pytest.raises(RulesError, match="sheet 'nationalities': the nationalities table has a"):
        _import(rules_dir, path)
    assert _unchanged(rules_dir)


def test_rules_header_only_unresolved_table_clears_the_unresolved_codes(tmp_path, rules_dir):
    path = tmp_path / "unresolved.csv"
    path.write_text("code,source_label\n", encoding="utf-8")
    _import(rules_dir, path, table="unresolved")
    assert load_rules(rules_dir=rules_dir).unresolved == ()


# -- encodings and damaged files -------------------------------------------------------------------


def test_rules_latin1_csv_is_refused_clearly_or_read_when_named(tmp_path, rules_dir):
    path = tmp_path / "subjects.csv"
    path.write_bytes("cah3_code,subject\nCAH10-01-04,Aéronautique\n".encode("latin-1"))
    with pytest.raises(RulesError) as caught:
        _import(rules_dir, path)
    assert caught.value.message == (
        "subjects.csv is not utf-8 text: byte 0xe9 at line 2, column 14 cannot be decoded. Save "
        "it as UTF-8, or name its encoding with --encoding (e.g. --encoding cp1252 for text from "
        "Windows)."
    )
    assert _unchanged(rules_dir)
    _import(rules_dir, path, encoding="cp1252")
    assert load_rules(rules_dir=rules_dir).subjects["CAH10-01-04"].source_label == "Aéronautique"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_rules_csv_with_a_byte_order_mark_is_read(tmp_path, rules_dir, encoding):
    # Excel's "Unicode text" is UTF-16 and its "CSV UTF-8" starts with a byte-order mark.
    path = tmp_path / "subjects.csv"
    path.write_text("cah3_code,subject\nCAH10-01-04,Aéronautique\n", encoding=encoding)
    _import(rules_dir, path)
    assert list(load_rules(rules_dir=rules_dir).subjects) == ["CAH10-01-04"]


def _zip_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (120 * 1024 * 1024))
    return path


def _damaged_sheet(path: Path) -> Path:
    good = _workbook(path, {"subjects": [["cah3_code"], ["CAH07-01-01"]]}).read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # the sheet's XML cut in half
            target.writestr(item, data)
    path.write_bytes(out.getvalue())
    return path


DAMAGED_WORKBOOKS = {
    "not a zip": (lambda p: p.write_bytes(b"cah3_code\nCAH07-01-01\n") and p, "cannot be read"),
    "cut short": (
        lambda p: p.write_bytes(_workbook(p, {"s": [["cah3_code"]]}).read_bytes()[:300]) and p,
        "cannot be read",
    ),
    "sheet XML cut in half": (_damaged_sheet, "damaged"),
    "sheet's compressed data damaged": (
        lambda p: (
            p.write_bytes(
                damaged_member(_workbook(p, {"subjects": [["cah3_code"]]}).read_bytes(), "xl/work")
            )
            and p
        ),
        r"cannot be read as an Excel workbook \(damaged compressed data\)",
    ),
    "zip bomb": (_zip_bomb, "would unpack to 120 MB"),
}


@pytest.mark.parametrize("case", list(DAMAGED_WORKBOOKS))
def test_rules_damaged_workbook_is_a_clear_error(tmp_path, rules_dir, case):
    make, message = DAMAGED_WORKBOOKS[case]
    path = tmp_path / "atas.xlsx"
    make(path)
    with pytest.raises(RulesError, match=message):
        _import(rules_dir, path)
    assert _unchanged(rules_dir)


# -- what changes, shown before a version takes effect --------------------------------------------


def test_rules_difference_names_every_change(tmp_path, rules_dir):
    current = load_rules(rules_dir=rules_dir)
    path = tmp_path / "subjects.csv"
    path.write_text(
        "cah3_code,levels,confidence\nCAH10-01-04,research,official\nCAH01-01-01,,official\n",
        encoding="utf-8",
    )
    with rules_lock(rules_dir):
        staged = stage_import(
            [path],
            version="2026-12-01",
            verified_on="2026-11-30",
            source=SOURCE,
            subject_list_complete=True,
            rules_dir=rules_dir,
        )
        try:
            lines = difference(current, staged.rules)
        finally:
            staged.discard()
    assert _unchanged(rules_dir)  # staged, shown, discarded: nothing in force changed
    assert "+ listed subject CAH01-01-01 medical sciences (non-specific) (official)" in lines
    assert "- listed subject CAH07-01-01 physics (multi-source)" in lines
    assert (
        "~ listed subject CAH10-01-04: aeronautical and aerospace engineering (multi-source) -> "
        "aeronautical and aerospace engineering [research] (official)"
    ) in lines
    assert "- unresolved code CAH08-01-02 natural sciences (non-specific)" in lines
    assert "~ subject list complete: no -> yes (unlisted subjects become 'not required')" in lines
    assert len([line for line in lines if line.startswith("- listed subject")]) == 23
    assert not any("exempt nationality" in line for line in lines)  # carried over unchanged
    assert difference(current, current) == ["  (no change to any table)"]


# -- rollback -------------------------------------------------------------------------------------


def test_rules_rollback_puts_the_previous_version_back_and_keeps_the_withdrawn(tmp_path, rules_dir):
    path = tmp_path / "subjects.csv"
    path.write_text("cah3_code\nCAH10-01-04\n", encoding="utf-8")
    _import(rules_dir, path)
    assert load_rules(rules_dir=rules_dir).version == "2026-12-01"
    withdrawn, restored, kept = rollback(reason="wrong file", by="officer", rules_dir=rules_dir)
    assert (withdrawn.version, restored.version) == ("2026-12-01", COMMITTED)
    assert list_versions(rules_dir) == [COMMITTED]
    assert load_rules(rules_dir=rules_dir).version == COMMITTED
    assert withdrawn_versions(rules_dir) == ["2026-12-01"]
    note = json.loads((kept / "withdrawn.json").read_text())
    assert note["reason"] == "wrong file" and note["withdrawn_by"] == "officer"
    assert note["in_force_again"] == COMMITTED
    assert (kept / "listed_subjects.csv").exists()  # the rules themselves are kept
    # Cases may name the withdrawn version: its date is never used again.
    with pytest.raises(RulesError, match="was withdrawn"):
        _import(rules_dir, path)
    _import(rules_dir, path, version="2026-12-02")
    assert load_rules(rules_dir=rules_dir).version == "2026-12-02"


def test_rules_rollback_of_the_only_version_is_refused(rules_dir):
    with pytest.raises(RulesError, match="nothing earlier to go back to"):
        rollback(reason="x", by="officer", rules_dir=rules_dir)
    with pytest.raises(RulesError, match="--reason"):
        rollback(reason=" ", by="officer", rules_dir=rules_dir)
    assert _unchanged(rules_dir)


def test_rules_one_change_at_a_time(tmp_path, rules_dir):
    path = tmp_path / "subjects.csv"
    path.write_text("cah3_code\nCAH10-01-04\n", encoding="utf-8")
    with rules_lock(rules_dir), pytest.raises(InUseError, match="Another exportctl run"):
        _import(rules_dir, path)
    assert _unchanged(rules_dir)


@pytest.mark.slow  # the command in its own processes, on a copy of the lists
def test_rules_import_command_shows_the_change_and_asks(tmp_path):
    lists = tmp_path / "control_lists"
    shutil.copytree(PROJECT_DIR / "control_lists", lists, ignore=shutil.ignore_patterns("sources"))
    rules = lists / "atas" / "rules"
    path = tmp_path / "subjects.csv"
    path.write_text("cah3_code\nCAH10-01-04\n", encoding="utf-8")
    env = {**os.environ, "EXPORTCTL_CONTROL_LISTS": str(lists)}
    common = ["atas-rules", "import", str(path), "--version", "2026-12-01",
              "--verified-on", "2026-11-30", "--source", SOURCE]  # fmt: skip

    def run(*args: str, answer: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", "from exportctl.cli import main; main()", *args],
            input=answer, capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip

    shown = run(*common, "--dry-run")
    assert shown.returncode == 0, shown.stderr
    assert (
        shown.stdout.splitlines()[0]
        == "Rules version 2026-12-01 would replace 2026-08-14 in force:"
    )
    assert "  - listed subject CAH07-01-01 physics (multi-source)" in shown.stdout
    assert shown.stdout.endswith("Nothing was imported (--dry-run).\n")
    no_answer = run(*common)  # standard input closed: never "Aborted!"
    assert no_answer.returncode == 1
    assert "no answer on standard input, so nothing was changed" in no_answer.stderr
    assert "Aborted!" not in no_answer.stderr and "Traceback" not in no_answer.stderr
    declined = run(*common, answer="n\n")
    assert declined.returncode == 0 and declined.stdout.endswith("Nothing was imported.\n")
    assert sorted(p.name for p in rules.iterdir()) == [COMMITTED]
    accepted = run(*common, answer="y\n")
    assert accepted.returncode == 0, accepted.stderr
    assert "Rules version 2026-12-01 written to" in accepted.stdout
    assert run("atas-rules", "list").stdout == f"{COMMITTED}\n2026-12-01  [in force]\n"
    back = run("atas-rules", "rollback", "--reason", "wrong file", "--yes")
    assert back.returncode == 0, back.stderr
    assert "Withdrawing rules version 2026-12-01 puts 2026-08-14 back in force:" in back.stdout
    assert run("atas-rules", "list").stdout == (
        f"{COMMITTED}  [in force]\n2026-12-01  [withdrawn]\n"
    )
