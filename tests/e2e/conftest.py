"""End-to-end fixtures: a real ``streamlit run app.py`` on a free localhost port with a
temporary SQLite database and its own accounts file (the demo accounts and a second officer),
driven by Debian's Chromium through Playwright; and a local web server that records every
request, to prove that user text makes the browser fetch nothing."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from exportctl.appconfig import DEFAULT_USERS_FILE
from exportctl.auth import hash_password
from exportctl.config import PROJECT_DIR

CHROMIUM = os.environ.get("EXPORTCTL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = PROJECT_DIR / "docs" / "screenshots"
SERVER_START_TIMEOUT = 90


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(
        f"streamlit did not start within {SERVER_START_TIMEOUT}s:\n{log.read_text()}"
    )


#: A second officer, for two officers working on one case at once.
SECOND_OFFICER = ("officer2", "officer2-demo", "Oona Officer")
#: Accounts of the server without demo mode (a university's own, long passwords).
OWN_ACCOUNTS = {
    "ecu": ("correct horse battery staple", "Eve Control", "officer"),
    "locked": ("tractor kettle meadow lantern", "Lou Locked", "researcher"),
}


def _users_file(folder: Path, *, demo: bool) -> Path:
    """The demo accounts, a second officer and the university's own accounts; without
    ``demo`` the file is not marked as a demo file (the demo accounts' published passwords are
    still refused outside demo mode)."""
    username, password, name = SECOND_OFFICER
    path = folder / "users.toml"
    text = DEFAULT_USERS_FILE.read_text(encoding="utf-8")
    if not demo:
        text = text.replace("\ndemo = true\n", "\n")
    text += f'\n[users.{username}]\nname = "{name}"\nrole = "officer"\n'
    text += f'password_hash = "{hash_password(password, iterations=10_000)}"\n'
    for username, (password, name, role) in OWN_ACCOUNTS.items():
        text += f'\n[users.{username}]\nname = "{name}"\nrole = "{role}"\n'
        text += f'password_hash = "{hash_password(password, iterations=10_000)}"\n'
    path.write_text(text, encoding="utf-8")
    return path


@contextmanager
def running_app(
    base: Path,
    database: Path,
    *,
    demo: bool = True,
    address: str | None = "127.0.0.1",
    **env: str,
) -> Iterator[dict[str, str]]:
    """``streamlit run app.py`` on a free port with the database at ``database``, its own
    accounts file and sign-in key under ``base``, and ``env`` on top; stopped on exit. In demo
    mode unless ``demo`` is False; with ``address`` None it listens where
    .streamlit/config.toml says."""
    port = _free_port()
    log = base / f"streamlit-{port}.log"
    environment = {
        **os.environ,
        "EXPORTCTL_DATABASE_URL": f"sqlite:///{database}",
        "EXPORTCTL_USERS_FILE": str(_users_file(base, demo=demo)),
        "EXPORTCTL_SESSION_SECRET_FILE": str(base / "session-secret"),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        **env,
    }
    environment.pop("EXPORTCTL_SESSION_SECRET", None)
    environment.pop("EXPORTCTL_DEMO", None)
    if demo:
        environment["EXPORTCTL_DEMO"] = "1"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_DIR / "app.py"),
        "--server.port",
        str(port),
        *(["--server.address", address] if address else []),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
    ]
    with log.open("w") as log_file:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=environment, stdout=log_file, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield {"url": url, "database": str(database), "log": str(log), "port": str(port)}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory) -> Iterator[dict[str, str]]:
    """The app in demo mode on a free port with an empty temporary database; stopped after
    the tests."""
    base = tmp_path_factory.mktemp("e2e")
    with running_app(base, base / "e2e.sqlite3") as server:
        yield server


@pytest.fixture(scope="session")
def own_accounts_server(tmp_path_factory) -> Iterator[dict[str, str]]:
    """The app as a university runs it: no demo mode, listening where the shipped
    configuration says (no --server.address)."""
    base = tmp_path_factory.mktemp("e2e-own")
    with running_app(base, base / "e2e.sqlite3", demo=False, address=None) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.e2e_failed = report.failed


@pytest.fixture()
def page(request, browser, app_server, tmp_path):
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="en-GB"
    )
    context.set_default_timeout(30_000)
    tab = context.new_page()
    yield tab
    if getattr(request.node, "e2e_failed", False):
        # What the browser showed when the test failed, and the server's log, for diagnosis.
        failure = tmp_path / "failure.png"
        tab.screenshot(path=str(failure), full_page=True)
        print(f"\nscreenshot at failure: {failure}\nserver log: {app_server['log']}")
    context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where page screenshots go: docs/screenshots when EXPORTCTL_UPDATE_SCREENSHOTS=1 (to
    refresh the committed ones), a temporary folder otherwise (a test run leaves the work
    tree clean)."""
    if os.environ.get("EXPORTCTL_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


class _Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    do_POST = do_HEAD = do_GET

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture()
def fetch_trap() -> Iterator[dict]:
    """A web server on 127.0.0.1 that records the paths of every request it gets. User text
    on the pages points images and links at it: nothing must arrive."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}", "requests": server.requests}
    finally:
        server.shutdown()
        server.server_close()
