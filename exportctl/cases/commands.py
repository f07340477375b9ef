"""Command-line jobs of the case store: export the decisions workbook, hash a password, the
``cases`` group (upgrade the database's schema, back it up and restore it, re-screen the cases
after a list amendment) and the ``audit`` group (verify the chain)."""

from __future__ import annotations

import getpass
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from exportctl.appconfig import database_url
from exportctl.auth import User, check_new_password, hash_password
from exportctl.cases.audit_chain import ChainHead, verify_chain
from exportctl.cases.backup import backup, restore, sqlite_path
from exportctl.cases.records import CaseFilter
from exportctl.cases.repository import CaseRepository, make_engine, utcnow
from exportctl.cases.schema import UPGRADE_COMMAND, describe, upgrade
from exportctl.cases.vocabulary import CASE_STATUSES, DECISIONS
from exportctl.checksums import sha256_of
from exportctl.export_excel import write_workbook

_DATABASE_URL = click.option(
    "--database-url",
    "url",
    default=None,
    help="SQLAlchemy URL of the case database [default: EXPORTCTL_DATABASE_URL or the local "
    "SQLite file].",
)


@click.command("export")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("decisions.xlsx"),
    show_default=True,
    help="The .xlsx file to write.",
)
@_DATABASE_URL
@click.option(
    "--as",
    "officer",
    default=None,
    help="Name recorded in the audit trail for this export [default: your login name].",
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(list(CASE_STATUSES)),
    help="Only cases with this status (repeat for several).",
)
@click.option(
    "--decision",
    "decisions",
    multiple=True,
    type=click.Choice(list(DECISIONS)),
    help="Only cases with this decision (repeat for several).",
)
@click.option("--researcher", default=None, help="Only this researcher's cases (user name).")
@click.option("--entry", default=None, help="Only cases with this entry suggested or added.")
@click.option(
    "--submitted-from",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Only cases submitted on or after this date.",
)
@click.option(
    "--submitted-to",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Only cases submitted on or before this date.",
)
def export_command(
    output: Path,
    url: str | None,
    officer: str | None,
    statuses: tuple[str, ...],
    decisions: tuple[str, ...],
    researcher: str | None,
    entry: str | None,
    submitted_from: datetime | None,
    submitted_to: datetime | None,
) -> None:
    """Export cases, their suggestions and the audit trail to an Excel workbook (all cases,
    or those the options select)."""
    username = officer or f"cli:{getpass.getuser()}"
    actor = User(username=username, name=username, role="officer")
    case_filter = CaseFilter(
        statuses=statuses,
        decisions=decisions,
        researcher=researcher,
        entry=entry,
        submitted_from=submitted_from.date() if submitted_from else None,
        submitted_to=submitted_to.date() if submitted_to else None,
    )
    repository = CaseRepository.open(url or database_url())
    try:
        stream = repository.export_stream(actor, case_filter)
        output.parent.mkdir(parents=True, exist_ok=True)
        with tqdm(
            total=stream.case_count,
            unit="case",
            desc="Exporting",
            disable=not sys.stderr.isatty(),
        ) as bar:
            # Recorded once the file is complete, before it takes its name: a workbook whose
            # export could not be recorded never appears.
            written = write_workbook(
                stream,
                output,
                progress=lambda done, _total: bar.update(done - bar.n),
                before_rename=lambda complete: repository.record_export(
                    actor,
                    stream,
                    file_name=output.name,
                    sha256=sha256_of(complete),
                    size=complete.stat().st_size,
                ),
            )
    finally:
        repository.dispose()
    click.echo(
        f"Wrote {written} cases and {stream.audit_count} audit events to {output}"
        + (f" ({stream.scope})" if stream.scope != "all cases" else "")
    )


@click.group("cases")
def cases_group() -> None:
    """Look after the case database: upgrade its schema, back it up and restore it, and check
    the cases against a new list version."""


@cases_group.command("rescreen")
@click.option(
    "--from",
    "from_version",
    required=True,
    help="The list version the cases stand under, e.g. uk-consolidated/2025-12-16.",
)
@click.option(
    "--to",
    "to_version",
    default=None,
    help="The new list version [default: the list in use].",
)
@click.option(
    "--suggest/--no-suggest",
    default=True,
    show_default=True,
    help="Screen each flagged case again under the new version (loads the engine; its "
    "indexes are built on first use of a version).",
)
@_DATABASE_URL
@click.option(
    "--as",
    "officer",
    default=None,
    help="Name recorded in the audit trail [default: your login name].",
)
def rescreen_command(
    from_version: str, to_version: str | None, suggest: bool, url: str | None, officer: str | None
) -> None:
    """Flag for re-review every case standing under the list version FROM that the version TO
    changes (a clause its entries or suggestions stand on), and print a report. Decisions are
    not changed: an officer re-confirms or re-decides each flagged case in Review."""
    from exportctl.cases.amendments import render_report, rescreen
    from exportctl.lists.store import ControlList, dataset_for

    username = officer or f"cli:{getpass.getuser()}"
    actor = User(username=username, name=username, role="officer")
    old = ControlList.from_dir(dataset_for(from_version))
    new = ControlList.from_dir(dataset_for(to_version)) if to_version else ControlList.load()
    suggester = None
    if suggest:
        from exportctl.suggest.engine import Suggester

        suggester = Suggester.load(new)
    repository = CaseRepository.open(url or database_url())
    try:
        with tqdm(unit="case", desc="Checking", disable=not sys.stderr.isatty()) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            report = rescreen(repository, actor, old, new, suggester=suggester, progress=progress)
        if to_version is None:
            repository.set_list_in_use(new.version)
        click.echo(render_report(report, repository, actor))
    finally:
        repository.dispose()


