"""Typed errors with stable codes. User-facing text says what went wrong and what to do."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` on one line: line breaks and other control characters (from a user's file
    quoted in a message) written as escapes, ``\\n``."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class ExportctlError(Exception):
    """Base class: every error the package raises on purpose. Its message is one line (a
    command prints it as one line of error), whatever a quoted name or value holds."""

    code = "E000"

    def __init__(self, message: str) -> None:
        message = one_line(message)
        super().__init__(f"[{self.code}] {message}")
        self.message = message


class SourceFormatError(ExportctlError):
    """The input is not a control-list text or PDF the importer can read."""

    code = "E100"


class DatasetError(ExportctlError):
    """An imported dataset is missing, incomplete or fails its checksum."""

    code = "E110"


class UnknownCodeError(ExportctlError):
    """A control code that is not in the loaded list."""

    code = "E120"

    def __init__(self, code: str, nearest: list[str]) -> None:
        hint = f" Nearest existing codes: {', '.join(nearest)}." if nearest else ""
        super().__init__(f"No clause '{code}' in the loaded list.{hint}")
        self.requested = code
        self.nearest = nearest


class IndexMismatchError(ExportctlError):
    """A built index was made from another list version or other library versions."""

    code = "E130"


class InputTextError(ExportctlError):
    """Text given for suggestion cannot be used (empty, binary, ...)."""

    code = "E140"


class EmbeddingModelError(ExportctlError):
    """The sentence-embedding model or the trained ranker is missing, damaged or cannot run."""

    code = "E150"


class RulesError(ExportctlError):
    """An ATAS rules file is malformed."""

    code = "E200"


class AtasInputError(ExportctlError):
    """An ATAS question has a malformed CAH code, unknown country or level."""

    code = "E210"


class OutputError(ExportctlError):
    """An output file or folder cannot be written: a missing or read-only folder, the input
    given as the output."""

    code = "E160"


class InUseError(ExportctlError):
    """Another exportctl process is writing the same output, dataset or index."""

    code = "E170"
