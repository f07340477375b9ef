"""Two officers saving at once, each through their own connection to one SQLite file (as two
app servers would)."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from helpers_cases import OFFICER, OFFICER_2, RESEARCHER, stored_result

from exportctl.cases import CaseRepository, ConcurrentEditError
from exportctl.cases.errors import CaseInputError
from exportctl.cases.repository import NewEntry

ABSTRACT = "Terahertz imaging sensor for security screening."


@pytest.fixture()
def two_repos(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    first, second = CaseRepository.open(url), CaseRepository.open(url)
    yield first, second
    first.dispose()
    second.dispose()


def run_together(*calls):
    """Start every call at the same moment; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            return call()
        except ConcurrentEditError as error:
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(run, c) for c in calls]]


def new_case(repo):
    case_id = repo.create_case(
        RESEARCHER, title="THz", abstract=ABSTRACT, result=stored_result(ABSTRACT)
    )
    return repo.get_case(OFFICER, case_id)


def test_cases_concurrency_two_officers_confirm_different_entries(two_repos):
    first, second = two_repos
    case = new_case(first)
    a, b = case.suggestions
    outcomes = run_together(
        lambda: first.review_suggestion(
            OFFICER, a.id, status="confirmed", note="yes", expected_version=a.version
        ),
        lambda: second.review_suggestion(
            OFFICER_2, b.id, status="rejected", note="no", expected_version=b.version
        ),
    )
    # Both saves succeed, each suggestion moves to version 2, and the case counts both changes.
    assert sorted(outcomes) == [(2, case.version + 1), (2, case.version + 2)]
    case = first.get_case(OFFICER, case.id)
    assert {s.code: (s.status, s.reviewed_by) for s in case.suggestions} == {
        a.code: ("confirmed", "olu"),
        b.code: ("rejected", "ola"),
    }
    actions = sorted(e.action for e in first.audit_trail(OFFICER, case.id))
    assert actions == ["case_submitted", "suggestion_confirmed", "suggestion_rejected"]


def test_cases_concurrency_same_decision_saved_twice_keeps_one_and_refuses_other(two_repos):
    first, second = two_repos
    case = new_case(first)
    outcomes = run_together(
        lambda: first.decide(
            OFFICER,
            case.id,
            decision="not_listed",
            atas_decision="not_required",
            note="A",
            expected_version=case.version,
        ),
        lambda: second.decide(
            OFFICER_2,
            case.id,
            decision="refer_ecju",
            atas_decision="required",
            note="B",
            expected_version=case.version,
        ),
    )
    errors = [o for o in outcomes if isinstance(o, ConcurrentEditError)]
    assert len(errors) == 1
    winner = 0 if outcomes[0] == case.version + 1 else 1
    stored = second.get_case(OFFICER, case.id)
    assert stored.decision == ["not_listed", "refer_ecju"][winner]
    assert stored.officer == ["olu", "ola"][winner]
    decided = [e for e in first.audit_trail(OFFICER, case.id) if e.action == "case_decided"]
    assert len(decided) == 1


def test_cases_concurrency_same_suggestion_reviewed_twice(two_repos):
    first, second = two_repos
    case = new_case(first)
    target = case.suggestions[0]
    outcomes = run_together(
        lambda: first.review_suggestion(
            OFFICER, target.id, status="confirmed", note=None, expected_version=target.version
        ),
        lambda: second.review_suggestion(
            OFFICER_2, target.id, status="rejected", note="n/a", expected_version=target.version
        ),
    )
    assert sum(isinstance(o, ConcurrentEditError) for o in outcomes) == 1
    reviews = [e for e in first.audit_trail(OFFICER, case.id) if e.action.startswith("suggestion_")]
    assert len(reviews) == 1


def test_cases_concurrency_many_writers_lose_nothing(two_repos):
    first, second = two_repos

    def submit_many(repo, prefix):
        return [
            repo.create_case(
                RESEARCHER, title=f"{prefix}{i}", abstract=ABSTRACT, result=stored_result(ABSTRACT)
            )
            for i in range(15)
        ]

    ids_a, ids_b = run_together(lambda: submit_many(first, "a"), lambda: submit_many(second, "b"))
    assert len(set(ids_a) | set(ids_b)) == 30
    assert len(first.list_cases(OFFICER)) == 30


def test_cases_concurrency_stale_reopen_or_decision_names_who_changed_the_case(two_repos):
    """An officer who opened a case before another reopened or changed it is told who did, not
    that the case 'is not decided' or has other entries confirmed."""
    first, second = two_repos
    case = new_case(first)
    version = first.decide(
        OFFICER,
        case.id,
        decision="not_listed",
        atas_decision="not_required",
        note=None,
        expected_version=case.version,
    )
    second.reopen(OFFICER_2, case.id, reason="look again", expected_version=version)
    with pytest.raises(ConcurrentEditError, match="changed by ola .*reopened"):
        first.reopen(OFFICER, case.id, reason="me too", expected_version=version)
    reopened = first.get_case(OFFICER, case.id)
    second.review_suggestion(
        OFFICER_2,
        reopened.suggestions[0].id,
        status="confirmed",
        note=None,
        expected_version=reopened.suggestions[0].version,
    )
    with pytest.raises(ConcurrentEditError, match="changed by ola .*confirmed"):
        first.decide(
            OFFICER,
            case.id,
            decision="not_listed",
            atas_decision="not_required",
            note=None,
            expected_version=reopened.version,
        )


def test_cases_concurrency_review_on_a_case_decided_meanwhile_names_who_decided(two_repos):
    """An officer confirming or adding an entry on a case another officer has just decided is
    told who decided it and when, not only that it 'is decided'; nothing changes."""
    first, second = two_repos
    case = new_case(first)
    opened = first.get_case(OFFICER, case.id)
    second.decide(
        OFFICER_2,
        case.id,
        decision="not_listed",
        atas_decision="not_required",
        note=None,
        expected_version=case.version,
    )
    target = opened.suggestions[0]
    with pytest.raises(CaseInputError) as refused:
        first.review_suggestion(
            OFFICER, target.id, status="confirmed", note=None, expected_version=target.version
        )
    message = str(refused.value)
    assert re.search(rf"{case.ref} was decided by ola at \d{{4}}-\d\d-\d\d \d\d:\d\d UTC", message)
    assert "nothing was changed" in message and "reopen it" in message
    with pytest.raises(CaseInputError, match=f"{case.ref} was decided by ola at .*reopen it"):
        first.add_entry(
            OFFICER,
            case.id,
            NewEntry(code="3A001", entry="3A001", list_name="dual-use", title="Electronics"),
            note="missed",
            expected_version=opened.version,
        )
    after = first.get_case(OFFICER, case.id)
    assert [s.status for s in after.suggestions] == ["pending", "pending"]
