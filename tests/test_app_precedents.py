"""Precedents in the case store and the app: decided cases similar in meaning to a new
screening are shown (researchers see their own, officers all) and feed the ranking."""

from __future__ import annotations

import pytest
from helpers_app import DEMO_OFFICER, DEMO_RESEARCHER, app_as, texts
from helpers_cases import OFFICER, OTHER_RESEARCHER

from exportctl.cases import CaseRepository

GAN = (
    "We develop compact gallium nitride power amplifiers for Ka-band satellite ground "
    "terminals, reaching 10 W saturated output between 27 and 31 GHz with 30% efficiency."
)
GAN_AGAIN = (
    "This project designs GaN monolithic amplifiers for satellite communication terminals in "
    "the Ka band, targeting 12 W output power and high power-added efficiency at 29 GHz."
)
BIRDS = (
    "We tracked the spring arrival of twelve songbird species over fifteen years, using "
    "ringing records from coastal observatories, and relate it to insect emergence."
)


@pytest.fixture()
def repo(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("EXPORTCTL_DATABASE_URL", url)
    repository = CaseRepository.open(url)
    yield repository
    repository.dispose()


def decided(repo, suggester, owner, title, abstract, *, confirm: str, note: str) -> int:
    result = suggester.suggest(abstract)
    case_id = repo.create_case(owner, title=title, abstract=abstract, result=result)
    case = repo.get_case(OFFICER, case_id)
    for suggestion in case.suggestions:
        status = "confirmed" if suggestion.entry == confirm else "rejected"
        repo.review_suggestion(
            OFFICER,
            suggestion.id,
            status=status,
            note="checked",
            expected_version=suggestion.version,
        )
    case = repo.get_case(OFFICER, case_id)
    repo.decide(
        OFFICER, case_id, decision="listed_licence_needed", atas_decision="not_required",
        note=note, expected_version=case.version,
    )  # fmt: skip
    return case_id


def test_precedents_from_the_store_are_decided_cases_with_their_reviews(repo, suggester):
    before = repo.decisions_version()
    case_id = decided(repo, suggester, DEMO_RESEARCHER, "GaN PA", GAN, confirm="3A001",
                      note="Above the 3A001.b.2 power level")  # fmt: skip
    repo.create_case(
        DEMO_RESEARCHER, title="Birds", abstract=BIRDS, result=suggester.suggest(BIRDS)
    )  # fmt: skip (submitted, not decided)
    assert repo.decisions_version() != before
    book = repo.precedents()
    (precedent,) = book.precedents
    assert precedent.ref == f"C-{case_id:05d}" and precedent.owner == "researcher"
    assert precedent.confirmed == ("3A001",) and "3A001" not in precedent.rejected
    assert precedent.rejected and precedent.note == "Above the 3A001.b.2 power level"
    assert precedent.vector.shape == (384,)


def test_precedents_researchers_see_their_own_and_officers_all(repo, suggester):
    own = decided(repo, suggester, DEMO_RESEARCHER, "Own GaN PA", GAN, confirm="3A001",
                  note="Licence needed for the partner")  # fmt: skip
    other = decided(repo, suggester, OTHER_RESEARCHER, "Ravi's GaN PA", GAN, confirm="3A001",
                    note="Same amplifier family")  # fmt: skip
    at = app_as(DEMO_RESEARCHER, "screen")
    from test_app_screen import screen

    screen(at, GAN_AGAIN, title="New GaN PA")
    page = texts(at)
    assert f"C-{own:05d}" in page and "Own GaN PA" in page
    assert "Licence needed for the partner" in page
    assert f"C-{other:05d}" not in page and "Ravi's GaN PA" not in page
    gan = next(e for e in at.expander if e.label.startswith("Similar decided cases"))
    assert gan.label == "Similar decided cases (1)"

    officer = app_as(DEMO_OFFICER, "screen")
    screen(officer, GAN_AGAIN, title="New GaN PA")
    page = texts(officer)
    assert f"C-{own:05d}" in page and f"C-{other:05d}" in page


def test_precedents_an_unrelated_screening_finds_none(repo, suggester):
    decided(repo, suggester, DEMO_RESEARCHER, "GaN PA", GAN, confirm="3A001", note="n")
    at = app_as(DEMO_RESEARCHER, "screen")
    from test_app_screen import screen

    screen(at, BIRDS, title="Birds")
    assert any(e.label == "Similar decided cases (0)" for e in at.expander)
    assert "No decided case is close to this one among your own cases." in texts(at)


@pytest.mark.parametrize("learning", ["1", "0"])
def test_precedents_learning_from_decisions_can_be_switched_off(
    repo, suggester, monkeypatch, learning
):
    """An office can keep the similar decided cases on screen but stop them adjusting the
    ranking; by default an entry confirmed on a close decided case is evidence for it."""
    monkeypatch.setenv("EXPORTCTL_LEARN_FROM_DECISIONS", learning)
    decided(repo, suggester, OFFICER, "GaN PA", GAN, confirm="3A001", note="n")
    at = app_as(DEMO_OFFICER, "screen")
    from test_app_screen import screen

    screen(at, GAN_AGAIN, title="New GaN PA")
    assert any(e.label == "Similar decided cases (1)" for e in at.expander)
    shown = "confirmed on 1 similar decided case" in texts(at).lower()
    assert shown == (learning == "1")
