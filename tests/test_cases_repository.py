from __future__ import annotations

import sqlite3

import pytest
from helpers_cases import OFFICER, OTHER_RESEARCHER, RESEARCHER, stored_result

from exportctl.auth import PermissionDeniedError
from exportctl.cases import (
    AnswerInput,
    CaseInputError,
    CaseNotFoundError,
    CaseRepository,
    ConcurrentEditError,
    NewEntry,
)

ABSTRACT = "Fibre laser delivering 30 W continuous output at 1064 nm for materials processing."


@pytest.fixture()
def repo(tmp_path):
    repository = CaseRepository.open(f"sqlite:///{tmp_path / 'cases.sqlite3'}")
    yield repository
    repository.dispose()


def submit(repo, user=RESEARCHER, **kwargs):
    return repo.create_case(
        user,
        title=kwargs.pop("title", "Fibre laser"),
        abstract=kwargs.pop("abstract", ABSTRACT),
        result=kwargs.pop("result", stored_result(ABSTRACT)),
        answers={"public_domain": AnswerInput("Will the results be published?", "yes")},
        **kwargs,
    )


def test_cases_repository_create_and_read_back(repo):
    case_id = submit(repo, partner_country="Japan")
    case = repo.get_case(RESEARCHER, case_id)
    assert case.ref == f"C-{case_id:05d}"
    assert case.status == "submitted"
    assert case.researcher == "rosa"
    assert case.partner_country == "Japan"
    assert [s.code for s in case.suggestions] == ["6A005.a", "6E002"]
    assert case.suggestions[0].evidence[0]["clause_code"] == "6A005.a"
    assert case.suggestions[0].thresholds[0]["status"] == "unknown"
    assert case.answers[0].answer == "yes"
    assert case.list_version == "uk-consolidated/2025-12-16"
    trail = repo.audit_trail(RESEARCHER, case_id)
    assert [e.action for e in trail] == ["case_submitted"]
    assert trail[0].list_version == "uk-consolidated/2025-12-16"


def test_cases_repository_researchers_see_only_their_own_cases(repo):
    mine = submit(repo)
    theirs = submit(repo, OTHER_RESEARCHER)
    assert [c.id for c in repo.list_cases(RESEARCHER)] == [mine]
    assert {c.id for c in repo.list_cases(OFFICER)} == {mine, theirs}
    with pytest.raises(CaseNotFoundError):
        repo.get_case(RESEARCHER, theirs)
    with pytest.raises(CaseNotFoundError):
        repo.audit_trail(RESEARCHER, theirs)


@pytest.mark.parametrize(
    "action",
    [
        lambda repo, case: repo.review_suggestion(
            RESEARCHER,
            case.suggestions[0].id,
            status="confirmed",
            note=None,
            expected_version=case.suggestions[0].version,
        ),
        lambda repo, case: repo.add_entry(
            RESEARCHER, case.id, NewEntry("3A001", "3A001", "dual-use", "Electronics"), note=None
        ),
        lambda repo, case: repo.decide(
            RESEARCHER,
            case.id,
            decision="not_listed",
            atas_decision="not_assessed",
            note=None,
            expected_version=case.version,
        ),
        lambda repo, case: repo.reopen(RESEARCHER, case.id, reason="x", expected_version=1),
        lambda repo, case: repo.export_data(RESEARCHER),
        lambda repo, case: repo.audit_trail(RESEARCHER),
    ],
    ids=["review", "add_entry", "decide", "reopen", "export", "full_audit"],
)
def test_cases_repository_researcher_cannot_use_officer_actions(repo, action):
    case = repo.get_case(RESEARCHER, submit(repo))
    with pytest.raises(PermissionDeniedError):
        action(repo, case)
    assert [e.action for e in repo.audit_trail(OFFICER, case.id)] == ["case_submitted"]


def test_cases_repository_review_add_decide_flow(repo):
    case = repo.get_case(OFFICER, submit(repo))
    first, second = case.suggestions
    repo.review_suggestion(
        OFFICER, first.id, status="confirmed", note="30 W exceeds", expected_version=1
    )
    repo.review_suggestion(
        OFFICER, second.id, status="rejected", note="No technology transfer", expected_version=1
    )
    repo.add_entry(
        OFFICER, case.id, NewEntry("6A005.b", "6A005", "dual-use", "Lasers, b."), note="missed"
    )
    case = repo.get_case(OFFICER, case.id)
    assert case.status == "in_review"
    assert case.confirmed_codes == ("6A005.a", "6A005.b")
    repo.decide(
        OFFICER,
        case.id,
        decision="listed_licence_needed",
        atas_decision="not_applicable",
        note="Licence before shipping",
        expected_version=case.version,
    )
    case = repo.get_case(RESEARCHER, case.id)
    assert case.status == "decided"
    assert case.decision_label == "Listed — licence needed"
    assert case.officer == "olu"
    actions = [e.action for e in repo.audit_trail(OFFICER, case.id)]
    assert actions == [
        "case_submitted",
        "suggestion_confirmed",
        "suggestion_rejected",
        "entry_added",
        "case_decided",
    ]
    events = repo.audit_trail(OFFICER, case.id)
    assert events[1].actor == "olu" and events[1].target == "6A005.a"
    assert events[1].detail == {
        "before": "pending",
        "after": "confirmed",
        "note": "30 W exceeds",
        "list": "dual-use",
    }


