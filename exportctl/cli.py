"""The ``exportctl`` command line: one command per user job."""

from __future__ import annotations

import logging
import sys

import click

from exportctl import __version__
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
def main(verbose: bool) -> None:
    """exportctl: first-pass export-control and ATAS screening. An officer decides."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )


def _register() -> None:
    """Add each area's commands; each lives beside the code it drives."""
    from exportctl.lists import commands as list_commands

    for command in list_commands.COMMANDS:
        main.add_command(command)
    try:
        from exportctl.suggest import commands as suggest_commands
    except ImportError:  # area not built yet
        suggest_commands = None  # type: ignore[assignment]
    if suggest_commands is not None:
        for command in suggest_commands.COMMANDS:
            main.add_command(command)
    try:
        from exportctl.atas import commands as atas_commands
    except ImportError:
        atas_commands = None  # type: ignore[assignment]
    if atas_commands is not None:
        for command in atas_commands.COMMANDS:
            main.add_command(command)


_register()
