"""The suggestion engine on real abstracts-like texts: ranking, evidence, thresholds, bad input."""

from __future__ import annotations

import pytest

from exportctl.errors import InputTextError
from exportctl.suggest.result import DISCLAIMER

QUANTUM = (
    "We develop a superconducting quantum computer with 60 physical qubits and demonstrate "
    "surface-code error correction at 10 mK."
)
LASER = (
    "We demonstrate a mode-locked thin-disk laser oscillator emitting femtosecond pulses "
    "with 150 W average output power at 1030 nm."
)


@pytest.mark.parametrize(("text", "entry"), [(QUANTUM, "4A506"), (LASER, "6A005")])
def test_engine_ranks_the_right_entry_in_top_five(suggester, text, entry):
    result = suggester.suggest(text)
    assert entry in [c.entry for c in result.controls[:5]]


def test_engine_surfaces_technology_entries_for_hardware(suggester):
    result = suggester.suggest(QUANTUM)
    entries = [c.entry for c in result.controls]
    assert "4E001" in entries
    tech = next(c for c in result.controls if c.entry == "4E001")
    assert tech.via == "4A506"
    quantum = next(c for c in result.controls if c.entry == "4A506")
    assert "4E001" in quantum.related


def test_engine_score_is_the_sum_of_its_evidence(suggester):
    controls = suggester.suggest(LASER).controls
    assert len(controls) == 10  # the default top-k, all with evidence
    for candidate in controls:
        assert candidate.score == pytest.approx(sum(e.weight for e in candidate.evidence))
        from_text = [e for e in candidate.evidence if e.matcher != "kind of entry"]
        assert from_text and all(e.weight > 0 for e in from_text)


def test_engine_meaning_evidence_names_the_closest_sentence(suggester):
    text = (
        "Our group studies ecology of coastal wetlands. Separately, we demonstrate a "
        "superconducting quantum processor with 60 qubits and surface-code error correction."
    )
    quantum = next(c for c in suggester.suggest(text).controls if c.entry == "4A506")
    meaning = [e for e in quantum.evidence if e.matcher in {"meaning", "sentence meaning"}]
    assert meaning and all(e.weight > 0 for e in meaning)
    sentence = text[meaning[0].start : meaning[0].end]
    assert sentence == meaning[0].abstract_text and "quantum processor" in sentence


def test_engine_evidence_points_at_the_abstract(suggester):
    candidate = suggester.suggest(LASER).controls[0]
    spans = [e for e in candidate.evidence if e.start >= 0]
    assert spans
    for evidence in spans:
        assert LASER[evidence.start : evidence.end] == evidence.abstract_text


def test_engine_checks_thresholds_of_the_shown_clause_and_its_parents(suggester):
    result = suggester.suggest(LASER)  # 150 W average power at 1030 nm
    laser = next(c for c in result.controls if c.entry == "6A005")
    checked = {(c.clause_code, c.condition): c for c in laser.thresholds}
    assert all(laser.code == code or laser.code.startswith(code + ".") for code, _ in checked)
    wavelength = [c for c in laser.thresholds if c.unit == "m"]
    assert wavelength and all(c.status == "met" and c.observed == "1030 nm" for c in wavelength)
    power = [c for c in laser.thresholds if c.unit == "W"]
    assert power and all(c.status == "met" and c.observed == "150 W" for c in power)


@pytest.mark.parametrize(
    ("text", "clause", "fit"),
    [
        # the band the abstract names, its power conditions failed rather than another band
        ("We build a 30 W continuous-wave ytterbium fibre laser emitting at 1064 nm with "
         "single transverse mode output.", "6A005.a.6.a", "contradicted"),
        ("A 1550 nm erbium fibre laser delivering 60 W continuous wave in a single transverse "
         "mode.", "6A005.a.7.a", "met"),
        ("We design a 32-38 GHz GaN MMIC power amplifier delivering 10 W saturated output "
         "power.", "3A001.b.2.d", "met"),
    ],
)  # fmt: skip
def test_engine_shows_the_clause_whose_conditions_fit(suggester, text, clause, fit):
    entry = clause.split(".")[0]
    candidate = next(c for c in suggester.suggest(text).controls if c.entry == entry)
    assert (candidate.code, candidate.fit) == (clause, fit)
    if fit == "contradicted":
        failed = [c for c in candidate.thresholds if c.status == "not_met"]
        assert failed and all(c.observed == "30 W" for c in failed)
        assert "unmet" in candidate.reason