def test_cases_repository_rejection_needs_a_note(repo):
    case = repo.get_case(OFFICER, submit(repo))
    with pytest.raises(CaseInputError, match="needs a note"):
        repo.review_suggestion(
            OFFICER, case.suggestions[0].id, status="rejected", note="  ", expected_version=1
        )


def test_cases_repository_listed_decision_needs_confirmed_entry(repo):
    case = repo.get_case(OFFICER, submit(repo))
    with pytest.raises(CaseInputError, match="confirm a suggestion"):
        repo.decide(
            OFFICER,
            case.id,
            decision="listed_licence_needed",
            atas_decision="required",
            note=None,
            expected_version=case.version,
        )
    assert repo.get_case(OFFICER, case.id).status == "submitted"


def test_cases_repository_stale_version_is_refused(repo):
    case = repo.get_case(OFFICER, submit(repo))
    repo.decide(
        OFFICER,
        case.id,
        decision="not_listed",
        atas_decision="not_required",
        note=None,
        expected_version=case.version,
    )
    with pytest.raises(ConcurrentEditError):
        repo.decide(
            OFFICER,
            case.id,
            decision="refer_ecju",
            atas_decision="not_required",
            note=None,
            expected_version=case.version,
        )
    assert repo.get_case(OFFICER, case.id).decision == "not_listed"


def test_cases_repository_decided_case_is_reopened_with_a_reason(repo):
    case = repo.get_case(OFFICER, submit(repo))
    repo.decide(
        OFFICER,
        case.id,
        decision="not_listed",
        atas_decision="not_required",
        note=None,
        expected_version=case.version,
    )
    case = repo.get_case(OFFICER, case.id)
    with pytest.raises(CaseInputError, match="reopen"):
        repo.review_suggestion(
            OFFICER, case.suggestions[0].id, status="confirmed", note=None, expected_version=1
        )
    repo.reopen(OFFICER, case.id, reason="New information", expected_version=case.version)
    case = repo.get_case(OFFICER, case.id)
    assert case.status == "in_review"
    assert case.decision == "not_listed"  # kept until the new decision


def test_cases_repository_answer_change_is_audited(repo):
    case = repo.get_case(RESEARCHER, submit(repo))
    repo.set_answer(
        RESEARCHER,
        case.id,
        "basic_research",
        AnswerInput("Basic research?", "no", "Applied"),
        expected_version=case.version,
    )
    case = repo.get_case(RESEARCHER, case.id)
    assert {a.key: a.answer for a in case.answers} == {
        "public_domain": "yes",
        "basic_research": "no",
    }
    last = repo.audit_trail(RESEARCHER, case.id)[-1]
    assert (last.action, last.target, last.detail["after"]) == (
        "answer_set",
        "basic_research",
        "no",
    )
    with pytest.raises(CaseInputError):
        repo.set_answer(
            RESEARCHER, case.id, "x", AnswerInput("?", "maybe"), expected_version=case.version
        )


def test_cases_repository_audit_rows_cannot_be_changed(repo, tmp_path):
    submit(repo)
    connection = sqlite3.connect(tmp_path / "cases.sqlite3")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("UPDATE audit_events SET actor = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("DELETE FROM audit_events")
    connection.close()


def test_cases_repository_data_survives_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'restart.sqlite3'}"
    first = CaseRepository.open(url)
    case_id = submit(first)
    case = first.get_case(OFFICER, case_id)
    first.decide(
        OFFICER,
        case_id,
        decision="refer_ecju",
        atas_decision="not_assessed",
        note="Ask ECJU",
        expected_version=case.version,
    )
    first.dispose()
    second = CaseRepository.open(url)
    assert second.get_case(OFFICER, case_id).decision == "refer_ecju"
    second.dispose()


def test_cases_repository_export_is_recorded_once_written(repo):
    """Reading an export records nothing; the record comes once the file is written, with
    the file's hash and the chain head it holds."""
    submit(repo)
    stream = repo.export_stream(OFFICER)
    assert len(list(stream.cases())) == 1
    assert [e.action for e in stream.audit()] == ["case_submitted"]
    assert [e.action for e in repo.audit_trail(OFFICER)] == ["case_submitted"]
    event = repo.record_export(OFFICER, stream, file_name="d.xlsx", sha256="ab" * 32, size=10)
    assert event.action == "decisions_exported" and event.case_id is None
    assert event.detail == {
        "cases": 1,
        "scope": "all cases",
        "file": "d.xlsx",
        "sha256": "ab" * 32,
        "bytes": 10,
        "chain_head": str(stream.chain_head),
    }
    assert repo.audit_trail(OFFICER)[-1] == event
