"""The ``exportctl`` command line: one command per user job."""

from __future__ import annotations

import logging
import sys

import click

from exportctl import __version__, progress
from exportctl.errors import ExportctlError


class _Group(click.Group):
    """Turns the package's own errors into a one-line message and exit code 2."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except ExportctlError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="exportctl")
@click.option("-v", "--verbose", is_flag=True, help="Show progress and debug logging.")
@click.option(
    "-q", "--quiet", is_flag=True, help="No progress bars or status lines, even on a terminal."
)
def main(verbose: bool, quiet: bool) -> None:
    """exportctl: first-pass export-control and ATAS screening. An officer decides.

    On a terminal, slow steps (loading the engine, building an index, reading a PDF) show a
    status line or a progress bar on standard error; nothing is shown when it is piped.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    progress.configure(quiet=quiet, verbose=verbose)


def _register() -> None:
    """Add each area's commands; each lives beside the code it drives."""
    from exportctl.atas import commands as atas_commands
    from exportctl.cases import commands as case_commands
    from exportctl.lists import commands as list_commands
    from exportctl.suggest import commands as suggest_commands

    for area in (list_commands, suggest_commands, atas_commands, case_commands):
        for command in area.COMMANDS:
            main.add_command(command)


_register()
