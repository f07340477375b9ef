"""The suggest and evaluate commands, one text and JSONL batches."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from exportctl.cli import main

LASER = "We build a 200 W femtosecond fibre laser at 1030 nm for micromachining of glass."


def test_cli_suggest_one_text_readable():
    result = CliRunner().invoke(main, ["suggest", "A 200 W femtosecond laser at 1030 nm"])
    assert result.exit_code == 0, result.output
    assert "6A005" in result.output
    assert "officer" in result.output  # never the final word


def test_cli_suggest_batch_writes_one_line_per_input(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        json.dumps({"id": "a", "text": "trapped-ion quantum computer with 50 qubits"})
        + "\n"
        + json.dumps({"id": "b", "text": ""})
        + "\n"
        + json.dumps({"id": "c", "text": "infrared focal plane array of HgCdTe detectors"})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        main, ["suggest", "--input", str(cases), "--output", str(out), "--top-k", "5"]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c"]
    assert len(lines[0]["controls"]) == 5
    first = lines[0]["controls"][0]
    assert {"code", "entry", "score", "evidence", "thresholds"} <= set(first)
    assert lines[1]["controls"] == [] and "empty" in lines[1]["error"]


def test_cli_suggest_batch_malformed_line_is_a_clear_error(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"id": "a", "text": "laser"}\n{not json\n')
    result = CliRunner().invoke(main, ["suggest", "--input", str(cases), "--output",
                                       str(tmp_path / "o.jsonl")])  # fmt: skip
    assert result.exit_code == 2
    assert "line 2" in result.output
    assert not (tmp_path / "o.jsonl").exists()


EVALUATION = [
    {"id": "q", "text": "superconducting quantum computer with 60 qubits",
     "labels": ["4A506"], "labels_entry_level": ["4A506"]},
    {"id": "b", "text": "seasonal bird migration and insect emergence",
     "labels": ["NOT_LISTED"], "labels_entry_level": ["NOT_LISTED"]},
    # Labelled with a firearms entry it cannot match: a planted miss.
    {"id": "m", "text": "seasonal bird migration and insect emergence in spring",
     "labels": ["ML1"], "labels_entry_level": ["ML1"]},
]  # fmt: skip


@pytest.fixture()
def evaluation_file(tmp_path):
    data = tmp_path / "eval.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in EVALUATION) + "\n")
    return data


def test_cli_evaluate_scores_pipeline_and_baseline(evaluation_file):
    # One listed record found first, one missed: recall and MRR are exactly one half.
    result = CliRunner().invoke(main, ["evaluate", "--data", str(evaluation_file), "--json"])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["records"] == 3
    methods = {row["method"]: row for row in report["controls"]}
    assert set(methods) == {"pipeline", "bm25"}
    for row in methods.values():
        assert row["listed_records"] == 2 and row["not_listed_records"] == 1
        assert row["entry_recall@1"] == row["entry_recall@5"] == row["entry_mrr"] == 0.5
    assert [miss.split(":")[0] for miss in report["misses"]] == ["m"]


def test_cli_evaluate_table_shows_the_numbers_and_misses(evaluation_file):
    result = CliRunner().invoke(main, ["evaluate", "--data", str(evaluation_file), "--show-misses"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines() if line}
    assert rows["entry_recall@5"] == ["0.500", "0.500"]
    assert rows["listed_records"] == ["2", "2"]
    assert "m: gold ['ML1'], got [" in result.stdout


def test_cli_suggest_reads_standard_input():
    for args in (["suggest"], ["suggest", "-"]):
        result = CliRunner().invoke(main, [*args, "--json"], input=LASER)
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert "6A005" in [c["entry"] for c in report["controls"][:5]]
        assert report["quantities"][0]["text"] == "200 W"


def test_cli_suggest_empty_standard_input_is_a_clear_error():
    result = CliRunner().invoke(main, ["suggest"], input="")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "empty" in result.stderr


def test_cli_suggest_batch_creates_the_output_folder(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps({"id": "a", "text": LASER}) + "\n")
    out = tmp_path / "output" / "screening" / "out.jsonl"
    result = CliRunner().invoke(main, ["suggest", "--input", str(cases), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote 1 results to {out} (0 texts not screened).\n"
    (line,) = out.read_text().splitlines()
    assert json.loads(line)["id"] == "a"
