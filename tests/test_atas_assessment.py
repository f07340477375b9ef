"""Table-driven ATAS assessments against the committed rules and small variations of them."""

from __future__ import annotations

import dataclasses

import pytest

from exportctl.atas import assess, load_rules
from exportctl.atas.rules import LEVELS, LevelRule, Occupation
from exportctl.errors import AtasInputError

AERO = "CAH10-01-04"  # listed, multi-source
AI = "CAH11-01-05"  # listed, single source
MEDICINE = "CAH01-01-02"  # science area, not in our list
AGRICULTURE = "CAH06-01-03"  # science area, not in our list
HISTORY = "CAH20-01-01"  # outside the science areas, not listed
EARTH = "CAH26-01-06"  # natural-science subject of CAH26


@pytest.mark.parametrize(
    "codes,nationalities,level,expected",
    [
        # non-exempt nationals at postgraduate levels
        ([AERO], ["CN"], "research", "required"),
        ([AERO], ["CN"], "taught-masters", "required"),
        ([AERO], ["IR"], "other-postgraduate", "required"),
        ([AERO], ["CHN"], "PhD", "required"),
        # exempt nationals
        ([AERO], ["FR"], "research", "not required"),
        ([AERO], ["US"], "research", "not required"),
        ([AERO], ["KR"], "research", "not required"),
        ([AERO], ["NO"], "taught-masters", "not required"),
        ([AERO], ["CH"], "research", "not required"),
        ([AERO], ["GB"], "research", "not required"),
        # dual nationals: any exempt nationality exempts
        ([AERO], ["CN", "FR"], "research", "not required"),
        ([AERO], ["IN", "PK"], "research", "required"),
        # each level
        ([AERO], ["CN"], "undergraduate", "not required"),
        ([AERO], ["CN"], "integrated-masters", "check"),
        ([AERO], ["CN"], "researcher-work-route", "check"),
        ([AERO], ["CN"], "visiting-academic", "check"),
        ([HISTORY], ["CN"], "integrated-masters", "not required"),
        # confirmed / unconfirmed / out-of-scope subjects
        ([AI], ["CN"], "research", "check"),
        ([MEDICINE], ["CN"], "research", "check"),
        ([AGRICULTURE], ["RU"], "taught-masters", "check"),
        ([EARTH], ["RU"], "research", "check"),
        ([HISTORY], ["CN"], "research", "not required"),
        # joint subjects: the strongest outcome wins
        ([HISTORY, AERO], ["CN"], "research", "required"),
        ([HISTORY, MEDICINE], ["CN"], "research", "check"),
    ],
)
def test_assessment_outcomes(codes, nationalities, level, expected):
    assert assess(codes, nationalities, level).result == expected


@pytest.mark.parametrize(
    "code", [MEDICINE, AGRICULTURE, "CAH07-04-04", "CAH09-01-03", "CAH02-06-02", "CAH04-01-01"]
)
def test_assessment_never_clears_unconfirmed_science_subject(code):
    result = assess([code], ["CN"], "research")
    assert result.result == "check"
    (finding,) = result.subjects
    assert finding.status == "unconfirmed"
    assert "incomplete" in finding.reason and "never answered 'not required'" in finding.reason


def test_assessment_records_rules_version_and_caveat():
    rules = load_rules()
    result = assess([AERO], ["CN"], "research")
    assert result.rules_version == rules.version == "2026-08-14"
    assert result.rules_verified_on == "2026-08-14"
    assert "last verified on 2026-08-14" in result.caveat
    assert "may have changed" in result.caveat and "2026" in result.caveat
    data = result.to_dict()
    assert data["rules_version"] == "2026-08-14"
    assert data["subjects"][0]["confidence"] == "multi-source"


def test_assessment_reasons_name_the_exempt_nationality_for_dual_nationals():
    result = assess([AERO], ["CN", "DE"], "research")
    assert any("Germany (DE)" in r for r in result.reasons)
    assert any("CN is not exempt" in r for r in result.reasons)


@pytest.mark.parametrize(
    "codes,nationalities,level,message",
    [
        (["CAH10-1-04"], ["CN"], "research", "not a CAH3 code"),
        (["AERO"], ["CN"], "research", "not a CAH3 code"),
        (["CAH99-01-01"], ["CN"], "research", "not a CAH v1.3.4"),
        ([AERO], ["XX"], "research", "Unknown country 'XX'"),
        ([AERO], ["Atlantis"], "research", "Unknown country"),
        ([AERO], [""], "research", "empty"),
        ([AERO], ["CN"], "postdoc-fellow", "Unknown level"),
        ([], ["CN"], "research", "at least one CAH3"),
        ([AERO], [], "research", "at least one nationality"),
        ("CAH10-01-04", ["CN"], "research", "as lists"),
    ],
)
def test_assessment_rejects_bad_input(codes, nationalities, level, message):
    with pytest.raises(AtasInputError, match=message):
        assess(codes, nationalities, level)


@pytest.mark.parametrize(
    "alias,key",
    [
        ("PhD", "research"),
        ("taught master's", "taught-masters"),
        ("MEng", "integrated-masters"),
        ("UG", "undergraduate"),
        ("Visiting academic", "visiting-academic"),
    ],
)
def test_assessment_accepts_level_aliases(alias, key):
    assert assess([HISTORY], ["CN"], alias).level == key


def test_assessment_all_levels_have_a_rule():
    assert set(load_rules().levels) == set(LEVELS)


def test_assessment_complete_official_list_clears_unlisted_subjects():
    rules = dataclasses.replace(load_rules(), subject_list_complete=True)
    assert assess([MEDICINE], ["CN"], "research", rules=rules).result == "not required"


@pytest.mark.parametrize(
    "occupation,expected", [("2119", "required"), ("9999", "not required"), (None, "check")]
)
def test_assessment_researcher_with_known_occupation_codes(occupation, expected):
    base = load_rules()
    rules = dataclasses.replace(
        base, occupations={"2119": Occupation("2119", "researchers", "SOC 2020", ())}
    )
    result = assess(
        [AERO], ["CN"], "researcher-work-route", rules=rules, occupation_code=occupation
    )
    assert result.result == expected


def test_assessment_level_qualifier_on_listed_subject():
    base = load_rules()
    aero = dataclasses.replace(base.subjects[AERO], levels=("research",))
    rules = dataclasses.replace(base, subjects={**base.subjects, AERO: aero})
    assert assess([AERO], ["CN"], "research", rules=rules).result == "required"
    assert assess([AERO], ["CN"], "taught-masters", rules=rules).result == "not required"


def test_assessment_out_of_scope_level_rule_is_data():
    base = load_rules()
    levels = {
        **base.levels,
        "visiting-academic": LevelRule("visiting-academic", "out-of-scope", "visitor route", ()),
    }
    rules = dataclasses.replace(base, levels=levels)
    assert assess([AERO], ["CN"], "visiting-academic", rules=rules).result == "not required"
