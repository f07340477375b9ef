"""Rules versions: the committed version, officer imports, and imports that must fail cleanly."""

from __future__ import annotations

import json
import shutil

import openpyxl
import pytest

from exportctl.atas.defaults import RULES_DIR
from exportctl.atas.rules import import_rules, list_versions, load_rules
from exportctl.errors import RulesError

COMMITTED = "2026-08-14"


@pytest.fixture
def rules_dir(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR / COMMITTED, target / COMMITTED)
    return target


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def _import(rules_dir, *paths, **options):
    params = dict(
        version="2026-12-01",
        verified_on="2026-11-30",
        source="https://www.gov.uk/guidance/immigration-rules/appendix-atas",
        rules_dir=rules_dir,
    )
    params.update(options)
    return import_rules(list(paths), **params)


def test_rules_committed_version_matches_sources():
    rules = load_rules()
    assert rules.version == COMMITTED
    summary = rules.summary()
    assert summary["listed_subjects"] == 24
    assert summary["by_confidence"] == {"official": 0, "multi-source": 9, "single-source": 15}
    assert summary["unresolved_codes"] == [
        "CAH02-03-12",
        "CAH07-03-01",
        "CAH07-03-03",
        "CAH08-01-02",
    ]
    assert len([n for n in rules.exempt.values() if n.basis == "appendix-atas"]) == 38
    assert {"FR", "IE", "CY", "KR", "US", "CH", "NO", "IS", "LI", "SG", "NZ", "JP"} <= set(
        rules.exempt
    )
    assert rules.occupations == {}
    assert not rules.subject_list_complete


def test_rules_csv_import_becomes_newest_and_carries_other_tables(tmp_path, rules_dir):
    csv_file = _write(
        tmp_path / "atas.csv",
        "CAH3 code,Subject,Levels\nCAH10-01-04,Aerospace,research;taught-masters\n"
        "CAH01-01-02,medicine,\n",
    )
    _import(rules_dir, csv_file, subject_list_complete=True)
    assert list_versions(rules_dir) == [COMMITTED, "2026-12-01"]
    rules = load_rules(rules_dir=rules_dir)
    assert rules.version == "2026-12-01" and rules.verified_on == "2026-11-30"
    assert set(rules.subjects) == {"CAH10-01-04", "CAH01-01-02"}
    assert rules.subjects["CAH10-01-04"].levels == ("research", "taught-masters")
    assert rules.subjects["CAH01-01-02"].confidence == "official"
    assert rules.subject_list_complete
    assert len(rules.exempt) == len(load_rules().exempt)  # carried over
    manifest = json.loads((rules_dir / "2026-12-01" / "manifest.json").read_text())
    assert manifest["based_on"] == COMMITTED
    assert "carried over" in manifest["tables"]["nationalities"]["provenance"]


def test_rules_excel_import_reads_sheets(tmp_path, rules_dir):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "subjects"
    sheet.append(["cah3_code", "confidence"])
    sheet.append(["CAH07-01-01", "official"])
    occupations = workbook.create_sheet("occupations")
    occupations.append(["soc_code", "title"])
    occupations.append([2119, "Natural and social science professionals n.e.c."])
    path = tmp_path / "atas.xlsx"
    workbook.save(path)
    _import(rules_dir, path)
    rules = load_rules(rules_dir=rules_dir)
    assert list(rules.subjects) == ["CAH07-01-01"]
    assert list(rules.occupations) == ["2119"]


@pytest.mark.parametrize(
    "content,message",
    [
        ("cah3_code\nCAH10-01-04\nCAH10-1-08\n", "row 3: 'CAH10-1-08' is not a CAH3 code"),
        ("cah3_code\nCAH10-01-04\nCAH07-03-03\n", "row 3: 'CAH07-03-03' is not a CAH v1.3.4"),
        (
            "cah3_code\nCAH10-01-04\nCAH09-01-01\ncah10-01-04\n",
            "row 4: duplicate 'CAH10-01-04' \\(first given in row 2\\)",
        ),
        ("cah3_code,subject,colour\nCAH10-01-04,aero,blue\n", "unknown column 'colour'"),
        ("cah3_code,confidence\nCAH10-01-04,maybe\n", "row 2: confidence 'maybe'"),
        ("cah3_code,levels\nCAH10-01-04,postdoc-fellow\n", "row 2: Unknown level"),
        ("iso_code,country\nFR,France\nXF,Nowhere\n", "row 3: 'XF' is not an ISO 3166-1"),
        ("iso_code,country\nFR,France\nFRA,France\n", "row 3: 'FRA' is not an ISO 3166-1"),
        ("iso_code\nFR\nDE\nFR\n", "row 4: duplicate 'FR'"),
        ("soc_code,title\n21190,x\n", "row 2: '21190' is not a 4-digit SOC code"),
        ("colour\nblue\n", "cannot tell which rules table"),
    ],
)
def test_rules_bad_import_names_row_and_keeps_previous_rules(tmp_path, rules_dir, content, message):
    path = _write(tmp_path / "bad.csv", content)
    with pytest.raises(RulesError, match=message):
        _import(rules_dir, path)
    assert list_versions(rules_dir) == [COMMITTED]
    assert [p.name for p in rules_dir.iterdir()] == [COMMITTED]  # no staging left behind
    assert load_rules(rules_dir=rules_dir).version == COMMITTED


@pytest.mark.parametrize(
    "options,message",
    [
        ({"version": "2026-01-01"}, "not newer"),
        ({"version": COMMITTED}, "not newer"),
        ({"version": "01/12/2026"}, "not a date"),
        ({"verified_on": "yesterday"}, "not a date"),
        ({"source": " "}, "--source"),
    ],
)
def test_rules_bad_import_options(tmp_path, rules_dir, options, message):
    path = _write(tmp_path / "ok.csv", "cah3_code\nCAH10-01-04\n")
    with pytest.raises(RulesError, match=message):
        _import(rules_dir, path, **options)
    assert list_versions(rules_dir) == [COMMITTED]


def test_rules_incomplete_levels_table_is_refused(tmp_path, rules_dir):
    path = _write(tmp_path / "levels.csv", "level,scope\nresearch,in-scope\n")
    with pytest.raises(RulesError, match="no row for undergraduate"):
        _import(rules_dir, path)


def test_rules_hand_edited_file_fails_checksum(rules_dir):
    listed = rules_dir / COMMITTED / "listed_subjects.csv"
    listed.write_text(listed.read_text() + "CAH20-01-01,history,,,,,multi-source\n")
    with pytest.raises(RulesError, match="checksum"):
        load_rules(rules_dir=rules_dir)


def test_rules_unknown_version_lists_available(rules_dir):
    with pytest.raises(RulesError, match=f"Available: {COMMITTED}"):
        load_rules("2020-01-01", rules_dir=rules_dir)
