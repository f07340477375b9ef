"""The case database's schema: made by migrations in an empty database, refused when made by an
earlier exportctl, upgraded by ``exportctl cases upgrade`` with every case, decision and audit
record intact (SQLite and PostgreSQL), and made once when several processes open an empty
database at the same moment."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from helpers_cases import OFFICER, RESEARCHER, stored_result

from exportctl.cases import CaseRepository
from exportctl.cases.audit_chain import verify_chain
from exportctl.cases.commands import cases_group
from exportctl.cases.errors import DuplicateExternalIdError
from exportctl.cases.models import Base
from exportctl.cases.repository import make_engine
from exportctl.cases.schema import (
    SchemaOutdatedError,
    SchemaTooNewError,
    head_revision,
    schema_state,
)

FIXTURES = Path(__file__).parent / "data" / "cases"
FIRST_RELEASE_SQLITE = FIXTURES / "first-release.sqlite3"
FIRST_RELEASE_POSTGRES = FIXTURES / "first-release.postgres.sql"
#: What the first-release fixture holds (see tests/data/cases/make_first_release.py).
FIRST_RELEASE_COUNTS = {"cases": 7, "suggestions": 15, "answers": 5, "audit_events": 17}
RECORD_TABLES = ("cases", "suggestions", "answers", "audit_events")


def _database(kind: str, tmp_path: Path, postgres_server_url: str | None) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'cases.sqlite3'}"
    from helpers_postgres import create_database

    return create_database(postgres_server_url, f"schema_{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    server = request.getfixturevalue("postgres_server_url") if request.param != "sqlite" else None
    return _database(request.param, tmp_path, server)


@pytest.fixture(params=["sqlite", "postgresql"])
def first_release_url(request, tmp_path):
    """A copy of the database the first release made (commit 22913d6)."""
    if request.param == "sqlite":
        path = tmp_path / "first-release.sqlite3"
        shutil.copyfile(FIRST_RELEASE_SQLITE, path)
        return f"sqlite:///{path}"
    from helpers_postgres import run_sql_file

    url = _database("postgresql", tmp_path, request.getfixturevalue("postgres_server_url"))
    run_sql_file(url, FIRST_RELEASE_POSTGRES)
    return url


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of the record tables, in the columns the first release had."""
    engine = make_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine, only=RECORD_TABLES)
        with engine.connect() as connection:
            return {
                name: [
                    tuple(row)
                    for row in connection.execute(
                        sa.select(
                            *(metadata.tables[name].c[c] for c in FIRST_COLUMNS[name])
                        ).order_by(metadata.tables[name].c.id)
                    )
                ]
                for name in RECORD_TABLES
            }
    finally:
        engine.dispose()


