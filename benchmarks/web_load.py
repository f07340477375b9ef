"""The web app under load: simultaneous browser-free sessions against a running server on
127.0.0.1, each speaking Streamlit's own WebSocket protocol as the browser does (the page's
widgets found by their keys, their values sent back as the browser sends them). Each session
signs in as a researcher, then screens real abstracts from the labelled set; the time to
suggestions is from sending the abstract to the end of the run that shows them.

Prints the sign-in time, and the time to suggestions of one session alone and of all sessions
at once (p50 / p95 / max), with how many runs showed suggestions.

    python benchmarks/web_load.py [--sessions 20] [--screenings 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[1]
ABSTRACTS = ROOT / "benchmarks" / "data" / "abstracts_test.jsonl"
FINISHED = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
ALERT_ERROR = Alert.Format.ERROR
#: The Screen page's heading above the suggestions.
SUGGESTIONS_HEADING = "What may apply"
#: Abstracts the session alone screens, one after another.
ALONE = 10
#: An entry code as the Screen page shows it (e.g. 6A005, 3E001, ML11).
ENTRY = re.compile(r"\b(?:[0-9][A-E][0-9]{3}|ML[0-9]{1,2}|PL[0-9]{4})\b")


class Session:
    """One browser-free session: the widgets the last runs showed, by key, and the page."""

    def __init__(self, url: str) -> None:
        self._connection = connect(
            url.replace("http://", "ws://") + "/_stcore/stream",
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=60,
        )
        self.ws = self._connection.__enter__()
        self.page = ""
        self.widgets: dict[str, str] = {}
        self.text: list[str] = []
        self.problems: list[str] = []  # tracebacks and error boxes the last run showed

    def close(self) -> None:
        self._connection.__exit__(None, None, None)

    def run(self, values: dict[str, tuple[str, object]] | None = None, timeout: float = 600):
        """Ask for a run with these widget values (key -> (field, value)); return when a run
        finishes without being replaced by another."""
        message = BackMsg()
        message.rerun_script.query_string = ""
        message.rerun_script.page_script_hash = self.page
        for key, (kind, value) in (values or {}).items():
            state = message.rerun_script.widget_states.widgets.add()
            state.id = self.widgets[key]
            setattr(state, kind, value)
        self.text = []
        self.problems = []
        self.ws.send(message.SerializeToString())
        deadline = time.monotonic() + timeout
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(self.ws.recv(timeout=max(1.0, deadline - time.monotonic())))
            kind = forward.WhichOneof("type")
            if kind == "navigation":
                self.page = forward.navigation.page_script_hash
            elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                part = getattr(element, element.WhichOneof("type"))
                if element.WhichOneof("type") == "exception":
                    self.problems.append(f"traceback: {part.type}: {part.message}")
                elif element.WhichOneof("type") == "alert" and part.format == ALERT_ERROR:
                    self.problems.append(f"error shown: {part.body}")
                widget = getattr(part, "id", "") if hasattr(part, "id") else ""
                if widget:
                    self.widgets[widget.split("-", 2)[-1]] = widget
                for name in ("body", "label"):
                    value = getattr(part, name, None)
                    if isinstance(value, str):
                        self.text.append(value)
            elif kind == "script_finished" and forward.script_finished == FINISHED:
                return

    def key(self, prefix: str) -> str:
        """The current key that starts with ``prefix`` (Screen's keys carry a form number)."""
        return next(k for k in self.widgets if k.startswith(prefix))


def sign_in(session: Session, username: str, password: str) -> float:
    session.run()
    started = time.perf_counter()
    session.run(
        {
            "signin_username": ("string_value", username),
            "signin_password": ("string_value", password),
            "FormSubmitter:signin_form-Sign in": ("trigger_value", True),
        }
    )
    for _ in range(20):
        if any(k.startswith("screen_text_") for k in session.widgets):
            return time.perf_counter() - started
        if session.problems:
            break
        session.run()  # the start page switches to Screen
    raise RuntimeError(f"sign-in as {username} failed: {session.problems or session.text[-3:]}")


def screen(session: Session, title: str, abstract: str) -> tuple[float, bool]:
    started = time.perf_counter()
    session.run(
        {
            session.key("screen_title_"): ("string_value", title),
            session.key("screen_text_"): ("string_value", abstract),
            "screen_suggest": ("trigger_value", True),
        }
    )
    elapsed = time.perf_counter() - started
    if session.problems:
        raise RuntimeError(f"screening {title}: {session.problems[0]}")
    return elapsed, shows_suggestions(session.text)


def shows_suggestions(text: list[str]) -> bool:
    """The page has the suggestions' heading with entry codes under it."""
    if SUGGESTIONS_HEADING not in text:
        return False
    return bool(ENTRY.search("\n".join(text[text.index(SUGGESTIONS_HEADING) :])))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(folder: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        **os.environ,
        "EXPORTCTL_DEMO": "1",
        "EXPORTCTL_DATABASE_URL": f"sqlite:///{folder / 'load.sqlite3'}",
        "EXPORTCTL_SESSION_SECRET_FILE": str(folder / "secret"),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=(folder / "server.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"the server did not start: {(folder / 'server.log').read_text()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--screenings", type=int, default=3, help="abstracts per session")
    parser.add_argument(
        "--url", default=None, help="a running app in demo mode (default: start one)"
    )
    args = parser.parse_args()
    load_before = f"{os.getloadavg()[0]:.2f}"
    abstracts = [json.loads(line) for line in ABSTRACTS.read_text(encoding="utf-8").splitlines()]
    with tempfile.TemporaryDirectory(prefix="exportctl-load-") as folder:
        process = None
        url = args.url
        if url is None:
            process, url = start_server(Path(folder))
        try:
            # One session alone first: it also loads the engine (the first screening only).
            alone = Session(url)
            signed_alone = sign_in(alone, "researcher", "researcher-demo")
            cold, _ = screen(alone, "warm-up", abstracts[0]["text"])
            single_runs = [screen(alone, a["id"], a["text"]) for a in abstracts[1 : 1 + ALONE]]
            single = [elapsed for elapsed, _ in single_runs]
            alone.close()

            sessions = [Session(url) for _ in range(args.sessions)]
            signed: list[float] = [0.0] * args.sessions
            times: list[float] = []
            shown: list[bool] = []
            errors: list[str] = []
            lock = threading.Lock()
            barrier = threading.Barrier(args.sessions)

            def user(index: int) -> None:
                session = sessions[index]
                try:
                    signed[index] = sign_in(
                        session,
                        ["researcher", "researcher2"][index % 2],
                        ["researcher-demo", "researcher2-demo"][index % 2],
                    )
                    barrier.wait()  # every session screens at the same moment
                    for round_ in range(args.screenings):
                        item = abstracts[(index * args.screenings + round_) % len(abstracts)]
                        elapsed, ok = screen(session, item["id"], item["text"])
                        with lock:
                            times.append(elapsed)
                            shown.append(ok)
                except Exception as error:  # noqa: BLE001 - reported as a figure
                    with lock:
                        errors.append(f"session {index}: {type(error).__name__}: {error}")
                    barrier.abort()
                finally:
                    session.close()

            threads = [threading.Thread(target=user, args=(i,)) for i in range(args.sessions)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
    print(f"load average before: {load_before}, after: {os.getloadavg()[0]:.2f}")
    print(f"one session alone, sign-in: {signed_alone:.2f} s")
    print(f"first screening (loads the engine): {cold:.1f} s")
    print(
        f"one session alone, time to suggestions: p50 {percentile(single, 0.5):.2f} s, "
        f"p95 {percentile(single, 0.95):.2f} s, max {max(single):.2f} s; suggestions shown "
        f"{sum(ok for _, ok in single_runs)}/{len(single_runs)}"
    )
    print(
        f"{args.sessions} sessions signing in at once: p50 {percentile(signed, 0.5):.2f} s, "
        f"p95 {percentile(signed, 0.95):.2f} s, max {max(signed):.2f} s"
    )
    print(
        f"{args.sessions} sessions screening at once, {len(times)} screenings: time to "
        f"suggestions p50 {percentile(times, 0.5):.2f} s, p95 {percentile(times, 0.95):.2f} s, "
        f"max {max(times, default=0):.2f} s; suggestions shown {sum(shown)}/{len(shown)}; "
        f"{len(times) / wall:.2f} screenings/s over {wall:.0f} s"
    )
    print(f"errors: {len(errors)}")
    for error in errors[:5]:
        print(f"  {error}")
    all_shown = all(shown) and all(ok for _, ok in single_runs)
    raise SystemExit(1 if errors or not all_shown else 0)


if __name__ == "__main__":
    main()
