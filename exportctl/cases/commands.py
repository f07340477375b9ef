"""Command-line jobs of the case store: export the decisions workbook, hash a password."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from exportctl.appconfig import database_url
from exportctl.auth import User, hash_password
from exportctl.cases.repository import CaseRepository
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
def export_command(output: Path, url: str | None, officer: str | None) -> None:
    """Export all cases, suggestions and the audit trail to an Excel workbook."""
    username = officer or f"cli:{getpass.getuser()}"
    actor = User(username=username, name=username, role="officer")
    repository = CaseRepository.open(url or database_url())
    try:
        data = repository.export_data(actor)
    finally:
        repository.dispose()
    output.parent.mkdir(parents=True, exist_ok=True)
    write_workbook(data, output)
    click.echo(f"Wrote {len(data.cases)} cases and {len(data.audit)} audit events to {output}")


@click.command("hash-password")
@click.password_option(help="The password to hash (asked for when not given).")
def hash_password_command(password: str) -> None:
    """Print a password hash for a user in the local users file (config/users.toml)."""
    click.echo(hash_password(password))


COMMANDS = [export_command, hash_password_command]
