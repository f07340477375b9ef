"""Changes to a case beyond the review: the researcher corrects or withdraws a case before
review, external ids name one case only, and a refused save says who changed what, when."""

from __future__ import annotations

import pytest
from helpers_cases import OFFICER, OFFICER_2, OTHER_RESEARCHER, RESEARCHER, stored_result

from exportctl.cases import (
    AnswerInput,
    CaseInputError,
    CaseNotFoundError,
    CaseRepository,
    ConcurrentEditError,
)
from exportctl.cases.errors import DuplicateExternalIdError

ABSTRACT = "Fibre laser delivering 30 W continuous output at 1064 nm."


@pytest.fixture()
def repo(tmp_path):
    repository = CaseRepository.open(f"sqlite:///{tmp_path / 'cases.sqlite3'}")
    yield repository
    repository.dispose()


def submit(repo, user=RESEARCHER, **kwargs):
    return repo.create_case(
        user,
        title=kwargs.pop("title", "Laser"),
        abstract=ABSTRACT,
        result=stored_result(ABSTRACT),
        answers={"public_domain": AnswerInput("Published?", "unanswered")},
        **kwargs,
    )


def test_cases_edits_researcher_corrects_details_before_review(repo):
    case_id = submit(repo, partner_country="United States (US)")
    version = repo.update_case(
        RESEARCHER,
        case_id,
        expected_version=1,
        title="Fibre laser, corrected",
        partner_country="",
        visitor_level="research",
    )
    case = repo.get_case(RESEARCHER, case_id)
    assert (case.title, case.partner_country, case.visitor_level) == (
        "Fibre laser, corrected",
        None,
        "research",
    )
    assert case.version == version == 2
    last = repo.audit_trail(RESEARCHER, case_id)[-1]
    assert last.action == "case_updated"
    assert last.detail["changed"] == ["partner_country", "title", "visitor_level"]
    # Nothing changed: no new version, no audit event.
    assert repo.update_case(RESEARCHER, case_id, expected_version=2, title=case.title) == 2
    assert len(repo.audit_trail(RESEARCHER, case_id)) == 2


def test_cases_edits_new_abstract_replaces_the_suggestions(repo):
    case_id = submit(repo)
    text = "A 77 GHz radar sensor for cars."
    repo.update_case(
        RESEARCHER,
        case_id,
        expected_version=1,
        abstract=text,
        result=stored_result(text, ("6A008.d",)),
    )
    case = repo.get_case(OFFICER, case_id)
    assert case.abstract == text
    assert [s.code for s in case.suggestions] == ["6A008.d"]
    with pytest.raises(CaseInputError, match="needs its new screening"):
        repo.update_case(RESEARCHER, case_id, expected_version=2, abstract="x")


def test_cases_edits_only_the_owner_and_only_before_review(repo):
    case_id = submit(repo)
    with pytest.raises(CaseInputError, match="Only the researcher who owns"):
        repo.update_case(OFFICER, case_id, expected_version=1, title="Officer's title")
    s = repo.get_case(OFFICER, case_id).suggestions[0]
    repo.review_suggestion(OFFICER, s.id, status="confirmed", note=None, expected_version=1)
    version = repo.get_case(RESEARCHER, case_id).version
    with pytest.raises(CaseInputError, match="before an officer starts the review"):
        repo.update_case(RESEARCHER, case_id, expected_version=version, title="Late change")
    with pytest.raises(CaseInputError, match="before an officer starts the review"):
        repo.set_answer(
            RESEARCHER,
            case_id,
            "public_domain",
            AnswerInput("Published?", "yes"),
            expected_version=version,
        )
    assert repo.get_case(OFFICER, case_id).title == "Laser"


