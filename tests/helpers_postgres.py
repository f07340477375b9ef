"""A throwaway PostgreSQL server from Debian's ``postgresql`` package, for the tests and the
stress scripts (not a test module). Nothing is installed or downloaded: without the server
binaries the caller skips."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """The server binaries (or, as root, the ``postgres`` user and ``runuser``) are missing."""


def bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_as_postgres() -> list[str]:
    """The command prefix that runs the server as ``postgres`` when we are root (it refuses
    to run as root)."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError as error:
        raise PostgresUnavailable("running as root and there is no 'postgres' user") from error
    # runuser lives in /usr/sbin, which a root shell may not have on its PATH
    runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    if runuser is None:
        raise PostgresUnavailable("running as root and runuser (util-linux) is not installed")
    return [runuser, "-u", "postgres", "--"]


@contextmanager
def postgres_server(*, settings: tuple[str, ...] = ()) -> Iterator[str]:
    """Start a server on a free port of 127.0.0.1; yields the URL of its ``postgres``
    database; stops it and removes its files afterwards. ``settings`` are extra ``-c``
    options (e.g. ``"max_connections=200"``)."""
    binaries = bindir()
    if binaries is None:
        raise PostgresUnavailable("PostgreSQL server binaries are not installed")
    prefix = _run_as_postgres()
    # Not under a private temporary directory: the server's own user must reach it.
    base = Path(tempfile.mkdtemp(prefix="exportctl-pg-"))
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    if prefix:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1"
    options += "".join(f" -c {setting}" for setting in settings)
    try:
        subprocess.run(
            [*prefix, f"{binaries}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust"],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [*prefix, f"{binaries}/pg_ctl", "-D", str(data), "-l", str(base / "log")]
            + ["-w", "-o", options, "start"],
            check=True,
            capture_output=True,
        )
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        _wait_ready(url)
        yield url
    finally:
        subprocess.run(
            [*prefix, f"{binaries}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def _wait_ready(url: str, timeout: float = 20) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(_libpq(url), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def create_database(url: str, name: str) -> str:
    """A new empty database on the server of ``url``; its URL."""
    import psycopg

    with psycopg.connect(_libpq(url), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}"


def run_sql_file(url: str, path: Path) -> None:
    """Run a plain SQL file (``pg_dump --inserts``) in the database of ``url``."""
    import psycopg

    with psycopg.connect(_libpq(url), autocommit=True) as connection:
        connection.execute(path.read_text(encoding="utf-8"))
