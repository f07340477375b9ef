"""The ``exportctl`` command line: one command per user job."""

from __future__ import annotations

import logging
import os
import sys

import click

from exportctl import __version__, progress
from exportctl.config import LIST_CHOICE_VARIABLE
from exportctl.errors import ExportctlError

log = logging.getLogger("exportctl")


class _Group(click.Group):
    """Turns the package's own errors into a one-line message and exit code 2; an interrupt
    (Ctrl-C) or standard input closed while a question waits into a one-line message too,
    never click's bare "Aborted!"."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except ExportctlError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo(
                "\nerror: interrupted. Nothing half-written was left in place of an output.",
                err=True,
            )
            sys.exit(130)
        except (EOFError, click.Abort):
            click.echo(
                "error: no answer on standard input, so nothing was changed (give --yes to "
                "answer yes without a question).",
                err=True,
            )
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit):
            raise  # usage errors (click shows them with the usage) and --help, --version
        except Exception as error:  # noqa: BLE001 - the last line of defence: never a traceback
            log.debug("Unexpected failure", exc_info=True)
            click.echo(
                f"error: [E999] exportctl failed unexpectedly ({type(error).__name__}: {error}). "
                "This is a bug: please report it with what you ran; 'exportctl -v ...' shows "
                "where it happened.",
                err=True,
            )
            sys.exit(70)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="exportctl")
@click.option("-v", "--verbose", is_flag=True, help="Show progress and debug logging.")
@click.option(
    "-q", "--quiet", is_flag=True, help="No progress bars or status lines, even on a terminal."
)
@click.option(
    "--list",
    "list_version",
    metavar="NAME[/YYYY-MM-DD]",
    default=None,
    help="The control list to use (default: the newest uk-consolidated import, or "
    "EXPORTCTL_LIST). 'exportctl lists' shows them.",
)
@click.pass_context
def main(ctx: click.Context, verbose: bool, quiet: bool, list_version: str | None) -> None:
    """exportctl: first-pass export-control and ATAS screening. An officer decides.

    On a terminal, slow steps (loading the engine, building an index, reading a PDF) show a
    status line or a progress bar on standard error; nothing is shown when it is piped.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    # pdfminer warns of every flaw of a damaged PDF (hundreds of lines); the import's own error
    # says what is wrong in one line, and -v shows them
    logging.getLogger("pdfminer").setLevel(logging.DEBUG if verbose else logging.ERROR)
    progress.configure(quiet=quiet, verbose=verbose)
    if list_version:
        # Through the environment, so that a batch's worker processes use the same list; put
        # back when the command ends (the command may run inside another program).
        previous = os.environ.get(LIST_CHOICE_VARIABLE)
        os.environ[LIST_CHOICE_VARIABLE] = list_version
        ctx.call_on_close(lambda: _restore(LIST_CHOICE_VARIABLE, previous))


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


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
