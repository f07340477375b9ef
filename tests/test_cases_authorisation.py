"""Who may do what to a case, enforced by the case store itself (not only by which pages the app
shows): every action, tried by a researcher on their own case (wrong role for officer actions)
and on another researcher's case (wrong owner), refused with the store's own error and leaving
the case as it was; the same calls made by an officer succeed, so each refusal is about the
actor. Also: answering on a decided case, and the counts each user sees."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from helpers_cases import OFFICER, OTHER_RESEARCHER, RESEARCHER, stored_result

from exportctl.auth import PermissionDeniedError, User
from exportctl.cases import (
    AnswerInput,
    CaseInputError,
    CaseNotFoundError,
    CaseRepository,
    NewEntry,
)
from exportctl.cases.records import CaseRecord

ABSTRACT = "Fibre laser delivering 30 W continuous output at 1064 nm for materials processing."


@pytest.fixture()
def repo(tmp_path):
    repository = CaseRepository.open(f"sqlite:///{tmp_path / 'cases.sqlite3'}")
    yield repository
    repository.dispose()


def submit(repo: CaseRepository, owner: User) -> CaseRecord:
    case_id = repo.create_case(
        owner,
        title="Fibre laser",
        abstract=ABSTRACT,
        result=stored_result(ABSTRACT),
        answers={"public_domain": AnswerInput("Will the results be published?", "yes")},
    )
    return repo.get_case(OFFICER, case_id)


def decided(repo: CaseRepository, owner: User) -> CaseRecord:
    case = submit(repo, owner)
    repo.decide(
        OFFICER,
        case.id,
        decision="not_listed",
        atas_decision="not_required",
        note=None,
        expected_version=case.version,
    )
    return repo.get_case(OFFICER, case.id)


@dataclass(frozen=True)
class Action:
    run: Callable[[CaseRepository, User, CaseRecord], object]
    officer_only: str | None = None  # the store's words for it, when only officers may
    needs_decided_case: bool = False
    on_own_case_allowed: bool = False  # for a researcher, on their own case


ACTIONS = {
    "read the case": Action(
        lambda repo, user, case: repo.get_case(user, case.id), on_own_case_allowed=True
    ),
    "read its audit trail": Action(
        lambda repo, user, case: repo.audit_trail(user, case.id), on_own_case_allowed=True
    ),
    "answer a question": Action(
        lambda repo, user, case: repo.set_answer(
            user,
            case.id,
            "basic_research",
            AnswerInput("Is it basic research?", "no"),
            expected_version=case.version,
        ),
        on_own_case_allowed=True,
    ),
    # On their own case this is a researcher submitting for themself, which they may.
    "create a case for its researcher": Action(
        lambda repo, user, case: repo.create_case(
            user,
            title="On someone's behalf",
            abstract=ABSTRACT,
            result=stored_result(ABSTRACT),
            researcher=User(case.researcher, case.researcher_name, "researcher"),
        ),
        officer_only="create cases for someone else",
        on_own_case_allowed=True,
    ),
    "confirm a suggestion": Action(
        lambda repo, user, case: repo.review_suggestion(
            user,
            case.suggestions[0].id,
            status="confirmed",
            note=None,
            expected_version=case.suggestions[0].version,
        ),
        officer_only="confirm or reject suggestions",
    ),
    "add an entry": Action(
        lambda repo, user, case: repo.add_entry(
            user, case.id, NewEntry("3A001", "3A001", "dual-use", "Electronics"), note=None
        ),
        officer_only="add entries to a case",
    ),
    "decide": Action(
        lambda repo, user, case: repo.decide(
            user,
            case.id,
            decision="not_listed",
            atas_decision="not_assessed",
            note=None,
            expected_version=case.version,
        ),
        officer_only="decide cases",
    ),
    "reopen": Action(
        lambda repo, user, case: repo.reopen(
            user, case.id, reason="New information", expected_version=case.version
        ),
        officer_only="reopen cases",
        needs_decided_case=True,
    ),
    "export decisions": Action(
        lambda repo, user, case: repo.export_data(user), officer_only="export decisions"
    ),
    "read the whole audit trail": Action(
        lambda repo, user, case: repo.audit_trail(user), officer_only="read the whole audit trail"
    ),
}


def snapshot(repo: CaseRepository, case_id: int) -> tuple:
    case = repo.get_case(OFFICER, case_id)
    return (
        case.version,
        case.status,
        case.decision,
        [(s.code, s.status, s.version) for s in case.suggestions],
        [(a.key, a.answer) for a in case.answers],
        len(repo.list_cases(OFFICER)),
        [e.action for e in repo.audit_trail(OFFICER, case_id)],
    )


def target_case(repo: CaseRepository, action: Action, owner: User) -> CaseRecord:
    return decided(repo, owner) if action.needs_decided_case else submit(repo, owner)


@pytest.mark.parametrize("name", list(ACTIONS))
def test_cases_authorisation_officer_may_do_each_action(repo, name):
    action = ACTIONS[name]
    case = target_case(repo, action, RESEARCHER)
    action.run(repo, OFFICER, case)


@pytest.mark.parametrize("whose", ["own", "other researcher's"])
@pytest.mark.parametrize("name", list(ACTIONS))
def test_cases_authorisation_researcher_refused_by_the_store(repo, name, whose):
    action = ACTIONS[name]
    owner = RESEARCHER if whose == "own" else OTHER_RESEARCHER
    case = target_case(repo, action, owner)
    before = snapshot(repo, case.id)
    if whose == "own" and action.on_own_case_allowed:
        action.run(repo, RESEARCHER, case)
        return
    if action.officer_only:
        # Wrong role: refused whoever owns the case, before the case is even looked at.
        expected: tuple[type[Exception], str] = (
            PermissionDeniedError,
            f"Only an export-control officer can {action.officer_only}; you are signed in as "
            "'rosa' (researcher).",
        )
    else:
        # Wrong owner: the same answer as for a case that does not exist.
        expected = (CaseNotFoundError, f"No case {case.ref} that you can see.")
    error, message = expected
    with pytest.raises(error) as refused:
        action.run(repo, RESEARCHER, case)
    assert str(refused.value).endswith(message)
    assert snapshot(repo, case.id) == before


def test_cases_authorisation_other_researchers_case_looks_like_a_missing_one(repo):
    theirs = submit(repo, OTHER_RESEARCHER)
    with pytest.raises(CaseNotFoundError) as hidden:
        repo.get_case(RESEARCHER, theirs.id)
    with pytest.raises(CaseNotFoundError) as missing:
        repo.get_case(RESEARCHER, 999)
    assert str(hidden.value).replace(theirs.ref, "C-?") == str(missing.value).replace(
        "C-00999", "C-?"
    )


def test_cases_authorisation_answering_on_a_decided_case(repo):
    case = decided(repo, RESEARCHER)
    before = snapshot(repo, case.id)
    answer = AnswerInput("Is it basic research?", "no")
    with pytest.raises(CaseInputError) as refused:
        repo.set_answer(
            RESEARCHER, case.id, "basic_research", answer, expected_version=case.version
        )
    assert str(refused.value).endswith(f"{case.ref} is decided; ask an officer to reopen it first.")
    assert snapshot(repo, case.id) == before
    # An officer may still record what the researcher told them; the decision stands.
    repo.set_answer(OFFICER, case.id, "basic_research", answer, expected_version=case.version)
    after = repo.get_case(RESEARCHER, case.id)
    assert after.status == "decided" and after.decision == "not_listed"
    assert {a.key: (a.answer, a.answered_by) for a in after.answers}["basic_research"] == (
        "no",
        "olu",
    )
    last = repo.audit_trail(OFFICER, case.id)[-1]
    assert (last.action, last.actor, last.target) == ("answer_set", "olu", "basic_research")


def test_cases_authorisation_counts_are_per_researcher(repo):
    submit(repo, RESEARCHER)
    decided(repo, RESEARCHER)
    for _ in range(3):
        submit(repo, OTHER_RESEARCHER)
    decided(repo, OTHER_RESEARCHER)
    zero = dict.fromkeys(repo.count_by_status(OFFICER), 0)
    assert repo.count_by_status(RESEARCHER) == {**zero, "submitted": 1, "decided": 1}
    assert repo.count_by_status(OTHER_RESEARCHER) == {**zero, "submitted": 3, "decided": 1}
    assert repo.count_by_status(OFFICER) == {**zero, "submitted": 4, "decided": 2}
    assert len(repo.list_cases(RESEARCHER)) == 2
    assert len(repo.list_cases(OTHER_RESEARCHER, status="submitted")) == 3
    nobody = User("nobody", "No One", "researcher")
    assert repo.count_by_status(nobody) == zero and repo.list_cases(nobody) == []