@click.command("hash-password")
@click.password_option(help="The password to hash (asked for when not given).")
def hash_password_command(password: str) -> None:
    """Print a password hash for a user in the local users file (config/users.toml). The
    password needs at least 15 characters."""
    check_new_password(password)
    click.echo(hash_password(password))


@cases_group.command("upgrade")
@_DATABASE_URL
def upgrade_command(url: str | None) -> None:
    """Upgrade the case database to this exportctl's schema (every case, decision and audit
    record is kept). Back the database up first."""
    engine = make_engine(url or database_url())
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    if before.current == after.current:
        click.echo(f"The case database is up to date (schema {describe(after.current)}).")
    elif before.empty:
        click.echo(f"Made the case database's tables (schema {describe(after.current)}).")
    else:
        repository = CaseRepository.open(url or database_url())
        try:
            repository.record_event(
                actor=_cli_actor(),
                role="admin",
                action="schema_upgraded",
                detail={"from": before.current, "to": after.current},
            )
        finally:
            repository.dispose()
        click.echo(
            f"Upgraded the case database from schema {describe(before.current)} to "
            f"{describe(after.current)}."
        )


def _cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


@cases_group.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_DATABASE_URL
def backup_command(file: Path, url: str | None) -> None:
    """Copy the SQLite case database to FILE while it is in use (SQLite's online backup),
    and check the copy. For PostgreSQL use pg_dump (see the README)."""
    engine = make_engine(url or database_url())
    try:
        sqlite_path(engine)  # PostgreSQL: refused with the pg_dump command, before connecting
    finally:
        engine.dispose()
    repository = CaseRepository.open(url or database_url())
    try:
        facts = backup(repository.engine, file)
        digest = sha256_of(facts.path)
        repository.record_event(
            actor=_cli_actor(),
            role="admin",
            action="database_backed_up",
            target=facts.path.name,
            detail={
                "file": str(facts.path),
                "sha256": digest,
                "cases": facts.cases,
                "chain_head": str(facts.chain_head) if facts.chain_head else None,
            },
        )
    finally:
        repository.dispose()
    click.echo(
        f"Backed up {facts.cases:,} cases and {facts.audit_records:,} audit records to "
        f"{facts.path} (SHA-256 {digest}; audit chain head {facts.chain_head})."
    )


@cases_group.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@_DATABASE_URL
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
def restore_command(file: Path, url: str | None, yes: bool) -> None:
    """Replace the SQLite case database with the backup FILE (checked first). The database
    it replaces is kept beside it; everyone is signed out. For PostgreSQL use pg_restore."""
    engine = make_engine(url or database_url())
    try:
        database = sqlite_path(engine)
        if database.exists() and not yes:
            click.confirm(
                f"Replace the case database {database} with {file}? A copy of the current one "
                "is kept beside it.",
                abort=True,
            )
        facts, kept = restore(engine, file, now=utcnow())
    finally:
        engine.dispose()
    click.echo(
        f"Restored {facts.cases:,} cases and {facts.audit_records:,} audit records from {file}"
        + (f"; the replaced database is kept at {kept}" if kept else "")
        + ". Everyone signed in must sign in again."
    )
    if not facts.schema.up_to_date:
        click.echo(
            f"The backup has an earlier schema ({describe(facts.schema.current)}): run "
            f"'{UPGRADE_COMMAND}' before starting the app."
        )
        return
    repository = CaseRepository.open(url or database_url())
    try:
        repository.record_event(
            actor=_cli_actor(),
            role="admin",
            action="database_restored",
            target=file.name,
            detail={
                "file": str(file.resolve()),
                "sha256": sha256_of(file),
                "chain_head": str(facts.chain_head) if facts.chain_head else None,
                "replaced_database_kept_at": str(kept) if kept else None,
            },
        )
    finally:
        repository.dispose()


@click.group("audit")
def audit_group() -> None:
    """Check the audit trail."""


def _chain_head(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return ChainHead.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


@audit_group.command("verify")
@_DATABASE_URL
@click.option(
    "--head",
    "expect",
    default=None,
    callback=_chain_head,
    metavar="ID:HASH",
    help="A chain head printed earlier (the About sheet of an export): check that it is still "
    "part of the chain.",
)
@click.pass_context
def verify_command(ctx: click.Context, url: str | None, expect: ChainHead | None) -> None:
    """Check the audit trail's hash chain and name the first record that breaks it (exit
    status 1)."""
    repository = CaseRepository.open(url or database_url())
    try:
        report = verify_chain(repository.engine, expect=expect)
    finally:
        repository.dispose()
    if report.broken is not None:
        click.echo(
            f"The audit trail is broken at record {report.broken.record_id}: "
            f"{report.broken.reason}. {report.records:,} records checked.",
            err=True,
        )
        ctx.exit(1)
    click.echo(
        f"Audit trail intact: {report.records:,} records, chain head {report.head}"
        + (f" (includes the printed head {expect.record_id})" if expect else "")
        + "."
    )


COMMANDS = [export_command, hash_password_command, cases_group, audit_group]
