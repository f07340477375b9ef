"""Learning from decisions: decided cases found by meaning count for (or against) the entries
their officers confirmed (or rejected), as their own evidence; switched off, they do not."""

from __future__ import annotations

import numpy as np
import pytest

from exportctl.suggest.precedents import (
    Precedent,
    PrecedentBook,
    decode_vector,
    encode_vector,
)

DECIDED = (
    "We develop compact gallium nitride power amplifiers for Ka-band satellite ground "
    "terminals, reaching 10 W saturated output between 27 and 31 GHz with 30% efficiency."
)
NEW = (
    "This project designs GaN monolithic amplifiers for satellite communication terminals in "
    "the Ka band, targeting 12 W output power and high power-added efficiency at 29 GHz."
)


def unit(values) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_precedents_vector_survives_storage_as_text():
    vector = unit(np.arange(1, 385))
    again = decode_vector(encode_vector(vector))
    assert again is not None and again.shape == (384,)
    assert float(again @ vector) == pytest.approx(1.0, abs=1e-3)
    assert decode_vector("") is None and decode_vector("not base64!") is None


def test_precedents_nearest_keeps_close_visible_cases_closest_first():
    book = PrecedentBook(
        [
            Precedent("C-00001", unit([1, 0, 0]), owner="rosa"),
            Precedent("C-00002", unit([1, 1, 0]), owner="sam"),
            Precedent("C-00003", unit([0, 0, 1]), owner="rosa"),
        ]
    )
    query = unit([1, 0.2, 0])
    assert [n.precedent.ref for n in book.nearest(query, min_similarity=0.6)] == [
        "C-00001",
        "C-00002",
    ]
    own = book.nearest(query, min_similarity=0.0, visible=lambda p: p.owner == "rosa")
    assert [n.precedent.ref for n in own] == ["C-00001", "C-00003"]
    assert book.nearest(query, k=1)[0].precedent.ref == "C-00001"
    assert PrecedentBook().nearest(query) == []


@pytest.fixture()
def engine(suggester):
    yield suggester
    suggester.use_precedents(PrecedentBook())
    suggester.learn_from_decisions = True


def _candidate(result, entry):
    return next((c for c in result.controls if c.entry == entry), None)


def test_precedents_a_confirmed_entry_counts_for_a_similar_new_abstract(engine):
    before = engine.suggest(NEW, top_k=50)
    decided = decode_vector(engine.suggest(DECIDED).meaning_vector)
    engine.use_precedents(
        PrecedentBook([Precedent("C-00007", decided, confirmed=("3A001",), rejected=("5A001",))])
    )
    after = engine.suggest(NEW, top_k=50)
    gan_before, gan_after = _candidate(before, "3A001"), _candidate(after, "3A001")
    assert gan_after.score > gan_before.score
    evidence = [e for e in gan_after.evidence if e.matcher == "precedents"]
    assert evidence and evidence[0].weight > 0
    assert evidence[0].clause_words == ("confirmed on 1 similar decided case",)
    assert gan_after.score == pytest.approx(sum(e.weight for e in gan_after.evidence))
    rejected_after, rejected_before = _candidate(after, "5A001"), _candidate(before, "5A001")
    assert rejected_after.score < rejected_before.score
    assert [e.clause_words for e in rejected_after.evidence if e.matcher == "precedents"] == [
        ("rejected on 1 similar decided case",)
    ]

    engine.learn_from_decisions = False
    switched_off = engine.suggest(NEW, top_k=50)
    assert _candidate(switched_off, "3A001").score == pytest.approx(gan_before.score)
    assert not [e for e in _candidate(switched_off, "3A001").evidence if e.matcher == "precedents"]


def test_precedents_an_unrelated_decided_case_changes_nothing(engine):
    before = engine.suggest(NEW)
    unrelated = engine.suggest(
        "We study the diets of medieval monastic communities in northern England from "
        "account rolls and excavated animal bones, and how they changed after the Black Death."
    )
    engine.use_precedents(
        PrecedentBook(
            [Precedent("C-00009", decode_vector(unrelated.meaning_vector), confirmed=("ML1",))]
        )
    )
    after = engine.suggest(NEW)
    assert [(c.entry, round(c.score, 6)) for c in after.controls] == [
        (c.entry, round(c.score, 6)) for c in before.controls
    ]
