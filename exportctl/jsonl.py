"""Reading JSON Lines files with errors that name the file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from exportctl.errors import DatasetError, ExportctlError
from exportctl.textio import DEFAULT_ENCODING, check_encoding, decode_bytes


def read_jsonl(
    path: Path | str,
    *,
    error: type[ExportctlError] = DatasetError,
    encoding: str = DEFAULT_ENCODING,
) -> list[Any]:
    """Every non-blank line of ``path`` parsed as JSON; ``error`` names a bad line. The file is
    decoded with ``encoding`` (``textio.decode_bytes``: a byte-order mark decides); bytes it
    cannot decode are an error naming their line."""
    path = Path(path)
    check_encoding(encoding, error=error)
    try:
        data = path.read_bytes()
    except OSError as problem:
        raise error(f"Cannot read {path}: {problem.strerror}.") from None
    text = decode_bytes(data, where=str(path), encoding=encoding, error=error)
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as problem:
            raise error(f"{path} line {number} is not JSON ({problem.msg}).") from None
        except RecursionError:
            raise error(f"{path} line {number} is nested too deeply to be a record.") from None
    return rows
