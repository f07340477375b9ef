"""CAH3 suggestion from text: ranking, evidence spans, and speed."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

import exportctl.atas
from exportctl.atas import suggest_subjects
from exportctl.atas.subjects import build_aliases, stem
from exportctl.atas.vocabulary import load_vocabulary
from exportctl.errors import InputTextError


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Aerospace engineering", "CAH10-01-04"),
        ("aerospace propulsion systems for hypersonic aircraft", "CAH10-01-04"),
        ("Accountancy", "CAH17-01-08"),
        ("quantum physics of superconducting circuits", "CAH07-01-01"),
        (
            "We study the genetics of plant pathogens and molecular biology of infection",
            "CAH03-01-07",
        ),
    ],
)
def test_subjects_top_suggestions(text, expected):
    assert expected in [s.cah3 for s in suggest_subjects(text, top_k=3)]


def test_subjects_joint_subjects_are_returned():
    text = "Machine learning for computer science applied to electrical and electronic engineering"
    codes = [s.cah3 for s in suggest_subjects(text, top_k=5)]
    assert {"CAH11-01-01", "CAH10-01-08"} <= set(codes)


def test_subjects_evidence_spans_point_into_the_text_and_sum_to_score():
    text = "A hypersonic scramjet for aerospace propulsion, tested in a wind tunnel."
    suggestions = suggest_subjects(text)
    assert suggestions
    top = suggestions[0]
    assert top.cah3 == "CAH10-01-04" and top.cah1 == "CAH10" and top.cah2 == "CAH10-01"
    assert top.score == pytest.approx(sum(e.weight for e in top.evidence))
    assert any(e.kind == "hecos" and e.name == "aerospace propulsion systems" for e in top.evidence)
    for evidence in top.evidence:
        for word in evidence.words:
            assert text[word.start : word.end] == word.word
    data = top.to_dict()
    assert data["evidence"][0]["words"][0]["word"].lower() == "aerospace"
    scores = [s.score for s in suggestions]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("text", ["", "   ", "the and of", "12345 67"])
def test_subjects_empty_or_contentless_text_gives_nothing(text):
    assert suggest_subjects(text) == []


def test_subjects_rejects_bad_arguments():
    with pytest.raises(InputTextError):
        suggest_subjects("physics", top_k=0)
    with pytest.raises(InputTextError):
        suggest_subjects(None)  # type: ignore[arg-type]


def test_subjects_top_k_limits_results():
    assert len(suggest_subjects("engineering", top_k=2)) <= 2


@pytest.mark.parametrize(
    "a,b",
    [
        ("physics", "physical"),
        ("engineering", "engineers"),
        ("chemistry", "chemist"),
        ("biology", "biological"),
    ],
)
def test_subjects_stemmer_joins_word_forms(a, b):
    assert stem(a) == stem(b)


def test_subjects_held_out_names_leave_the_index():
    vocabulary = load_vocabulary()
    aliases = build_aliases(vocabulary, exclude_hecos={"100115"})
    assert "aerospace engineering" not in {a.text for a in aliases if a.kind == "hecos"}
    assert len(aliases) == len(build_aliases(vocabulary)) - 1


def test_subjects_fast_once_loaded():
    suggest_subjects("warm up")
    text = "Design of a low-noise amplifier for satellite communication receivers. " * 20
    start = time.perf_counter()
    for _ in range(10):
        suggest_subjects(text)
    assert (time.perf_counter() - start) / 10 < 0.05


def test_subjects_modules_import_no_spacy_at_module_level():
    """spaCy models are slow to load; nothing in the ATAS package may import spaCy on import."""
    package = Path(exportctl.atas.__file__).parent
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "spacy" for n in names), module.name
