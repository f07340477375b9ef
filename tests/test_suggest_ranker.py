"""The learned ranker: saved as JSON, refused when it does not fit the engine, reproducible
from its training data, and a verdict calibrated within its bound."""

from __future__ import annotations

import json

import numpy as np
import pytest

from exportctl.config import MODELS_DIR, PROJECT_DIR
from exportctl.errors import EmbeddingModelError
from exportctl.suggest.engine import RANKER_FILE, Suggester
from exportctl.suggest.ranker import LinearRanker
from exportctl.suggest.training import build_examples, rank_rows, train_from_files

DEV = PROJECT_DIR / "benchmarks" / "data" / "abstracts_dev.jsonl"


@pytest.fixture(scope="module")
def untrained(control_list):
    return Suggester.load(control_list, trained=False)


@pytest.fixture(scope="module")
def shipped(untrained):
    return LinearRanker.load(MODELS_DIR / RANKER_FILE, untrained.registry.names)


def test_ranker_round_trips_through_json(tmp_path, shipped):
    path = tmp_path / "ranker.json"
    shipped.save(path)
    again = LinearRanker.load(path, shipped.features)
    assert np.allclose(again.coef_, shipped.coef_) and again.verdict == shipped.verdict
    assert json.loads(path.read_text())["features"] == list(shipped.features)


def test_ranker_for_other_features_is_refused_with_the_command_to_run(tmp_path, shipped):
    path = tmp_path / "ranker.json"
    shipped.save(path)
    with pytest.raises(EmbeddingModelError, match="train-ranker"):
        LinearRanker.load(path, (*shipped.features, "precedents"))
    path.write_text("{not json")
    with pytest.raises(EmbeddingModelError, match="damaged"):
        LinearRanker.load(path, shipped.features)
    with pytest.raises(EmbeddingModelError, match="No trained ranker"):
        LinearRanker.load(tmp_path / "missing.json", shipped.features)


def test_ranker_shipped_is_reproduced_by_training_on_the_development_abstracts(untrained, shipped):
    retrained = train_from_files(untrained, [DEV])
    assert retrained.training["data_sha256"] == shipped.training["data_sha256"]
    assert np.allclose(retrained.coef_, shipped.coef_, atol=1e-3)
    assert retrained.related_offset == shipped.related_offset
    assert retrained.verdict == pytest.approx(shipped.verdict, abs=1e-3)


def test_ranker_meaning_and_words_both_count(shipped):
    weights = dict(zip(shipped.features, shipped.coef_, strict=True))
    assert weights["meaning"] > 0 and weights["words"] > 0 and weights["sentence meaning"] > 0


def test_ranker_verdict_leaves_at_most_3_percent_of_listed_training_abstracts_unmatched(
    untrained, shipped
):
    from exportctl.jsonl import read_jsonl

    examples = build_examples(untrained, read_jsonl(DEV))
    listed = [e for e in examples if e.listed]
    below = 0
    for example in listed:
        _, direct = rank_rows(shipped, example.features, untrained.related_rows,
                              untrained.goods_mask)  # fmt: skip
        below += float(direct.max()) < shipped.verdict["no_close_match_below"]
    assert len(listed) >= 80 and below / len(listed) <= 0.03
