"""Command-line jobs of the case store: export the decisions workbook, hash a password, and
the ``cases`` group (re-screen the cases after a list amendment)."""

from __future__ import annotations

import getpass
import sys
from datetime import datetime
from pathlib import Path

import click
from tqdm import tqdm

from exportctl.appconfig import database_url
from exportctl.auth import User, hash_password
from exportctl.cases.records import CaseFilter
from exportctl.cases.repository import CaseRepository
from exportctl.cases.vocabulary import CASE_STATUSES, DECISIONS
from exportctl.export_excel import write_workbook


@click.command("export")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("decisions.xlsx"),
    show_default=True,
    help="The .xlsx file to write.",
)
@click.option(
    "--database-url",
    "url",
    default=None,
    help="SQLAlchemy URL of the case database [default: EXPORTCTL_DATABASE_URL or the local "
    "SQLite file].",
)
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
            written = write_workbook(
                stream, output, progress=lambda done, _total: bar.update(done - bar.n)
            )
    finally:
        repository.dispose()
    click.echo(
        f"Wrote {written} cases and {stream.audit_count} audit events to {output}"
        + (f" ({stream.scope})" if stream.scope != "all cases" else "")
    )


@click.group("cases")
def cases_group() -> None:
    """The case database: check the cases against a new list version."""


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
@click.option(
    "--database-url",
    "url",
    default=None,
    help="SQLAlchemy URL of the case database [default: EXPORTCTL_DATABASE_URL or the local "
    "SQLite file].",
)
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
    """Print a password hash for a user in the local users file (config/users.toml)."""
    click.echo(hash_password(password))


COMMANDS = [export_command, hash_password_command, cases_group]