def assert_kept(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> None:
    """Every record as it was; the audit trail may only have gained the upgrade's own record."""
    for name in ("cases", "suggestions", "answers"):
        assert after[name] == before[name]
    kept = len(before["audit_events"])
    assert after["audit_events"][:kept] == before["audit_events"]
    assert [row[5] for row in after["audit_events"][kept:]] == ["schema_upgraded"]


def _first_columns() -> dict[str, list[str]]:
    # Read from a copy: SQLite would add its write-ahead log files beside the committed one.
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / FIRST_RELEASE_SQLITE.name
        shutil.copyfile(FIRST_RELEASE_SQLITE, copy)
        connection = sqlite3.connect(copy)
        try:
            return {
                name: [row[1] for row in connection.execute(f"PRAGMA table_info({name})")]
                for name in RECORD_TABLES
            }
        finally:
            connection.close()


FIRST_COLUMNS = _first_columns()


def test_cases_schema_empty_database_gets_the_schema_the_code_describes(empty_url):
    CaseRepository.open(empty_url).dispose()
    engine = make_engine(empty_url)
    try:
        assert schema_state(engine).up_to_date
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    # A model changed without a migration (or the reverse) shows here.
    assert differences == []


def test_cases_schema_first_release_database_is_refused_until_upgraded(first_release_url):
    before = snapshot(first_release_url)
    with pytest.raises(SchemaOutdatedError, match="exportctl cases upgrade") as refused:
        CaseRepository.open(first_release_url)
    assert "earlier exportctl" in refused.value.message
    assert snapshot(first_release_url) == before  # nothing written


def test_cases_schema_upgrade_keeps_every_case_decision_and_audit_record(first_release_url):
    before = snapshot(first_release_url)
    assert {name: len(rows) for name, rows in before.items()} == FIRST_RELEASE_COUNTS
    result = CliRunner().invoke(cases_group, ["upgrade", "--database-url", first_release_url])
    assert result.exit_code == 0, result.output
    assert "Upgraded the case database from schema 0001" in result.output
    assert_kept(before, snapshot(first_release_url))

    repo = CaseRepository.open(first_release_url)
    try:
        laser = repo.get_case(OFFICER, 1)
        assert (laser.status, laser.decision, laser.officer) == (
            "decided",
            "listed_licence_needed",
            "olu",
        )
        assert [s.status for s in laser.suggestions] == ["confirmed", "rejected"]
        assert [e.action for e in repo.audit_trail(OFFICER, 3)] == [
            "case_submitted",
            "suggestion_rejected",
            "suggestion_rejected",
            "case_decided",
            "case_reopened",
            "case_decided",
        ]
        # The first release let an external id name two cases: both are kept, and a third is
        # refused.
        with pytest.raises(DuplicateExternalIdError):
            repo.create_case(
                OFFICER,
                title="Batch one, third time",
                abstract="QKD",
                result=stored_result("QKD"),
                external_id="GR/1234",
                researcher=RESEARCHER,
            )
        # The upgraded database takes new cases as a new one would.
        case_id = repo.create_case(
            RESEARCHER, title="New", abstract="Laser", result=stored_result("Laser")
        )
        assert repo.get_case(RESEARCHER, case_id).suggestions[0].evidence_text
        # The records from before the chain were hashed by the upgrade, the new one follows.
        report = verify_chain(repo.engine)
        assert report.intact and report.records == FIRST_RELEASE_COUNTS["audit_events"] + 2
        assert repo.audit_trail(OFFICER)[-2].detail == {"from": "0001", "to": head_revision()}
    finally:
        repo.dispose()

    again = CliRunner().invoke(cases_group, ["upgrade", "--database-url", first_release_url])
    assert again.exit_code == 0 and "up to date" in again.output


def test_cases_schema_database_from_before_migrations_with_later_tables(tmp_path):
    """Databases opened by exportctl after the first release but before migrations were given
    some tables, columns and indexes by hand: the upgrade skips what is there."""
    path = tmp_path / "between.sqlite3"
    shutil.copyfile(FIRST_RELEASE_SQLITE, path)
    connection = sqlite3.connect(path)
    connection.executescript(
        "ALTER TABLE suggestions ADD COLUMN evidence_text TEXT;"
        "CREATE TABLE sign_in_sessions (id VARCHAR(64) NOT NULL PRIMARY KEY, username "
        "VARCHAR(200) NOT NULL, started_at DATETIME NOT NULL, last_seen_at DATETIME NOT NULL, "
        "ended_at DATETIME, end_reason VARCHAR(50));"
        "CREATE INDEX ix_sign_in_sessions_username ON sign_in_sessions (username);"
        "CREATE INDEX ix_cases_decision ON cases (decision);"
    )
    connection.close()
    url = f"sqlite:///{path}"
    before = snapshot(url)
    result = CliRunner().invoke(cases_group, ["upgrade", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert_kept(before, snapshot(url))
    engine = make_engine(url)
    try:
        assert schema_state(engine).up_to_date
    finally:
        engine.dispose()


def test_cases_schema_database_of_a_later_exportctl_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'later.sqlite3'}"
    CaseRepository.open(url).dispose()
    connection = sqlite3.connect(tmp_path / "later.sqlite3")
    connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.commit()
    connection.close()
    with pytest.raises(SchemaTooNewError, match="later exportctl"):
        CaseRepository.open(url)
    result = CliRunner().invoke(cases_group, ["upgrade", "--database-url", url])
    assert result.exit_code != 0
    assert "later exportctl" in str(result.exception)


def test_cases_schema_other_database_with_a_cases_table_is_not_taken_for_ours(tmp_path):
    path = tmp_path / "other.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE cases (id INTEGER PRIMARY KEY, name TEXT)")
    connection.commit()
    connection.close()
    result = CliRunner().invoke(cases_group, ["upgrade", "--database-url", f"sqlite:///{path}"])
    assert result.exit_code != 0
    assert "not an exportctl case database" in str(result.exception)


OPEN_AT_ONCE = """
import sys, time
from pathlib import Path
from exportctl.cases import CaseRepository
from exportctl.cases.audit_chain import verify_chain
Path(sys.argv[3]).touch()
start = Path(sys.argv[2])
while not start.exists():
    time.sleep(0.001)
CaseRepository.open(sys.argv[1]).dispose()
"""


def test_cases_schema_processes_opening_an_empty_database_at_once_make_it_once(empty_url, tmp_path):
    start = tmp_path / "start"
    ready = [tmp_path / f"ready-{i}" for i in range(6)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AT_ONCE, empty_url, str(start), str(flag)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for flag in ready
    ]
    # Every process has imported exportctl before the start signal, so they race to the
    # database itself.
    while not all(flag.exists() for flag in ready):
        assert all(p.poll() is None for p in processes), "a process ended before the start"
        time.sleep(0.01)
    start.touch()
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0] * 6, "\n".join(outputs)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()
    assert versions == [(head_revision(),)]
