"""Saved artefacts under ``models/`` (the word, character and meaning indexes): a folder of data
files and a ``params.json`` stamp that also records each file's sha256.

A folder is written whole under a hidden temporary name and renamed into place
(``save_folder``), so a process that is killed, or a reader running while another process
rebuilds, never sees half of one. A reader (``SavedFolder``) opens the folder once and reads
every file through that handle, each checked against the stamp: a file cut short, edited or
reordered, or a folder replaced while it is read, is reported as damaged (and the caller
rebuilds), never loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exportctl.atomic import fsync_folder, swap_in
from exportctl.errors import ExportctlError, IndexMismatchError

PARAMS_FILE = "params.json"
FILES_KEY = "files"
#: A replaced folder is kept this long (seconds) for readers still reading it, then removed by
#: a later save; so is a staging folder a killed build left, after an hour.
KEEP_REPLACED_S = 120
KEEP_STAGING_S = 3600


def stamp_without_files(stamp: dict[str, Any]) -> dict[str, Any]:
    """What a stamp says about how the artefact was made (its checksums aside)."""
    return {key: value for key, value in stamp.items() if key != FILES_KEY}


def save_folder(target: Path, write: Callable[[Path], None], stamp: dict[str, Any]) -> None:
    """Call ``write(folder)`` to write the data files into a staging folder, add the stamp
    with their checksums, and rename the folder to ``target`` (replacing any older one).
    ``OSError`` when the folder cannot be written (a read-only ``models/``)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        write(staging)
        files = {}
        for path in sorted(staging.iterdir()):
            files[path.name] = _sync_and_hash(path)
        params = staging / PARAMS_FILE
        params.write_text(json.dumps({**stamp, FILES_KEY: files}, indent=2), encoding="utf-8")
        _sync_and_hash(params)
        fsync_folder(staging)
        # The folder replaced is left for a while: a process reading it (through its open
        # handle) finishes reading a whole index rather than losing its files mid-read.
        swap_in(staging, target, aside=f"old-{int(time.time())}")
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    _remove_replaced(target)


def _remove_replaced(target: Path) -> None:
    """Remove the folders this target replaced more than ``KEEP_REPLACED_S`` ago, and staging
    folders a killed build left behind."""
    now = time.time()
    for old in target.parent.glob(f".{target.name}.old-*"):
        stamp = old.name.rsplit(".old-", 1)[1].split("-")[0]
        if stamp.isdigit() and now - int(stamp) > KEEP_REPLACED_S:
            shutil.rmtree(old, ignore_errors=True)
    for staging in target.parent.glob(f".{target.name}.tmp-*"):
        try:
            if now - staging.stat().st_mtime > KEEP_STAGING_S:
                shutil.rmtree(staging, ignore_errors=True)
        except FileNotFoundError:
            continue


def _sync_and_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb+") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
        os.fsync(handle.fileno())
    return digest.hexdigest()


class SavedFolder:
    """A saved folder opened for reading; use as a context manager.

    ``stamp`` is its ``params.json``; ``read(name)`` returns a file's bytes once they match
    the checksum the stamp records. Problems raise ``error`` (an ``IndexMismatchError`` by
    default) saying what is missing or damaged."""

    def __init__(
        self, folder: Path, *, what: str, error: type[ExportctlError] = IndexMismatchError
    ) -> None:
        self.folder = folder
        self.what = what
        self.error = error
        self._fd: int | None = None
        self.stamp: dict[str, Any] = {}

    def __enter__(self) -> SavedFolder:
        try:
            self._fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            raise self.error(f"No {self.what} at {self.folder}.") from None
        except OSError as problem:
            raise self.error(f"Cannot open the {self.what} at {self.folder}: {problem}.") from None
        try:
            stamp = json.loads(self._bytes(PARAMS_FILE))
        except FileNotFoundError:
            self.close()
            raise self.error(f"No {self.what} at {self.folder} (no {PARAMS_FILE}).") from None
        except (OSError, ValueError) as problem:
            self.close()
            raise self.damaged(f"{PARAMS_FILE}: {problem}") from None
        if not isinstance(stamp, dict) or not isinstance(stamp.get(FILES_KEY), dict):
            self.close()
            raise self.damaged(f"{PARAMS_FILE} records no checksums")
        self.stamp = stamp
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def damaged(self, detail: str) -> ExportctlError:
        return self.error(f"The {self.what} at {self.folder} is damaged ({detail}).")

    def _bytes(self, name: str) -> bytes:
        fd = os.open(name, os.O_RDONLY, dir_fd=self._fd)
        with os.fdopen(fd, "rb") as handle:
            return handle.read()

    def read(self, name: str) -> bytes:
        expected = self.stamp[FILES_KEY].get(name)
        if expected is None:
            raise self.damaged(f"{PARAMS_FILE} records no checksum for {name}")
        try:
            data = self._bytes(name)
        except OSError as problem:
            raise self.damaged(f"{name}: {problem.strerror or problem}") from None
        if hashlib.sha256(data).hexdigest() != expected:
            raise self.damaged(f"{name} does not match its checksum: cut short or edited")
        return data
