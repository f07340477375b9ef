"""Progress where a person waits: a status line and progress bars on standard error.

Shown only when standard error is a terminal and the user did not ask for quiet
(``exportctl --quiet``); piped or redirected output stays clean. Library code marks a slow step
with ``step`` (building an index, say): inside a command's ``status`` line the step takes the
line and then leaves a one-line note of how long it took; anywhere else (the web app, a
notebook, ``exportctl -v``) the step is logged instead.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

log = logging.getLogger(__name__)

_CLEAR_LINE = "\r\033[K"


class _Settings:
    quiet = False  # no bars, no status lines
    status_lines = True  # off under -v, where the steps are logged as lines instead
    line: StatusLine | None = None  # the status line being shown, if any


_settings = _Settings()


def configure(*, quiet: bool = False, verbose: bool = False) -> None:
    """Set from the command line's ``--quiet`` and ``--verbose`` options."""
    _settings.quiet = quiet
    _settings.status_lines = not verbose


def on_terminal(stream: TextIO | None = None) -> bool:
    """Whether progress may be shown on ``stream`` (standard error by default)."""
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return not _settings.quiet and bool(isatty and isatty())


def bar_disabled() -> bool:
    """For ``tqdm(disable=...)``: no bar when piped or quiet."""
    return not on_terminal()


class StatusLine:
    """One line of a terminal, rewritten in place."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.text = ""

    def show(self, text: str) -> None:
        self.text = text
        # Cut to the terminal's width: a wrapped line could not be rewritten in place.
        width = _columns(self.stream) - 1
        shown = f"{text}…" if len(text) < width else text[: max(width - 1, 0)] + "…"
        self._write(f"{_CLEAR_LINE}{shown}")

    def note(self, text: str) -> None:
        """A line that stays (above the status line, which is shown again)."""
        self._write(f"{_CLEAR_LINE}{text}\n")
        if self.text:
            self.show(self.text)

    def clear(self) -> None:
        self.text = ""
        self._write(_CLEAR_LINE)

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


def _columns(stream: TextIO) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        columns = 0
    return columns or 80  # a new pseudo-terminal may report 0


@contextmanager
def status(message: str) -> Iterator[None]:
    """Show ``message`` on a status line while the block runs; cleared when it ends."""
    if not _settings.status_lines or _settings.line is not None or not on_terminal():
        yield
        return
    line = StatusLine(sys.stderr)
    _settings.line = line
    line.show(message)
    try:
        yield
    finally:
        line.clear()
        _settings.line = None


@contextmanager
def step(doing: str, done: str) -> Iterator[None]:
    """A slow step: ``doing…`` while it runs, then ``done in N s``."""
    line = _settings.line
    started = time.perf_counter()
    previous = line.text if line is not None else ""
    if line is None:
        log.info("%s…", doing)
    else:
        line.show(doing)
    yield
    finished = f"{done} in {time.perf_counter() - started:.1f} s."
    if line is None:
        log.info("%s", finished)
    else:
        line.text = previous
        line.note(finished)