def test_engine_result_carries_questions_and_disclaimer(suggester):
    result = suggester.suggest(QUANTUM)
    assert result.disclaimer == DISCLAIMER
    assert {q.key for q in result.questions} == {"public_domain", "basic_research", "patent",
                                                 "end_use"}  # fmt: skip
    assert result.list_version == "uk-consolidated/2025-12-16"


@pytest.mark.parametrize(
    ("nationality", "level", "outcome", "reason"),
    [
        ("CN", "research", "required", "Nationality CN: not exempt from ATAS."),
        ("US", "research", "not required", "Exempt: nationals of United States of America"),
        ("CN", "undergraduate", "not required", "Level undergraduate: outside Appendix ATAS."),
    ],
)
def test_engine_adds_subjects_and_atas_when_asked(suggester, nationality, level, outcome, reason):
    # Quantum computing is physics, a listed ATAS subject: the answer turns on the visitor.
    result = suggester.suggest(QUANTUM, nationalities=[nationality], level=level)
    assert "CAH07-01-01" in [s.cah3 for s in result.subjects[:3]]  # physics
    assert result.atas is not None
    assert result.atas.result == outcome
    assert any(r.startswith(reason) for r in result.atas.reasons), result.atas.reasons
    assert result.to_dict()["atas"]["result"] == outcome


def test_engine_without_visitor_gives_subjects_but_no_atas(suggester):
    result = suggester.suggest(QUANTUM)
    assert "CAH07-01-01" in [s.cah3 for s in result.subjects[:3]]
    assert result.atas is None


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x01\x02\x03\x04\x05" * 50])
def test_engine_refuses_empty_or_binary_text_clearly(suggester, text):
    with pytest.raises(InputTextError):
        suggester.suggest(text)


def test_engine_short_description_is_never_no_close_match(suggester):
    result = suggester.suggest("Apache Commons Compress: designed for use with encryption library")
    assert result.screening.verdict == "possibly_listed"
    assert "too short" in result.screening.reason


def test_engine_single_word_gives_a_result_and_a_warning(suggester):
    result = suggester.suggest("laser")
    assert len(result.warnings) == 1 and result.warnings[0].startswith("Very short text")
    assert len(result.controls) == 10
    assert all(c.score > 0 for c in result.controls)
    assert "6A005" in [c.entry for c in result.controls[:5]]


def test_engine_huge_text_is_cut_with_a_warning(suggester):
    result = suggester.suggest(LASER * 2000)  # about 300 KB
    assert any("only the first" in w for w in result.warnings)
    assert "6A005" in [c.entry for c in result.controls[:5]]


def test_engine_non_english_text_warns(suggester):
    result = suggester.suggest(
        "Wir entwickeln einen Quantencomputer mit supraleitenden Qubits und untersuchen die "
        "Fehlerkorrektur bei tiefen Temperaturen in unserem Labor der Universität."
    )
    assert any("English" in w for w in result.warnings)


def test_engine_unrelated_text_scores_low(suggester):
    ecology = suggester.suggest(
        "Migratory birds exploit seasonal variation in resources across latitudes. We tracked "
        "the timing of spring arrival of twelve songbird species in relation to insect "
        "emergence over fifteen years, using ringing records from coastal observatories and "
        "citizen-science counts. Species that advanced their arrival kept pace with earlier "
        "springs, while long-distance migrants fell behind and declined in abundance. We "
        "discuss how phenological mismatch shapes population trends and what it means for "
        "conservation planning in a warming climate."
    )
    quantum = suggester.suggest(QUANTUM)
    assert ecology.controls[0].score < quantum.controls[0].score / 2
    assert ecology.screening.verdict == "no_close_match"
    assert quantum.screening.verdict == "likely_listed"
    assert "not a 'not controlled' finding" in ecology.screening.reason
    assert ecology.controls  # the candidates are still listed


def test_engine_hints_at_publication_without_answering(suggester):
    result = suggester.suggest(
        "Apache Foo is an open-source library providing AES encryption for data at rest."
    )
    public = next(q for q in result.questions if q.key == "public_domain")
    assert public.hint and "open-source" in public.hint
    assert "5A002" in [c.entry for c in result.controls[:5]] or "5D002" in [
        c.entry for c in result.controls[:5]
    ]


def test_engine_entry_without_own_words_shows_its_first_item(suggester):
    result = suggester.suggest(
        "We develop a trapped-ion quantum computer with 32 physical qubits and its control "
        "software."
    )
    tech = next(c for c in result.controls if c.entry == "4E001")
    assert tech.title.startswith("a. ")
