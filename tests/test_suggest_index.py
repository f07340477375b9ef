"""Built indexes are stamped; a stale or mismatched one is rebuilt, never silently used."""

from __future__ import annotations

import json

import pytest

from exportctl.errors import IndexMismatchError
from exportctl.suggest import nlp
from exportctl.suggest.engine import (
    Suggester,
    index_dir,
    index_stamp,
    load_alias_texts,
    load_or_build_index,
)
from exportctl.suggest.index import ClauseIndex


@pytest.fixture(scope="module")
def built(control_list, tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    aliases = load_alias_texts(control_list)
    index = load_or_build_index(control_list, aliases, models)
    return models, aliases, index


def test_index_is_saved_with_its_stamp(built, control_list):
    models, aliases, index = built
    folder = index_dir(models, control_list)
    stamp = json.loads((folder / "params.json").read_text())
    assert stamp["list_version"] == "uk-consolidated/2025-12-16"
    assert stamp["list_source_sha256"] == control_list.manifest.source_sha256
    assert {"scikit-learn", "numpy", "scipy"} <= set(stamp["libraries"])
    assert not list(folder.glob("*.pkl"))


def test_index_with_another_library_version_is_refused(built, control_list):
    models, aliases, _ = built
    folder = index_dir(models, control_list)
    stamp = json.loads((folder / "params.json").read_text())
    stamp["libraries"]["scikit-learn"] = "0.0.1"
    (folder / "params.json").write_text(json.dumps(stamp))
    with pytest.raises(IndexMismatchError, match="stale"):
        ClauseIndex.load(folder, expected_stamp=index_stamp(control_list, aliases))


def test_stale_index_is_rebuilt_on_load(built, control_list):
    models, aliases, original = built
    folder = index_dir(models, control_list)
    stamp = json.loads((folder / "params.json").read_text())
    stamp["list_source_sha256"] = "0" * 64
    (folder / "params.json").write_text(json.dumps(stamp))
    rebuilt = load_or_build_index(control_list, aliases, models)
    assert rebuilt.codes == original.codes
    assert json.loads((folder / "params.json").read_text())["list_source_sha256"] == (
        control_list.manifest.source_sha256
    )


def test_pipeline_without_a_trained_model_degrades_with_a_warning(monkeypatch, control_list):
    monkeypatch.setattr(nlp, "MODEL_CANDIDATES", ("no_such_model_installed",))
    nlp.load_pipeline.cache_clear()
    try:
        with pytest.warns(RuntimeWarning, match="No trained English spaCy model"):
            pipeline = nlp.load_pipeline()
        assert pipeline.degraded
        suggester = Suggester.load(control_list)
        result = suggester.suggest("A femtosecond laser with 150 W average output power")
        assert "6A005" in [c.entry for c in result.controls[:5]]
        assert any("degraded" in w for w in result.warnings)
    finally:
        nlp.load_pipeline.cache_clear()
