"""Writing files and folders so that no reader, and no crash, ever sees half of one; and locks
that keep two processes from writing the same thing at once.

A file is written to a temporary file beside it, flushed to disk and renamed over the target
(``atomic_file``); a folder is filled under a hidden temporary name and renamed into place
(``swap_in``). A rename within one file system is atomic on POSIX: a reader opens the old
whole file or the new whole file. A killed writer leaves only a hidden temporary name behind.

Locks (``exclusive``) are advisory ``flock`` locks on a lock file: the operating system drops
them when their process dies, so a kill never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from exportctl.errors import InUseError

#: How often ``swap_in`` retries when another process renames the same folder at that moment.
SWAP_ATTEMPTS = 5


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (its directory entry written to disk)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename itself is still atomic
    finally:
        os.close(fd)


def temporary_name(path: Path, purpose: str = "tmp") -> Path:
    """A hidden name beside ``path`` that no other process will choose."""
    return path.with_name(f".{path.name}.{purpose}-{secrets.token_hex(4)}")


@contextlib.contextmanager
def atomic_file(path: Path, *, encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; when the block ends without an error
    the file is flushed to disk and renamed to ``path``. On an error it is removed and
    ``path`` is left as it was. ``encoding=None`` opens it in binary mode."""
    temporary = temporary_name(path)
    mode = "wb" if encoding is None else "w"
    handle = open(temporary, mode, encoding=encoding)  # noqa: SIM115 - closed below
    try:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.replace(temporary, path)
        fsync_folder(path.parent)
    except BaseException:
        handle.close()
        temporary.unlink(missing_ok=True)
        raise


def write_file(path: Path, data: bytes | str) -> None:
    """The whole of ``data`` at ``path``, atomically."""
    binary = isinstance(data, bytes)
    with atomic_file(path, encoding=None if binary else "utf-8") as handle:
        handle.write(data)


def swap_in(staging: Path, target: Path, *, aside: str = "old") -> Path | None:
    """Rename the complete folder ``staging`` to ``target``. An existing ``target`` is first
    renamed aside; its new (hidden) path is returned for the caller to keep or delete.

    Another process may put its own ``target`` in place between the two renames (two builds of
    one index at once): then its folder is moved aside too and the rename retried, so whichever
    rename comes last wins and every reader sees one complete folder or the other.
    """
    displaced: Path | None = None
    for _ in range(SWAP_ATTEMPTS):
        try:
            os.rename(staging, target)
            fsync_folder(target.parent)
            return displaced
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.EISDIR, errno.ENOTDIR):
                raise
        moved = temporary_name(target, aside)
        try:
            os.rename(target, moved)
        except FileNotFoundError:
            continue  # someone else moved it aside: try again
        if displaced is None:
            displaced = moved
        else:
            shutil.rmtree(moved, ignore_errors=True)
    raise OSError(errno.EBUSY, f"{target} kept being replaced by another process")


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 200).decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return f" (process {text})" if text.isdigit() else ""


@contextlib.contextmanager
def exclusive(lock_path: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` while the block runs, or raise ``InUseError``
    at once (never wait) when another process holds it. ``what`` names the thing being
    written, for the message. The lock file records the holder's process id and is removed
    when the block ends."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise InUseError(
                f"Another exportctl run{holder} is writing {what}. Wait for it to finish, "
                "or choose another output."
            ) from None
        # The previous holder may have removed the file between our open and our lock: then
        # we hold a lock on a file nobody else can find, and must take the new one instead.
        try:
            same = os.stat(lock_path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        lock_path.unlink(missing_ok=True)  # removed while still held, so no one else
        os.close(fd)  # can lock the old file after a newcomer locked a new one
