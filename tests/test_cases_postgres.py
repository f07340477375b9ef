"""The case store on a real PostgreSQL server, started for these tests from Debian's
``postgresql`` package. Skipped when the server or the ``psycopg`` driver is not installed."""

from __future__ import annotations

import pytest
from helpers_cases import OFFICER, OFFICER_2, RESEARCHER, stored_result
from helpers_postgres import create_database

from exportctl.cases import CaseRepository, ConcurrentEditError

pytest.importorskip("psycopg")

ABSTRACT = "Radiation-hardened microcontroller for satellites."


@pytest.fixture(scope="module")
def postgres_url(postgres_server_url):
    return create_database(postgres_server_url, "cases_postgres")


def test_cases_postgres_flow_and_append_only_audit(postgres_url):
    import sqlalchemy

    repo = CaseRepository.open(postgres_url)
    case_id = repo.create_case(
        RESEARCHER, title="MCU", abstract=ABSTRACT, result=stored_result(ABSTRACT)
    )
    case = repo.get_case(OFFICER, case_id)
    repo.review_suggestion(
        OFFICER, case.suggestions[0].id, status="confirmed", note=None, expected_version=1
    )
    case = repo.get_case(OFFICER, case_id)
    repo.decide(
        OFFICER,
        case_id,
        decision="listed_licence_needed",
        atas_decision="not_required",
        note=None,
        expected_version=case.version,
    )
    assert repo.get_case(RESEARCHER, case_id).decision == "listed_licence_needed"
    (exported,) = list(repo.export_stream(OFFICER).cases())
    assert exported.verdict == "possibly_listed"  # read from the stored result in SQL
    with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"):
        with repo.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE audit_events SET actor = 'x'")
    repo.dispose()


def test_cases_postgres_audit_rows_cannot_be_deleted(postgres_url):
    import sqlalchemy

    repo = CaseRepository.open(postgres_url)
    case_id = repo.create_case(
        RESEARCHER, title="MCU delete", abstract=ABSTRACT, result=stored_result(ABSTRACT)
    )
    trail = repo.audit_trail(OFFICER)
    assert any(e.case_id == case_id for e in trail)
    for statement in (
        f"DELETE FROM audit_events WHERE case_id = {case_id}",
        "DELETE FROM audit_events",
    ):
        with pytest.raises(sqlalchemy.exc.DatabaseError, match="audit_events is append-only"):
            with repo.engine.begin() as connection:
                connection.exec_driver_sql(statement)
    assert repo.audit_trail(OFFICER) == trail
    repo.dispose()


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("TRUNCATE audit_events", "audit_events is append-only"),
        ("TRUNCATE audit_events CASCADE", "audit_events is append-only"),
        ("TRUNCATE audit_chain", "audit_chain holds the head of the audit trail"),
        ("DELETE FROM audit_chain", "audit_chain holds the head of the audit trail"),
        ("UPDATE audit_chain SET last_id = 0", "audit_chain holds the head of the audit trail"),
    ],
)
def test_cases_postgres_audit_table_cannot_be_truncated(postgres_url, statement, message):
    """TRUNCATE does not fire row triggers: statement triggers refuse it, on the trail and on
    its chain head."""
    import sqlalchemy

    repo = CaseRepository.open(postgres_url)
    repo.create_case(
        RESEARCHER, title="MCU truncate", abstract=ABSTRACT, result=stored_result(ABSTRACT)
    )
    trail = repo.audit_trail(OFFICER)
    try:
        with pytest.raises(sqlalchemy.exc.DatabaseError, match=message):
            with repo.engine.begin() as connection:
                connection.exec_driver_sql(statement)
        assert repo.audit_trail(OFFICER) == trail
    finally:
        repo.dispose()


def test_cases_postgres_concurrent_decisions(postgres_url):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    first, second = CaseRepository.open(postgres_url), CaseRepository.open(postgres_url)
    case_id = first.create_case(
        RESEARCHER, title="MCU 2", abstract=ABSTRACT, result=stored_result(ABSTRACT)
    )
    case = first.get_case(OFFICER, case_id)
    barrier = threading.Barrier(2)

    def decide(repo, user, decision):
        barrier.wait()
        try:
            repo.decide(
                user,
                case_id,
                decision=decision,
                atas_decision="not_required",
                note=None,
                expected_version=case.version,
            )
        except ConcurrentEditError as error:
            return error
        return None

    with ThreadPoolExecutor(2) as pool:
        outcomes = [
            f.result()
            for f in [
                pool.submit(decide, first, OFFICER, "not_listed"),
                pool.submit(decide, second, OFFICER_2, "refer_ecju"),
            ]
        ]
    assert sum(isinstance(o, ConcurrentEditError) for o in outcomes) == 1
    decided = [e for e in first.audit_trail(OFFICER, case_id) if e.action == "case_decided"]
    assert len(decided) == 1
    first.dispose()
    second.dispose()


def test_cases_postgres_list_amendment_flag_queue_reconfirm_export(postgres_url):
    """A case a newer list version touches, on PostgreSQL: flagged once, first in the
    officers' queue, re-confirmed under the new version, and exported as such."""
    from dataclasses import replace

    repo = CaseRepository.open(postgres_url)
    old, new = "uk-consolidated/2025-12-16", "uk-consolidated/2026-06-01"
    result = replace(stored_result(ABSTRACT), list_version=old)
    case_id = repo.create_case(RESEARCHER, title="Amended", abstract=ABSTRACT, result=result)
    later = repo.create_case(RESEARCHER, title="Later", abstract=ABSTRACT, result=result)
    first = repo.get_case(OFFICER, case_id).suggestions[0]
    repo.review_suggestion(OFFICER, first.id, status="confirmed", note=None, expected_version=1)
    repo.decide(
        OFFICER,
        case_id,
        decision="listed_licence_needed",
        atas_decision="not_required",
        note=None,
        expected_version=repo.get_case(OFFICER, case_id).version,
    )
    assert repo.list_versions_of_cases(OFFICER)[old] >= 2
    assert set(repo.codes_under(OFFICER, old)[case_id]) == {"6A005.a", "6E002"}
    change = {"kind": "text_changed", "old_code": "6A005.a", "new_code": "6A005.a"}
    flag = dict(from_version=old, to_version=new, codes=["6A005.a"], changes=[change])
    review_id = repo.flag_amendment(OFFICER, case_id, **flag)
    assert review_id is not None
    assert repo.flag_amendment(OFFICER, case_id, **flag) is None
    page = repo.list_case_summaries(OFFICER)
    assert page.items[0].id == case_id and page.items[0].awaiting_rereview
    assert later in [c.id for c in page.items[1:]]
    assert repo.count_awaiting_rereview(OFFICER) == 1
    repo.reconfirm(
        OFFICER_2,
        case_id,
        review_id=review_id,
        note="Still listed.",
        expected_version=repo.get_case(OFFICER, case_id).version,
    )
    assert repo.count_awaiting_rereview(OFFICER) == 0
    (exported,) = [c for c in repo.export_stream(OFFICER).cases() if c.id == case_id]
    assert exported.decided_under == new
    assert exported.amendment_reviews[0].resolution == "reconfirmed"
    assert exported.amendment_reviews[0].changes == ()  # details are not read for exports
    repo.set_list_in_use(new)
    assert repo.list_in_use() == new
    repo.dispose()
