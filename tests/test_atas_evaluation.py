"""Subject evaluation: held-out HECoS names and abstracts files."""

from __future__ import annotations

import json

import pytest

from exportctl.atas.evaluation import evaluate_hecos_names, evaluate_subjects
from exportctl.errors import DatasetError


def _jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_evaluation_abstracts_file(tmp_path):
    path = _jsonl(
        tmp_path / "abstracts.jsonl",
        [
            {
                "id": "a",
                "text": "Aerospace propulsion systems for hypersonic flight.",
                "cah3": ["CAH10-01-04"],
            },
            {"id": "b", "text": "A history of medieval monasteries.", "cah3": ["CAH11-01-01"]},
        ],
    )
    result = evaluate_subjects(path)
    assert result["kind"] == "abstracts" and result["n"] == 2
    assert result["top1"] == 0.5 and result["top3"] == 0.5
    assert result["details"][0]["top1"] is True


def test_evaluation_hecos_names_hold_out_the_tested_name():
    # 'aerospace engineering' is the only alias text equal to the query; with it held out the
    # query must still be answered from other names (CAH3 label, aerospace propulsion ...).
    rows = [
        {
            "id": "hecos-100115",
            "text": "aerospace engineering",
            "labels": ["CAH10-01-04"],
            "hecos_code": "100115",
            "text_equals_cah3_label": False,
        }
    ]
    result = evaluate_hecos_names(rows, folds=1)
    assert result["n"] == 1
    assert "rebuilt without the held-out" in result["method"]
    assert result["details"][0]["ranked"][0] == "CAH10-01-04"


@pytest.mark.parametrize(
    "content,message",
    [("", "no rows"), ("{not json}\n", "not JSON"), ('{"text": "x"}\n', "rows need")],
)
def test_evaluation_rejects_bad_files(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        evaluate_subjects(path)
