"""The case database's schema, made and upgraded by Alembic migrations (``migrations/``).

Every schema change is a migration; nothing alters tables when the app opens a database. An
empty database is given the whole schema on first use; a database at an older revision is
refused until ``exportctl cases upgrade`` brings it up to date, so the app never runs on tables
it does not know.

Migrations run in one transaction holding a lock on the database (PostgreSQL: an advisory
lock; SQLite: the write lock of ``BEGIN IMMEDIATE``), so that several processes opening an
empty database at once make the schema once, and the others find it made.

Databases made before migrations existed (the first release and its successors until this
module) have no ``alembic_version`` table; they are recognised by their tables and recorded at
the first-release revision, whose successors skip what such a database already has.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from exportctl.cases.errors import CaseStoreError

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: The revision databases made before migrations existed are recorded at.
FIRST_RELEASE = "0001"
#: Key of PostgreSQL's advisory lock held while the schema is made or upgraded.
_PG_LOCK = 0x65787063746C  # "expctl"
#: Alembic's module-level context is not thread-safe: one migration at a time per process.
_PROCESS_LOCK = threading.Lock()
UPGRADE_COMMAND = "exportctl cases upgrade"


class SchemaOutdatedError(CaseStoreError):
    """The database was made by an earlier exportctl; ``exportctl cases upgrade`` updates it."""

    code = "E315"


class SchemaTooNewError(CaseStoreError):
    """The database was upgraded by a later exportctl than this one."""

    code = "E316"


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: ``current`` is ``None`` for an empty database and
    :data:`FIRST_RELEASE` for one made before migrations (``legacy``)."""

    current: str | None
    head: str
    legacy: bool = False

    @property
    def empty(self) -> bool:
        return self.current is None

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    return _script().get_current_head() or FIRST_RELEASE


def describe(revision: str | None) -> str:
    """A revision with the first line of its migration's description."""
    if revision is None:
        return "empty"
    try:
        script = _script().get_revision(revision)
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        script = None
    if script is None:
        return f"{revision} (unknown to this exportctl)"
    return f"{revision} ({(script.doc or '').splitlines()[0].rstrip('.')})"


def _state(connection: Connection) -> SchemaState:
    head = head_revision()
    current = MigrationContext.configure(connection).get_current_revision()
    if current is not None:
        return SchemaState(current=current, head=head)
    if inspect(connection).has_table("cases"):
        return SchemaState(current=FIRST_RELEASE, head=head, legacy=True)
    return SchemaState(current=None, head=head)


def schema_state(engine: Engine) -> SchemaState:
    """Where the database at ``engine`` stands (reads only)."""
    with engine.connect() as connection:
        return _state(connection)


def _refusal(state: SchemaState, url: str) -> CaseStoreError:
    if state.current in {s.revision for s in _script().walk_revisions()}:
        return SchemaOutdatedError(
            f"The case database {url} was made by an earlier exportctl (schema "
            f"{describe(state.current)}); this exportctl needs schema {describe(state.head)}. "
            f"Back it up (exportctl cases backup FILE) and run '{UPGRADE_COMMAND}'."
        )
    return SchemaTooNewError(
        f"The case database {url} has schema {state.current}, which this exportctl does not "
        f"know (it knows up to {state.head}): it was upgraded by a later exportctl. Use that "
        "version."
    )


def ensure_schema(engine: Engine) -> SchemaState:
    """Make the schema in an empty database; refuse a database at another revision.

    The check is a read; only an empty database is written to, under the migration lock
    (another process may be making it at the same moment)."""
    url = engine.url.render_as_string()
    state = schema_state(engine)
    if state.up_to_date:
        return state
    if not state.empty:
        raise _refusal(state, url)
    return _migrate(engine, only_if_empty=True)


def upgrade(engine: Engine) -> tuple[SchemaState, SchemaState]:
    """Upgrade the database to this exportctl's schema; its state before and after."""
    before = schema_state(engine)
    if before.current is not None and not before.up_to_date:
        known = {s.revision for s in _script().walk_revisions()}
        if before.current not in known:
            raise _refusal(before, engine.url.render_as_string())
    after = _migrate(engine, only_if_empty=False)
    return before, after


def _migrate(engine: Engine, *, only_if_empty: bool) -> SchemaState:
    config = _config()
    url = engine.url.render_as_string()
    with _PROCESS_LOCK, engine.connect() as connection:
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
            # Read again under the lock: another process may have made or upgraded it.
            state = _state(connection)
            if only_if_empty and not state.empty:
                if state.up_to_date:
                    return state
                raise _refusal(state, url)
            config.attributes["connection"] = connection
            if state.legacy:
                _check_legacy(connection, url)
                command.stamp(config, FIRST_RELEASE)
            if not state.up_to_date:
                logger.info("Case database %s: schema %s -> %s", url, state.current, state.head)
                command.upgrade(config, "head")
            return _state(connection)


def _check_legacy(connection: Connection, url: str) -> None:
    """A database without a migration record must be one of exportctl's own."""
    value = None
    if inspect(connection).has_table("exportctl_meta"):
        value = connection.execute(
            text("SELECT value FROM exportctl_meta WHERE key = 'schema_version'")
        ).scalar()
    if value != "1":
        raise CaseStoreError(
            f"{url} holds a 'cases' table but is not an exportctl case database this version "
            "can upgrade (no schema version 1 recorded)."
        )
