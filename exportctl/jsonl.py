"""Reading JSON Lines files with errors that name the file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from exportctl.errors import DatasetError, ExportctlError


def read_jsonl(path: Path | str, *, error: type[ExportctlError] = DatasetError) -> list[Any]:
    """Every non-blank line of ``path`` parsed as JSON; ``error`` names a bad line."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as problem:
        raise error(f"Cannot read {path}: {problem.strerror}.") from None
    rows = []
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as problem:
                raise error(f"{path} line {number} is not JSON ({problem.msg}).") from None
    return rows
