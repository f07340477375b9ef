"""HESA's HECoS definitions: committed data, importer checks, and the text the suggester uses."""

from __future__ import annotations

import csv
import shutil

import pytest

from exportctl.atas.defaults import HECOS_DEFINITIONS_DIR, HECOS_DEFINITIONS_SOURCE
from exportctl.atas.definitions import (
    DEFINITIONS_FILE,
    LICENCE,
    HecosDefinition,
    import_hecos_definitions,
    load_hecos_definitions,
)
from exportctl.atas.vocabulary import load_vocabulary
from exportctl.errors import DatasetError


def test_definitions_cover_every_hecos_code_of_the_vocabulary():
    vocabulary = load_vocabulary()
    definitions = load_hecos_definitions()
    assert set(definitions) == set(vocabulary.hecos)
    for code, definition in definitions.items():
        hecos = vocabulary.hecos[code]
        assert (definition.label, definition.cah3) == (hecos.label, hecos.cah3)
        assert definition.cah3 in vocabulary.subjects
        assert definition.definition.strip()


def test_definitions_every_row_has_a_source_and_licence():
    with (HECOS_DEFINITIONS_DIR / DEFINITIONS_FILE).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1092
    for row in rows:
        assert "jiscdev/analytics-udd" in row["source"] and "ef5d6d3" in row["source"]
        assert row["licence"] == LICENCE == "CC-BY-4.0"
    provenance = (HECOS_DEFINITIONS_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in provenance and "HESA/Jisc" in provenance


def test_definitions_reimport_reproduces_committed_files(tmp_path):
    out = import_hecos_definitions(out_dir=tmp_path)
    for name in (DEFINITIONS_FILE, "manifest.json"):
        assert (out / name).read_bytes() == (HECOS_DEFINITIONS_DIR / name).read_bytes()


def test_definitions_known_entries():
    definitions = load_hecos_definitions()
    assert definitions["100580"].definition == "The study of oscillation and resonance."
    assert definitions["100580"].cah3 == "CAH07-01-01"  # acoustics and vibration -> physics
    assert "viruses" in definitions["100910"].definition.lower()  # virology
    assert definitions["101473"].label == "Brontës studies"  # label restored from CAH v1.3.4


@pytest.mark.parametrize(
    "scope_note,kept,dropped",
    [
        (
            "Includes all ceramics within arts and crafts areas. For ceramics as materials "
            "science or technology, use materials science.",
            "arts and crafts",
            "materials science",
        ),
        (
            "For studies focused only on Chinese languages, use the Chinese language term.",
            "",
            "Chin",
        ),
        (
            "May include the study of animal diseases (for this specifically, use animal "
            "pathology), and drugs.",
            "and drugs",
            "pathology",
        ),
        ("May include dry-stone walling.", "dry-stone walling", "use"),
    ],
)
def test_definitions_descriptive_text_leaves_out_cross_references(scope_note, kept, dropped):
    definition = HecosDefinition(
        "100000", "x", "CAH01-01-01", "The study of x.", scope_note, "s", "l"
    )
    text = definition.descriptive_text()
    assert text.startswith("The study of x.")
    assert kept in text
    assert dropped not in text


def _write_source(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.mark.parametrize(
    "bad_row,message",
    [
        (["999999", "no such subject", "The study of nothing.", ""], "not in CAH"),
        (["100425", "chemistry", "The study of matter.", ""], "not in CAH"),
        (["100425", "physics", "", ""], "no definition"),
        (["100425", "physics"], "expected 4 columns"),
    ],
)
def test_definitions_importer_rejects_bad_rows(tmp_path, bad_row, message):
    source = _write_source(tmp_path / "HECoS-Vocabulary.csv", [bad_row])
    with pytest.raises(DatasetError, match=message):
        import_hecos_definitions(source, tmp_path / "out")


def test_definitions_importer_requires_every_code(tmp_path):
    source = _write_source(
        tmp_path / "HECoS-Vocabulary.csv", [["100425", "physics", "The study of matter.", ""]]
    )
    with pytest.raises(DatasetError, match="no definition for HECoS"):
        import_hecos_definitions(source, tmp_path / "out")


def test_definitions_load_refuses_a_changed_file(tmp_path):
    directory = tmp_path / "defs"
    shutil.copytree(HECOS_DEFINITIONS_DIR, directory)
    path = directory / DEFINITIONS_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("oscillation", "vibration"), "utf-8")
    with pytest.raises(DatasetError, match="checksum"):
        load_hecos_definitions(directory)
    with pytest.raises(DatasetError, match="No HECoS definitions"):
        load_hecos_definitions(tmp_path / "missing")


def test_definitions_source_is_committed():
    assert HECOS_DEFINITIONS_SOURCE.is_file()


def test_definitions_import_command(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from exportctl.atas import definitions
    from exportctl.atas.commands import atas_rules_group

    calls = []
    monkeypatch.setattr(
        definitions, "import_hecos_definitions", lambda: calls.append(1) or tmp_path
    )
    result = CliRunner().invoke(atas_rules_group, ["import-hecos-definitions"])
    assert result.exit_code == 0, result.output
    assert calls and str(tmp_path) in result.output
