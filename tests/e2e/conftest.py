"""End-to-end fixtures: a real ``streamlit run app.py`` on a free localhost port with a
temporary SQLite database, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def app_server(tmp_path_factory) -> Iterator[dict[str, str]]:
    """The app on a free port with an empty temporary database; stopped after the tests."""
    base = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    database = base / "e2e.sqlite3"
    log = base / "streamlit.log"
    env = {
        **os.environ,
        "EXPORTCTL_DATABASE_URL": f"sqlite:///{database}",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_DIR / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
    ]
    with log.open("w") as log_file:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield {"url": url, "database": str(database), "log": str(log)}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
