"""Back up and restore the SQLite case database with SQLite's online backup: a consistent copy
of a database in use, taken page by page without stopping the app.

PostgreSQL has its own tools (``pg_dump``/``pg_restore``, see the README); these functions
refuse it with the commands to use.

A backup is written under a temporary name, checked and renamed into place. A restore first
keeps a copy of the database it replaces, checks the backup (SQLite's integrity check, and its
audit chain when its schema has one), copies it in, and ends every sign-in session (a restored
session could otherwise sign someone in again after they had signed out).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, update
from sqlalchemy.engine import make_url

from exportctl.cases.audit_chain import ChainHead, verify_chain
from exportctl.cases.errors import CaseStoreError
from exportctl.cases.models import SignInSessionRow
from exportctl.cases.schema import SchemaState, schema_state

PG_DUMP_HINT = (
    "For PostgreSQL use its own tools: 'pg_dump --format=custom --file FILE DATABASE' to back "
    "up, 'pg_restore --clean --if-exists --dbname DATABASE FILE' to restore (see the README)."
)


@dataclass(frozen=True)
class DatabaseFacts:
    """What a database file holds, as checked before and after a copy."""

    path: Path
    cases: int
    audit_records: int
    schema: SchemaState
    chain_head: ChainHead | None  # None: a schema from before the audit chain


def sqlite_path(engine: Engine) -> Path:
    """The file of a SQLite engine; PostgreSQL and in-memory databases are refused."""
    url = make_url(engine.url)
    if url.get_backend_name() != "sqlite":
        raise CaseStoreError(f"exportctl backs up the SQLite case database only. {PG_DUMP_HINT}")
    if not url.database or url.database == ":memory:":
        raise CaseStoreError("An in-memory database cannot be backed up or restored.")
    return Path(url.database).expanduser().resolve()


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup of ``source`` into a new file ``target`` (one file, no
    write-ahead log), written under a temporary name and renamed when complete."""
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    try:
        reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        writer = sqlite3.connect(partial)
        try:
            reader.backup(writer)
            writer.execute("PRAGMA journal_mode=DELETE")
        finally:
            writer.close()
            reader.close()
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def inspect_file(path: Path) -> DatabaseFacts:
    """Check that ``path`` is a whole exportctl case database: SQLite's integrity check, its
    schema, and its audit chain (when its schema has one)."""
    from exportctl.cases.repository import make_engine

    if not path.is_file():
        raise CaseStoreError(f"No file at {path}.")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (result,) = connection.execute("PRAGMA quick_check").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise CaseStoreError(f"{path} is not a SQLite database ({error}).") from error
    if result != "ok":
        raise CaseStoreError(f"{path} is damaged: SQLite's integrity check says {result!r}.")
    engine = make_engine(f"sqlite:///{path}")
    try:
        state = schema_state(engine)
        if state.empty:
            raise CaseStoreError(f"{path} holds no exportctl case database.")
        with engine.connect() as connection:
            cases = connection.exec_driver_sql("SELECT COUNT(*) FROM cases").scalar() or 0
            audit = connection.exec_driver_sql("SELECT COUNT(*) FROM audit_events").scalar() or 0
            has_chain = engine.dialect.has_table(connection, "audit_chain")
        head = None
        if has_chain:
            report = verify_chain(engine)
            if report.broken is not None:
                raise CaseStoreError(
                    f"The audit trail in {path} is broken at record {report.broken.record_id}: "
                    f"{report.broken.reason}."
                )
            head = report.head
    finally:
        engine.dispose()
    return DatabaseFacts(path, cases, audit, state, head)


def backup(engine: Engine, target: Path) -> DatabaseFacts:
    """Copy the live database of ``engine`` to ``target`` and check the copy."""
    source = sqlite_path(engine)
    target = target.expanduser().resolve()
    if target == source:
        raise CaseStoreError(f"{target} is the case database itself; choose another file.")
    if not target.parent.is_dir():
        raise CaseStoreError(f"No folder {target.parent} to write the backup into.")
    _copy(source, target)
    return inspect_file(target)


def safety_copy_path(database: Path, now: datetime) -> Path:
    return database.with_name(f"{database.stem}.before-restore-{now:%Y%m%d-%H%M%S}.sqlite3")


def restore(engine: Engine, source: Path, *, now: datetime) -> tuple[DatabaseFacts, Path | None]:
    """Replace the database of ``engine`` with the backup ``source``; returns what was
    restored and where the replaced database was kept (None if there was none)."""
    database = sqlite_path(engine)
    source = source.expanduser().resolve()
    if source == database:
        raise CaseStoreError(f"{source} is the case database itself.")
    # Checked from a private copy: the backup file itself is never written to.
    with tempfile.TemporaryDirectory() as folder:
        staged = Path(folder) / "restore.sqlite3"
        try:
            _copy(source, staged)
        except sqlite3.DatabaseError as error:
            raise CaseStoreError(f"{source} is not a SQLite database ({error}).") from error
        facts = inspect_file(staged)
        kept = None
        if database.exists():
            kept = safety_copy_path(database, now)
            _copy(database, kept)
        reader = sqlite3.connect(staged)
        writer = sqlite3.connect(database, timeout=30)
        try:
            reader.backup(writer)  # takes the live database's locks; other readers wait
        finally:
            writer.close()
            reader.close()
    with engine.begin() as connection:
        if engine.dialect.has_table(connection, "sign_in_sessions"):
            connection.execute(
                update(SignInSessionRow)
                .where(SignInSessionRow.ended_at.is_(None))
                .values(ended_at=now, end_reason="database restored")
            )
    return replace(facts, path=database), kept