def test_cases_edits_researcher_withdraws_a_waiting_case(repo):
    case_id = submit(repo)
    with pytest.raises(CaseInputError, match="Say why"):
        repo.withdraw(RESEARCHER, case_id, reason=" ", expected_version=1)
    with pytest.raises(CaseInputError, match="Only the researcher who owns"):
        repo.withdraw(OFFICER, case_id, reason="tidy", expected_version=1)
    repo.withdraw(RESEARCHER, case_id, reason="Project cancelled", expected_version=1)
    case = repo.get_case(OFFICER, case_id)
    assert case.status == "withdrawn"
    last = repo.audit_trail(OFFICER, case_id)[-1]
    assert (last.action, last.detail["reason"]) == ("case_withdrawn", "Project cancelled")
    with pytest.raises(CaseInputError, match="withdrawn"):
        repo.decide(
            OFFICER,
            case_id,
            decision="not_listed",
            atas_decision="not_applicable",
            note=None,
            expected_version=case.version,
        )


def test_cases_edits_other_researcher_cannot_touch_a_case(repo):
    case_id = submit(repo)
    with pytest.raises(CaseNotFoundError, match="No case C-"):
        repo.withdraw(OTHER_RESEARCHER, case_id, reason="mine now", expected_version=1)


def test_cases_edits_refusal_names_who_changed_the_record_and_when(repo):
    case_id = submit(repo)
    s = repo.get_case(OFFICER, case_id).suggestions[0]
    repo.review_suggestion(OFFICER_2, s.id, status="confirmed", note="B", expected_version=1)
    with pytest.raises(ConcurrentEditError) as caught:
        repo.review_suggestion(OFFICER, s.id, status="rejected", note="A", expected_version=1)
    error = caught.value
    assert error.changed_by == "ola" and error.changed_at is not None
    assert f"6A005.a on C-{case_id:05d} was changed by ola at" in error.message
    assert "(confirmed)" in error.message and "reload the case" in error.message
    with pytest.raises(ConcurrentEditError, match="was changed by ola"):
        repo.decide(
            OFFICER,
            case_id,
            decision="refer_ecju",
            atas_decision="not_assessed",
            note=None,
            expected_version=1,
        )


def test_cases_edits_saves_return_new_versions(repo):
    case_id = submit(repo)
    first, second = repo.get_case(OFFICER, case_id).suggestions
    assert repo.review_suggestion(
        OFFICER, first.id, status="confirmed", note=None, expected_version=1
    ) == (2, 2)
    assert repo.review_suggestion(
        OFFICER_2, second.id, status="rejected", note="no", expected_version=1
    ) == (2, 3)
    version = repo.decide(
        OFFICER,
        case_id,
        decision="listed_licence_needed",
        atas_decision="not_applicable",
        note=None,
        expected_version=3,
    )
    assert version == 4 == repo.get_case(OFFICER, case_id).version
    assert repo.reopen(OFFICER, case_id, reason="again", expected_version=4) == 5


def test_cases_edits_external_id_names_one_case(repo):
    first = submit(repo, OFFICER, external_id=" G-1 ")
    with pytest.raises(DuplicateExternalIdError, match=f"already exists \\(C-{first:05d}\\)"):
        submit(repo, OFFICER, external_id="G-1")
    assert repo.external_ids(OFFICER, ["G-1", "G-2"]) == {"G-1": first}
    assert len(repo.list_cases(OFFICER)) == 1
    submit(repo, OFFICER)  # no id: any number of cases
    submit(repo, OFFICER)
    assert len(repo.list_cases(OFFICER)) == 3


def test_cases_edits_database_refuses_a_repeated_external_id(repo):
    """The unique index stands behind the check (two app servers racing)."""
    import sqlite3

    submit(repo, OFFICER, external_id="G-1")
    path = repo.engine.url.database
    connection = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError):
        connection.execute(
            "INSERT INTO cases (external_id, title, abstract, researcher, researcher_name, "
            "created_by, status, created_at, updated_at, list_version, result_json, version) "
            "SELECT external_id, title, abstract, researcher, researcher_name, created_by, "
            "status, created_at, updated_at, list_version, result_json, version FROM cases"
        )
    connection.close()


def test_cases_edits_stored_result_keeps_evidence_once(repo):
    case_id = submit(repo)
    case = repo.get_case(OFFICER, case_id)
    assert [c["code"] for c in case.result["controls"]] == ["6A005.a", "6E002"]
    assert "evidence" not in case.result["controls"][0]
    assert case.suggestions[0].evidence  # kept on the suggestion
