"""Screening many texts, on every core: each worker process loads its own engine once (the
embedding model's runtime is not shared across a fork) and screens rows in order."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from typing import Any

from exportctl.errors import InputTextError

_ENGINE: Any = None
_OPTIONS: dict[str, Any] = {}


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))  # fmt: skip


def _start_worker(options: dict[str, Any]) -> None:
    global _ENGINE, _OPTIONS
    os.environ.setdefault("EXPORTCTL_EMBEDDING_THREADS", "1")
    from exportctl.suggest.engine import Suggester

    _ENGINE = Suggester.load()
    _OPTIONS = options


def _screen(row: dict) -> dict:
    try:
        result = _ENGINE.suggest(
            row["text"],
            text_id=row["id"],
            top_k=_OPTIONS["top_k"],
            nationalities=_OPTIONS.get("nationalities") or None,
            level=_OPTIONS.get("level"),
        )
        return result.to_dict()
    except InputTextError as error:
        return {"id": row["id"], "controls": [], "error": error.message}


def screen_rows(
    rows: list[dict],
    *,
    jobs: int,
    top_k: int,
    nationalities: list[str] | None = None,
    level: str | None = None,
    engine: Any = None,
) -> Iterator[dict]:
    """One result record per row, in input order. With ``jobs`` > 1 the rows are shared
    among worker processes; with one job (or few rows) ``engine`` is used in this process."""
    options = {"top_k": top_k, "nationalities": nationalities, "level": level}
    if jobs <= 1 or len(rows) < 4 * jobs:
        global _ENGINE, _OPTIONS
        if engine is None:
            _start_worker(options)
        else:
            _ENGINE, _OPTIONS = engine, options
        yield from map(_screen, rows)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(jobs, initializer=_start_worker, initargs=(options,)) as pool:
        yield from pool.imap(_screen, rows, chunksize=4)
