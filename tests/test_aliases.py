"""Aliases: the permissions-finder extractor, the committed CSVs and ``load_aliases``."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import pytest

from exportctl.errors import DatasetError
from exportctl.lists.store import ControlList
from exportctl.suggest.aliases import (
    CSV_COLUMNS,
    CURATED_ALIASES_CSV,
    PERMISSIONS_FINDER_SOURCE,
    PERMISSIONS_FINDER_XLSX,
    WORKBOOK_ALIASES_CSV,
    Alias,
    build_workbook_aliases,
    clean_text,
    extract_permissions_finder_aliases,
    is_rewrite,
    load_aliases,
    parse_rating,
    read_alias_csv,
)

ALIAS_FILES = [WORKBOOK_ALIASES_CSV, CURATED_ALIASES_CSV]


@pytest.fixture(scope="module")
def workbook_aliases() -> list[Alias]:
    # The parse is cached per file version inside the module, so this costs one read.
    return extract_permissions_finder_aliases(PERMISSIONS_FINDER_XLSX)


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("ML10a", "ML10.a"),
        ("ML10e1", "ML10.e.1"),
        ("ML8c12a1", "ML8.c.12.a.1"),
        ("3A001b2", "3A001.b.2"),
        ("3A001.b.2.", "3A001.b.2"),
        (" 9a111 ", "9A111"),
        ("ML14 ", "ML14"),
        ("9A012", "9A012"),
        ("PL5001", "PL5001"),
        ("9.0", None),
        ("9C", None),
        ("Rating", None),
        (None, None),
    ],
)
def test_aliases_parse_rating(spelling: str | None, code: str | None) -> None:
    assert parse_rating(spelling) == code


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ('"Aircraft", "lighter-than-air vehicles"', "Aircraft, lighter-than-air vehicles"),
        (
            "Radar systems and tracking systems (LINKED TO 6A008 RATING)",
            "Radar systems and tracking systems",
        ),
        ("b. Thrust levels exceeding 220 kN;", "Thrust levels exceeding 220 kN"),
        ("'Ground equipment' specially designed", "Ground equipment specially designed"),
        ('  Other "software" as follows:', "Other software"),
        (None, ""),
    ],
)
def test_aliases_clean_text(raw: str | None, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("alias", "legal", "expected"),
    [
        # adds a word of its own
        (
            "Hybrid rocket motors for rocket systems or UAVs",
            "Hybrid rocket motors usable in complete rocket systems or unmanned aerial vehicles",
            True,
        ),
        # a short name for a long clause
        (
            "Hard body armour plates",
            "Hard body armour plates providing ballistic protection equal to or greater than level "
            "III in accordance with the national standard",
            True,
        ),
        # the legal text back, or a threshold restated
        (
            "Sounding rockets capable of a range of at least 300 km",
            "Sounding rockets, capable of a range of at least 300 km.",
            False,
        ),
        ("Pulse duration ≥ 1ps", "Pulse duration of 1 ps or more", False),
        # too general to name a clause
        (
            "Technology for development",
            "Technology according to the General Technology Note for the development of equipment",
            False,
        ),
    ],
)
def test_aliases_is_rewrite(alias: str, legal: str, expected: bool) -> None:
    assert is_rewrite(alias, legal) is expected


@pytest.mark.parametrize(
    ("code", "text", "source"),
    [
        (
            "9A109.a",
            "Hybrid rocket motors for rocket systems or UAVs",
            "EU Dual-Use List!row 50:col Breadcrumb",
        ),
        (
            "9A111",
            "Pulse jet engines usable in missiles or UAVs",
            "EU Dual-Use List!row 62:col Breadcrumb",
        ),
        (
            "ML13.d.2",
            "Hard body armour plates",
            "MVP FREDSHEET (Military)!row 350:col Breadcrumb text",
        ),
        (
            "ML10",
            "Aircraft, vehicles and vessels - including accessories and components",
            "MVP FREDSHEET (Military)!row 4:col Browse content (navigation)",
        ),
        (
            "ML6",
            "Aircraft, vehicles and vessels - including accessories and components",
            "MVP FREDSHEET (Military)!row 4:col Browse content (navigation)",
        ),
        (
            "6A008",
            "Acoustic and radar - including assemblies, components, equipment and systems",
            "False doors!row 39:col False doors (navigation)",
        ),
    ],
)
def test_aliases_workbook_known_ratings(
    workbook_aliases: list[Alias], code: str, text: str, source: str
) -> None:
    expected = Alias(code, text, f"{PERMISSIONS_FINDER_SOURCE}:{source}")
    assert expected in workbook_aliases


def test_aliases_workbook_clean_and_unique(workbook_aliases: list[Alias]) -> None:
    assert len(workbook_aliases) > 300
    keys = [(a.code, a.text.casefold()) for a in workbook_aliases]
    assert len(keys) == len(set(keys))
    for alias in workbook_aliases:
        assert alias.text == alias.text.strip() and alias.text
        assert '"' not in alias.text and "LINKED TO" not in alias.text
        assert alias.source.startswith(PERMISSIONS_FINDER_SOURCE + ":")
        assert parse_rating(alias.code) == alias.code  # already in dotted form


def test_aliases_workbook_leaves_out_category_ratings(workbook_aliases: list[Alias]) -> None:
    assert not [a for a in workbook_aliases if a.code in {"9.0", "9C", "9", "9C.0"}]


def test_aliases_missing_workbook(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="missing"):
        extract_permissions_finder_aliases(tmp_path / "nope.xlsx")


def test_aliases_committed_csv_matches_a_rebuild(control_list: ControlList) -> None:
    rebuilt, report = build_workbook_aliases(control_list)
    committed = read_alias_csv(WORKBOOK_ALIASES_CSV)
    assert [(r.code, r.alias, r.source) for r in committed] == [
        (a.code, a.text, a.source) for a in rebuilt
    ]
    assert report.kept == len(committed)
    assert report.extracted == (
        report.kept + report.dropped_unknown + report.dropped_mismatched + report.copies
    )
    readme = (WORKBOOK_ALIASES_CSV.parent / "README.md").read_text("utf-8")
    assert f"**{report.kept}**" in readme


@pytest.mark.parametrize("path", ALIAS_FILES, ids=lambda p: p.name)
def test_aliases_csv_rows_are_valid(path: Path, control_list: ControlList) -> None:
    rows = read_alias_csv(path)
    assert rows
    unknown = sorted({row.code for row in rows if row.code not in control_list})
    assert unknown == []
    for row in rows:
        assert control_list.get(row.code).code == row.code  # stored in canonical form
        assert row.alias and row.source and row.licence
    pairs = [(row.code, row.alias.casefold()) for row in rows]
    assert len(pairs) == len(set(pairs))


def test_aliases_curated_rows_cite_the_list(control_list: ControlList) -> None:
    rows = read_alias_csv(CURATED_ALIASES_CSV)
    assert 150 <= len(rows)
    for row in rows:
        assert row.source.startswith("list:"), row
        cited = row.source.split()[0].removeprefix("list:")
        assert cited in control_list, row


@pytest.mark.parametrize(
    ("code", "alias"),
    [
        ("4A506.b", "trapped ion"),
        ("9A012", "drone"),
        ("2B510", "laser powder bed fusion"),
        ("6A008.j", "lidar"),
        ("3A001.a.7", "FPGA"),
        ("1C351.c.1", "anthrax"),
        ("9A109.a", "Hybrid rocket motors for rocket systems or UAVs"),
    ],
)
def test_aliases_load_aliases_has_both_sources(
    control_list: ControlList, code: str, alias: str
) -> None:
    table = load_aliases(control_list)
    assert alias in [a.text for a in table[code]]
    assert all(isinstance(a, Alias) and a.code == code for a in table[code])


def _write_csv(path: Path, rows: list[list[str]], header: tuple[str, ...] = CSV_COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_aliases_load_skips_unknown_codes(
    tmp_path: Path, control_list: ControlList, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write_csv(
        tmp_path / "a.csv",
        [
            ["9a012", "drone", "test", "MIT"],
            ["9A012", "Drone", "test", "MIT"],  # duplicate once case is ignored
            ["9Z999", "nothing", "test", "MIT"],
        ],
    )
    with caplog.at_level(logging.WARNING):
        table = load_aliases(control_list, paths=[path])
    assert table == {"9A012": [Alias("9A012", "drone", "test")]}
    assert "9Z999" in caplog.text


def test_aliases_load_empty_file(tmp_path: Path, control_list: ControlList) -> None:
    assert load_aliases(control_list, paths=[_write_csv(tmp_path / "a.csv", [])]) == {}


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        (("code", "alias", "source"), [], "expected code, alias, source, licence"),
        (CSV_COLUMNS, [["9A012", "drone", "", "MIT"]], "line 2: empty source"),
    ],
)
def test_aliases_read_rejects_bad_files(
    tmp_path: Path, header: tuple[str, ...], rows: list[list[str]], message: str
) -> None:
    with pytest.raises(DatasetError, match=message):
        read_alias_csv(_write_csv(tmp_path / "bad.csv", rows, header))


def test_aliases_read_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="python -m exportctl.suggest.aliases build"):
        read_alias_csv(tmp_path / "missing.csv")
