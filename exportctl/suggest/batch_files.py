"""The files of ``exportctl suggest --input IN --output OUT``: the rows read and checked before
anything is screened, and the results written so that OUT only ever holds a complete run.

Results go, as they come, to a hidden partial file beside OUT (``.OUT.partial``, with the
run's settings in ``.OUT.partial.json``); when every row is done the partial file is flushed to
disk and renamed to OUT. A killed run leaves OUT as it was (absent, or the previous complete
run) and its partial file, which ``--resume`` continues: the ids already done are kept and only
the others are screened. A lock (``.OUT.lock``) keeps a second run from writing the same OUT.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from exportctl.atomic import atomic_file, exclusive, fsync_folder
from exportctl.errors import InputTextError, OutputError
from exportctl.jsonl import read_jsonl
from exportctl.textio import SURROGATE

#: How many problems a refusal lists before "and N more".
SHOWN_PROBLEMS = 8


def id_key(value: Any) -> str:
    """An id as compared: ``1`` and ``"1"`` name the same record."""
    return value if isinstance(value, str) else json.dumps(value)


def read_batch(path: Path, *, encoding: str = "utf-8") -> list[dict]:
    """The batch's rows, each with an ``id`` (its record number when it has none), all
    checked before anything is screened: a record that is not ``{"id": ..., "text": ...}``, or
    ids that are not unique (given twice, or given as another record's number), are refused
    with every offending record named."""
    if not path.exists():
        raise InputTextError(f"Input file not found: {path}")
    if path.is_dir():
        raise InputTextError(f"{path} is a folder: give the JSONL file of texts to screen.")
    rows = read_jsonl(path, error=InputTextError, encoding=encoding)
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or "text" not in row:
            raise InputTextError(
                f'{path} record {number} needs {{"id": ..., "text": ...}}; nothing was screened.'
            )
        if row.get("id") is None:
            row["id"] = str(number)
            row["_generated_id"] = True
        elif not isinstance(row["id"], str | int | float) or isinstance(row["id"], bool):
            problems.append(f"record {number}'s id is not a string or a number")
    records: dict[str, list[int]] = {}
    for number, row in enumerate(rows, start=1):
        records.setdefault(id_key(row["id"]), []).append(number)
    for key, numbers in records.items():
        if len(numbers) < 2:
            continue
        generated = [n for n in numbers if rows[n - 1].get("_generated_id")]
        if generated:
            problems.append(
                f"record {generated[0]} has no id and is given its number {key}, which record "
                f"{next(n for n in numbers if n != generated[0])} also uses as its id"
            )
        else:
            shown = ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
            problems.append(f"id {key} is used by records {shown}")
    if problems:
        more = len(problems) - SHOWN_PROBLEMS
        raise InputTextError(
            f"{path}: {'; '.join(problems[:SHOWN_PROBLEMS])}"
            f"{f'; and {more} more' if more > 0 else ''}. Each record needs an id of its own "
            "(a record without one is given its number): nothing was screened."
        )
    for row in rows:
        row.pop("_generated_id", None)
    return rows


def result_line(record: dict) -> str:
    """One result as a JSON line; lone surrogates (from an id) written as JSON escapes."""
    line = json.dumps(record, ensure_ascii=False)
    if SURROGATE.search(line):
        line = json.dumps(record)
    return line + "\n"


def check_output(output: Path, input_path: Path) -> None:
    """Refuse an output that is the input, or a folder; create a missing folder."""
    if output.is_dir():
        raise OutputError(f"{output} is a folder: give the file to write, e.g. {output}/out.jsonl.")
    same = output.exists() and input_path.exists() and os.path.samefile(output, input_path)
    if same or output.resolve() == input_path.resolve():
        raise OutputError(
            f"--output {output} is the input file: writing it would destroy the texts being "
            "screened. Give another output file."
        )
    folder = output.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"Cannot create the output folder {folder} ({error.strerror}). Choose a folder you "
            "can write to."
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(
            f"The output folder {folder} cannot be written to (permission denied). Choose a "
            "folder you can write to."
        )


@dataclass
class Done:
    """Results found from an earlier run of the same batch."""

    ids: set[str] = field(default_factory=set)
    source: Path | None = None


class BatchOutput:
    """The partial file of a run to ``output``; use as a context manager (it holds the lock).

    ``settings`` (top-k, nationalities, level, list version) are recorded beside the partial
    file; ``--resume`` continues only a run made with the same ones."""

    def __init__(self, output: Path, settings: dict[str, Any], *, resume: bool) -> None:
        self.output = output
        self.settings = settings
        self.resume = resume
        self.partial = output.with_name(f".{output.name}.partial")
        self.settings_file = output.with_name(f".{output.name}.partial.json")
        self.lock = output.with_name(f".{output.name}.lock")
        self.done = Done()
        self._handle: IO[str] | None = None
        self._stack = contextlib.ExitStack()

    # -- opening ---------------------------------------------------------------------------
    def __enter__(self) -> BatchOutput:
        self._stack.enter_context(exclusive(self.lock, str(self.output)))
        try:
            if self.resume:
                self.done = self._earlier_results()
            else:
                self.partial.unlink(missing_ok=True)
            self._write_settings()
            self._handle = self.partial.open("a", encoding="utf-8")
        except OSError as error:
            self._stack.close()
            raise OutputError(
                f"Cannot write beside {self.output} ({error.strerror}). Choose a folder you can "
                "write to."
            ) from None
        return self

    def __exit__(self, *exc_info) -> None:
        if self._handle is not None:
            self._handle.close()
        self._stack.close()

    def _write_settings(self) -> None:
        with atomic_file(self.settings_file) as handle:
            json.dump(self.settings, handle)

    def _earlier_results(self) -> Done:
        """The ids the killed run (its partial file) or a complete earlier run (the output)
        already screened with these settings."""
        if self.partial.exists():
            try:
                earlier = json.loads(self.settings_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                earlier = None
            if earlier != self.settings:
                changed = sorted(
                    k for k in self.settings if not earlier or earlier.get(k) != self.settings[k]
                )
                raise OutputError(
                    f"The unfinished run to {self.output} was made with other settings "
                    f"({', '.join(changed) or 'unknown'}): resume with the same ones, or start "
                    "again without --resume."
                )
            self._drop_cut_last_line(self.partial)
            return Done(self._ids_in(self.partial), self.partial)
        if self.output.exists():
            # A complete earlier run: its results are copied into the new partial file.
            ids = set()
            with self.output.open("rb") as source, self.partial.open("wb") as target:
                for start, length, record in _offsets(self.output):
                    if record.get("list_version") == self.settings.get("list_version"):
                        source.seek(start)
                        target.write(source.read(length))
                        ids.add(id_key(record.get("id")))
            return Done(ids, self.output)
        return Done()

    @staticmethod
    def _drop_cut_last_line(path: Path) -> None:
        """A kill mid-write can leave a last line without its end: it is screened again."""
        with path.open("rb+") as handle:
            data = handle.read()
            if data and not data.endswith(b"\n"):
                handle.truncate(data.rfind(b"\n") + 1)

    @staticmethod
    def _ids_in(path: Path) -> set[str]:
        return {id_key(record.get("id")) for *_, record in _offsets(path)}

    # -- writing ---------------------------------------------------------------------------
    def write(self, record: dict) -> None:
        assert self._handle is not None
        self._handle.write(result_line(record))
        self._handle.flush()  # a kill loses at most the record being written

    def finish(self, ids: Iterable[Any]) -> None:
        """Every row is done: the output becomes the results in input order, atomically."""
        assert self._handle is not None
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self._handle = None
        order = [id_key(i) for i in ids]
        lines = {id_key(r.get("id")): (start, n) for start, n, r in _offsets(self.partial)}
        if list(lines) == order:
            os.replace(self.partial, self.output)
        else:  # resumed: earlier results first, new ones after; put them in input order
            with self.partial.open("rb") as source, atomic_file(self.output, encoding=None) as out:
                for key in order:
                    start, length = lines[key]
                    source.seek(start)
                    out.write(source.read(length))
            self.partial.unlink()
        self.settings_file.unlink(missing_ok=True)
        fsync_folder(self.output.parent)


def _offsets(path: Path) -> Iterator[tuple[int, int, dict]]:
    """Where each complete result line of ``path`` starts, its length in bytes, and its
    record; a line that is not a result record (damaged) is skipped, and so screened again."""
    offset = 0
    with path.open("rb") as handle:
        for line in handle:
            start, offset = offset, offset + len(line)
            if not line.endswith(b"\n"):
                break
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and "id" in record:
                yield start, len(line), record
