"""``exportctl cases backup`` and ``restore``: a round trip through a backup file brings back
every case and audit record as they were, keeps the database it replaces, and signs everyone
out; PostgreSQL is pointed at pg_dump."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from click.testing import CliRunner
from helpers_cases import OFFICER, RESEARCHER, stored_result

from exportctl.cases import CaseRepository
from exportctl.cases.audit_chain import verify_chain
from exportctl.cases.backup import backup
from exportctl.cases.commands import cases_group
from exportctl.cases.sessions import SignInSessions
from exportctl.checksums import sha256_of

ABSTRACT = "Cryogenic low-noise amplifier for quantum computing at 4 K."


def state(repo) -> tuple:
    """Every case (with suggestions and answers) and audit record, as the app reads them."""
    return (
        tuple(repo.list_cases(OFFICER)),
        tuple(e for e in repo.audit_trail(OFFICER) if not e.action.startswith("database_")),
    )


def run(*args: str):
    return CliRunner().invoke(cases_group, list(args))


def test_cases_backup_round_trip_restores_the_database_as_it_was(tmp_path):
    url = f"sqlite:///{tmp_path / 'cases.sqlite3'}"
    repo = CaseRepository.open(url)
    first = repo.create_case(
        RESEARCHER, title="Amplifier", abstract=ABSTRACT, result=stored_result(ABSTRACT)
    )
    case = repo.get_case(OFFICER, first)
    repo.review_suggestion(
        OFFICER, case.suggestions[0].id, status="confirmed", note="4 K", expected_version=1
    )
    session_id = SignInSessions(repo.engine).start("officer", now=datetime(2026, 3, 2, 9))
    at_backup = state(repo)

    result = run("backup", str(tmp_path / "backup.sqlite3"), "--database-url", url)
    assert result.exit_code == 0, result.output
    assert "Backed up 1 cases and 3 audit records" in result.output
    backed_up = repo.audit_trail(OFFICER)[-1]
    assert backed_up.action == "database_backed_up"
    assert backed_up.detail["sha256"] == sha256_of(tmp_path / "backup.sqlite3")

    # Work after the backup: a decision and a new case.
    case = repo.get_case(OFFICER, first)
    repo.decide(
        OFFICER,
        first,
        decision="listed_licence_needed",
        atas_decision="not_required",
        note=None,
        expected_version=case.version,
    )
    repo.create_case(RESEARCHER, title="Later", abstract=ABSTRACT, result=stored_result(ABSTRACT))
    after_backup = state(repo)

    result = run("restore", str(tmp_path / "backup.sqlite3"), "--database-url", url, "--yes")
    assert result.exit_code == 0, result.output
    assert "Restored 1 cases and 3 audit records" in result.output
    assert state(repo) == at_backup
    trail = repo.audit_trail(OFFICER)
    assert trail[-1].action == "database_restored" and trail[-1].detail["chain_head"]
    assert verify_chain(repo.engine).intact
    # Sessions open at the backup do not come back to life.
    assert not SignInSessions(repo.engine).resume(
        session_id, "officer", idle=timedelta(days=1), now=datetime(2026, 3, 2, 9, 1)
    )
    # The database it replaced is kept, with the work done after the backup.
    (kept,) = tmp_path.glob("cases.before-restore-*.sqlite3")
    kept_repo = CaseRepository.open(f"sqlite:///{kept}")
    assert state(kept_repo)[0] == after_backup[0]
    kept_repo.dispose()
    repo.dispose()


def test_cases_backup_is_a_consistent_copy_of_a_database_in_use(tmp_path):
    """A write in progress in another connection is not in the backup, and does not wait."""
    path = tmp_path / "cases.sqlite3"
    url = f"sqlite:///{path}"
    repo = CaseRepository.open(url)
    repo.create_case(
        RESEARCHER, title="Committed", abstract=ABSTRACT, result=stored_result(ABSTRACT)
    )
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE cases SET title = 'uncommitted'")
    try:
        facts = backup(repo.engine, tmp_path / "copy.sqlite3")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert facts.cases == 1 and facts.chain_head is not None
    copy = CaseRepository.open(f"sqlite:///{tmp_path / 'copy.sqlite3'}")
    assert [c.title for c in copy.list_cases(OFFICER)] == ["Committed"]
    copy.dispose()
    repo.dispose()


def test_cases_backup_restore_refuses_a_damaged_or_foreign_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'cases.sqlite3'}"
    repo = CaseRepository.open(url)
    repo.create_case(RESEARCHER, title="Keep", abstract=ABSTRACT, result=stored_result(ABSTRACT))
    before = state(repo)
    not_sqlite = tmp_path / "notes.sqlite3"
    not_sqlite.write_bytes(b"these are not the cases" * 100)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    for file, words in ((not_sqlite, "not a SQLite database"), (other, "no exportctl case")):
        result = run("restore", str(file), "--database-url", url, "--yes")
        assert result.exit_code != 0
        assert words in str(result.exception)
    assert state(repo) == before
    assert not list(tmp_path.glob("cases.before-restore-*"))
    repo.dispose()


def test_cases_backup_of_postgresql_names_pg_dump():
    result = run("backup", "x.dump", "--database-url", "postgresql+psycopg://u@127.0.0.1:1/db")
    assert result.exit_code != 0
    assert "pg_dump --format=custom" in str(result.exception)
