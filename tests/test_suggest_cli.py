"""The suggest and evaluate commands, one text and JSONL batches."""

from __future__ import annotations

import json

from click.testing import CliRunner

from exportctl.cli import main


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


def test_cli_evaluate_prints_pipeline_and_baseline(tmp_path):
    data = tmp_path / "eval.jsonl"
    rows = [
        {"id": "1", "text": "superconducting quantum computer with 60 qubits",
         "labels": ["4A506"], "labels_entry_level": ["4A506"]},
        {"id": "2", "text": "seasonal bird migration and insect emergence",
         "labels": ["NOT_LISTED"], "labels_entry_level": ["NOT_LISTED"]},
    ]  # fmt: skip
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = CliRunner().invoke(main, ["evaluate", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "pipeline" in result.output and "bm25" in result.output
    assert "entry_recall@5" in result.output and "not_listed_records" in result.output
