"""The tamper-evident audit trail: each record hashed with the one before it; ``exportctl
audit verify`` names the first record changed, removed or added behind the app's back, on
SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner
from helpers_cases import OFFICER, OFFICER_2, RESEARCHER, stored_result
from sqlalchemy import select

from exportctl.cases import CaseRepository
from exportctl.cases.audit_chain import GENESIS, HASHED, ChainHead, record_hash, verify_chain
from exportctl.cases.commands import audit_group
from exportctl.cases.models import AuditRow

ABSTRACT = "Hypersonic scramjet combustor tested at Mach 6."


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'chain.sqlite3'}"
    from helpers_postgres import create_database

    server = request.getfixturevalue("postgres_server_url")
    return create_database(server, f"chain_{uuid.uuid4().hex[:12]}")


@pytest.fixture()
def repo(url):
    repository = CaseRepository.open(url)
    yield repository
    repository.dispose()


def busy_history(repo) -> int:
    """A case submitted, reviewed, decided and reopened, and another submitted: six audit
    records."""
    case_id = repo.create_case(
        RESEARCHER, title="Scramjet", abstract=ABSTRACT, result=stored_result(ABSTRACT)
    )
    case = repo.get_case(OFFICER, case_id)
    repo.review_suggestion(
        OFFICER, case.suggestions[0].id, status="confirmed", note=None, expected_version=1
    )
    repo.review_suggestion(
        OFFICER, case.suggestions[1].id, status="rejected", note="no", expected_version=1
    )
    case = repo.get_case(OFFICER, case_id)
    version = repo.decide(
        OFFICER,
        case_id,
        decision="listed_licence_needed",
        atas_decision="not_required",
        note=None,
        expected_version=case.version,
    )
    repo.reopen(OFFICER_2, case_id, reason="check", expected_version=version)
    repo.create_case(RESEARCHER, title="Second", abstract=ABSTRACT, result=stored_result(ABSTRACT))
    return case_id


def tamper(repo, *statements: str) -> None:
    """Run SQL behind the app's back, lifting the append-only triggers as an intruder with
    the owner's rights would."""
    with repo.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
            connection.exec_driver_sql("ALTER TABLE audit_chain DISABLE TRIGGER USER")
        else:
            for trigger in ("audit_events_no_update", "audit_events_no_delete"):
                connection.exec_driver_sql(f"DROP TRIGGER {trigger}")
            connection.exec_driver_sql("DROP TRIGGER audit_chain_no_rewind")
        for statement in statements:
            connection.exec_driver_sql(statement)


def verify(url: str, *args: str):
    return CliRunner().invoke(audit_group, ["verify", "--database-url", url, *args])


def test_cases_audit_chain_each_record_links_to_the_one_before(repo, url):
    busy_history(repo)
    trail = repo.audit_trail(OFFICER)
    assert [e.id for e in trail] == list(range(1, 7))
    previous = GENESIS
    with repo.engine.connect() as connection:
        rows = connection.execute(select(AuditRow.__table__).order_by(AuditRow.id)).all()
    for row in rows:
        assert row.prev_hash == previous
        assert row.record_hash == record_hash(previous, row._mapping)
        previous = row.record_hash
    report = verify_chain(repo.engine)
    assert report.intact and report.records == 6
    assert report.head == ChainHead(6, previous)
    result = verify(url)
    assert result.exit_code == 0, result.output
    assert f"Audit trail intact: 6 records, chain head 6:{previous}." in result.output


def test_cases_audit_chain_verify_names_a_record_edited_behind_the_apps_back(repo, url):
    case_id = busy_history(repo)
    decided = next(e for e in repo.audit_trail(OFFICER, case_id) if e.action == "case_decided")
    tamper(
        repo,
        "UPDATE audit_events SET detail_json = replace(detail_json, 'listed_licence_needed', "
        f"'not_listed') WHERE id = {decided.id}",
    )
    result = verify(url)
    assert result.exit_code == 1
    assert f"broken at record {decided.id}:" in result.output
    assert "does not match its hash: its content was changed" in result.output
    assert "olu, case_decided" in result.output


@pytest.mark.parametrize(
    ("statements", "broken", "words"),
    [
        (["DELETE FROM audit_events WHERE id = 3"], 4, "does not follow record 2"),
        (["DELETE FROM audit_events WHERE id = 6"], 6, "chain ends at record 5"),
        (
            [
                "INSERT INTO audit_events (id, at, actor, actor_role, action, detail_json) "
                "VALUES (7, '2026-01-01 00:00:00', 'olu', 'officer', 'case_decided', '{}')"
            ],
            7,
            "beyond the chain's head",
        ),
        (["UPDATE audit_events SET actor = 'ola' WHERE id = 1"], 1, "does not match its hash"),
    ],
    ids=["removed in the middle", "removed at the end", "added at the end", "first altered"],
)
def test_cases_audit_chain_verify_catches_removed_and_added_records(
    repo, url, statements, broken, words
):
    busy_history(repo)
    tamper(repo, *statements)
    report = verify_chain(repo.engine)
    assert report.broken is not None
    assert report.broken.record_id == broken
    assert words in report.broken.reason


def test_cases_audit_chain_a_rewritten_chain_fails_against_a_printed_head(repo, url):
    """An intruder who edits a record and recomputes every hash after it makes the chain
    agree with itself, but not with a head printed before."""
    busy_history(repo)
    printed = verify_chain(repo.engine).head
    with repo.engine.connect() as connection:
        rows = [
            dict(row._mapping)
            for row in connection.execute(
                select(*(AuditRow.__table__.c[name] for name in HASHED)).order_by(AuditRow.id)
            )
        ]
    rows[2]["actor"] = "someone-else"
    statements, previous = [], GENESIS
    for row in rows:
        digest = record_hash(previous, row)
        statements.append(
            f"UPDATE audit_events SET actor = '{row['actor']}', prev_hash = '{previous}', "
            f"record_hash = '{digest}' WHERE id = {row['id']}"
        )
        previous = digest
    statements.append(f"UPDATE audit_chain SET last_hash = '{previous}'")
    tamper(repo, *statements)
    assert verify_chain(repo.engine).intact
    result = verify(url, "--head", str(printed))
    assert result.exit_code == 1
    assert "the chain was rewritten since" in result.output
    assert verify(url, "--head", "6:abc").exit_code == 2  # not a head: a usage error


def test_cases_audit_chain_concurrent_writers_keep_one_chain(url):
    first, second = CaseRepository.open(url), CaseRepository.open(url)
    barrier = threading.Barrier(2)

    def submit_many(repo, prefix):
        barrier.wait()
        for i in range(12):
            repo.create_case(
                RESEARCHER, title=f"{prefix}{i}", abstract=ABSTRACT, result=stored_result(ABSTRACT)
            )

    try:
        with ThreadPoolExecutor(2) as pool:
            for future in [
                pool.submit(submit_many, first, "a"),
                pool.submit(submit_many, second, "b"),
            ]:
                future.result()
        report = verify_chain(first.engine)
        assert report.intact and report.records == 24
    finally:
        first.dispose()
        second.dispose()
