"""Partner-blind screening: who the partners, funders and countries are never moves the
suggested entries."""

from __future__ import annotations

import pytest

from exportctl.config import PROJECT_DIR
from exportctl.jsonl import read_jsonl
from exportctl.suggest.engine import Suggester
from exportctl.suggest.partner_evaluation import check_partner_blindness
from exportctl.suggest.partners import blank_partner_mentions, partner_spans

DATA = PROJECT_DIR / "benchmarks" / "data"


@pytest.mark.parametrize(
    "sentence",
    [
        "This work was funded by the National Natural Science Foundation of China (NSFC) under "
        "grant 61234567.",
        "The project is a partnership with the Massachusetts Institute of Technology and is "
        "supported by DARPA.",
        "We thank our colleagues at Sharif University of Technology, Iran, for fruitful "
        "discussions.",
    ],
)
def test_partners_a_sentence_that_only_says_who_is_blanked_whole(sentence):
    technical = "We build a 10 W GaN amplifier at 35 GHz."
    text = f"{technical} {sentence}"
    blanked = blank_partner_mentions(text)
    assert len(blanked) == len(text)  # offsets still point at the user's text
    assert blanked.startswith(technical) and not blanked[len(technical) :].strip()


def test_partners_names_in_a_technical_sentence_are_blanked_but_the_technology_stays():
    text = (
        "In collaboration with Harbin Institute of Technology, China, we develop a scramjet "
        "combustor for Mach 6 flight."
    )
    blanked = blank_partner_mentions(text)
    assert "Harbin" not in blanked and "China" not in blanked
    assert "scramjet combustor for Mach 6 flight" in blanked
    spans = partner_spans(text)
    assert all(text[s:e].strip() for s, e in spans)


def test_partners_words_that_are_not_names_are_kept():
    text = "Chinese hamster ovary cells express the toxin; the US patent describes the assay."
    blanked = blank_partner_mentions(text)
    assert "hamster ovary cells express the toxin" in blanked and "patent" in blanked


@pytest.fixture(scope="module")
def suggester(control_list):
    return Suggester.load(control_list)


@pytest.mark.slow  # screens every listed evaluation abstract in 15 variants (minutes)
def test_partners_top_five_unchanged_for_99_percent_of_evaluation_abstracts(suggester):
    records = [
        r
        for name in ("abstracts_dev.jsonl", "abstracts_test.jsonl")
        for r in read_jsonl(DATA / name)
        if r["labels"] != ["NOT_LISTED"]
    ]
    check = check_partner_blindness(suggester, records, top=5, countries_each=3)
    assert check.abstracts == len(records) >= 200
    assert check.share >= 0.99, check.changed
