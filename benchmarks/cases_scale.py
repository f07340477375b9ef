"""The web app and its case store at an office's scale, printed as numbers.

    python benchmarks/cases_scale.py [--cases 10000] [--abstracts 120] [--repeat 5]
                                     [--databases sqlite postgresql]

Seeds ``--cases`` realistic cases into each database: real research abstracts from
``benchmarks/data`` screened by the real engine (a third of them also with a visitor's
nationality and level, so they carry an ATAS assessment), spread over the last year across 25
researchers; 60% decided (entries confirmed and rejected, with notes), 15% in review, 20%
submitted, 5% withdrawn; an audit event for every change, as the app writes them. PostgreSQL is
a server this script starts from Debian's ``postgresql`` package (skipped when absent).

Then, for each database, times what an officer waits for (the web app's server-side run, in
Streamlit's AppTest, after a warm-up; median of ``--repeat``):

- queue load: the Review page after sign-in, with the first page of the queue and its first
  case open; and the store's page query and counts alone;
- case open: choosing another case in the picker;
- click: a radio click in an open suggestion section;
- save: 'Save review' on a suggestion, and 'Save decision';
- export: the decisions workbook of every case (and of the decided ones), streamed to a file.

With ``--browser`` the same waits are also timed in Debian's headless Chromium against
``streamlit run app.py`` (sign-in to a usable queue, opening a case, a click, a save).

Targets on 2 cores: queue under 1 s, a click under 0.5 s, export of 10,000 cases under 30 s.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import pwd
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = [HERE / "data" / "abstracts_dev.jsonl", HERE / "data" / "abstracts_test.jsonl"]
sys.path.insert(0, str(ROOT))

from exportctl.auth import User  # noqa: E402
from exportctl.cases.models import AnswerRow, AuditRow, CaseRow  # noqa: E402
from exportctl.cases.records import CaseFilter, case_ref  # noqa: E402
from exportctl.cases.repository import (  # noqa: E402
    CaseRepository,
    _result_json,
    _suggestion_rows,
    summarise_atas,
)
from exportctl.export_excel import write_workbook  # noqa: E402

OFFICERS = [User(f"officer{i}", f"Officer {i}", "officer") for i in range(1, 4)]
RESEARCHERS = [User(f"researcher{i:02d}", f"Researcher {i:02d}", "researcher") for i in range(25)]
DECISIONS = (
    ["not_listed"] * 5
    + ["listed_exempt_basic_research"] * 2
    + ["listed_exempt_public_domain", "listed_licence_needed", "refer_ecju"]
)
APP = str(ROOT / "app.py")
ANSWER_KEYS = ("public_domain", "basic_research", "patent", "end_use")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- realistic cases -------------------------------------------------------------------------


def screen_abstracts(limit: int):
    """Real abstracts screened by the real engine; every third with a visitor (ATAS)."""
    from exportctl.suggest.engine import Suggester

    records = [json.loads(line) for path in DATA for line in path.read_text().splitlines()]
    random.Random(7).shuffle(records)
    suggester = Suggester.load()
    screened = []
    started = time.perf_counter()
    for index, record in enumerate(records[:limit]):
        visitor = index % 3 == 0
        result = suggester.suggest(
            record["text"],
            nationalities=["CN"] if visitor else None,
            level="research" if visitor else None,
        )
        title = record.get("title") or " ".join(record["text"].split()[:9])
        screened.append((title, record["text"], result, visitor))
    say(f"screened {len(screened)} abstracts in {time.perf_counter() - started:.0f} s")
    return screened


def seed(repo: CaseRepository, screened, count: int) -> None:
    """``count`` cases written the way the app writes them, a thousand per transaction."""
    rng = random.Random(11)
    now = datetime.now().replace(microsecond=0)
    for start in range(0, count, 1000):
        with repo._transaction() as session:  # one transaction per thousand cases
            for number in range(start, min(start + 1000, count)):
                title, text, result, visitor = screened[number % len(screened)]
                researcher = RESEARCHERS[number % len(RESEARCHERS)]
                submitted = now - timedelta(days=365 * (1 - number / count), hours=rng.random())
                roll = rng.random()
                status = (
                    "decided"
                    if roll < 0.60
                    else "in_review"
                    if roll < 0.75
                    else "submitted"
                    if roll < 0.95
                    else "withdrawn"
                )
                atas_summary, rules_version = summarise_atas(result)
                case = CaseRow(
                    external_id=f"G-{number:06d}" if number % 2 else None,
                    title=f"{title} ({number})",
                    abstract=text,
                    source_name="grants.xlsx" if number % 2 else None,
                    researcher=researcher.username,
                    researcher_name=researcher.name,
                    created_by=researcher.username,
                    partner_country="Japan (JP)" if number % 7 == 0 else None,
                    visitor_nationality="China (CN)" if visitor else None,
                    visitor_level="research" if visitor else None,
                    status="submitted",
                    created_at=submitted,
                    submitted_at=submitted,
                    updated_at=submitted,
                    list_version=result.list_version,
                    rules_version=rules_version,
                    atas_summary=atas_summary,
                    result_json=_result_json(result),
                    version=1,
                )
                case.suggestions.extend(_suggestion_rows(result))
                for key in ANSWER_KEYS:
                    case.answers.append(
                        AnswerRow(
                            key=key,
                            question=f"Question {key}",
                            answer=rng.choice(["yes", "no", "unsure", "unanswered"]),
                            comment="As discussed with my head of department"
                            if rng.random() < 0.2
                            else None,
                            answered_by=researcher.username,
                            answered_at=submitted,
                        )
                    )
                session.add(case)
                session.flush()
                events = [("case_submitted", researcher, case_ref(case.id), submitted)]
                at = submitted
                if status in ("in_review", "decided"):
                    officer = OFFICERS[number % len(OFFICERS)]
                    for rank, suggestion in enumerate(case.suggestions[:3]):
                        at += timedelta(hours=rng.uniform(1, 48))
                        confirmed = rank == 0 and rng.random() < 0.4
                        suggestion.status = "confirmed" if confirmed else "rejected"
                        suggestion.note = None if confirmed else "Parameters below the threshold"
                        suggestion.reviewed_by, suggestion.reviewed_at = officer.username, at
                        suggestion.version = 2
                        events.append(
                            (f"suggestion_{suggestion.status}", officer, suggestion.code, at)
                        )
                    case.status, case.version = "in_review", 4
                if status == "decided":
                    at += timedelta(hours=rng.uniform(1, 72))
                    confirmed = any(s.status == "confirmed" for s in case.suggestions)
                    case.decision = (
                        rng.choice([d for d in DECISIONS if d != "not_listed"])
                        if confirmed
                        else "not_listed"
                    )
                    case.atas_decision = "required" if visitor else "not_applicable"
                    case.officer, case.decided_at = officer.username, at
                    case.decision_note = "Checked against the parameters in the abstract."
                    case.status, case.version = "decided", 5
                    events.append(("case_decided", officer, case_ref(case.id), at))
                if status == "withdrawn":
                    at += timedelta(days=1)
                    case.status, case.version = "withdrawn", 2
                    events.append(("case_withdrawn", researcher, case_ref(case.id), at))
                case.updated_at = at
                for action, actor, target, when in events:
                    session.add(
                        AuditRow(
                            case_id=case.id,
                            at=when,
                            actor=actor.username,
                            actor_role=actor.role,
                            action=action,
                            target=target,
                            detail_json="{}",
                            list_version=case.list_version,
                            rules_version=case.rules_version,
                        )
                    )
        say(f"  seeded {min(start + 1000, count):,} cases")


# -- PostgreSQL ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def postgresql_server() -> Iterator[str | None]:
    """A throw-away PostgreSQL server from Debian's package; its URL, or None if absent."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        yield None
        return
    bindir = os.path.dirname(found[-1])
    base = Path(tempfile.mkdtemp(prefix="exportctl-bench-pg-"))
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        pwd.getpwnam("postgres")
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run(
        [*prefix, f"{bindir}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *prefix,
            f"{bindir}/pg_ctl",
            "-D",
            str(data),
            "-l",
            str(base / "log"),
            "-w",
            "-o",
            f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, f"{bindir}/pg_ctl", "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


# -- measuring -------------------------------------------------------------------------------


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def median_of(repeat: int, action: Callable[[], float]) -> float:
    return statistics.median(action() for _ in range(repeat))


class Figures(dict):
    """Measured figures, each also shown as soon as it is known."""

    def __setitem__(self, key: str, value: float) -> None:
        say(f"    {key}: {value:.3f}")
        super().__setitem__(key, value)


def measure(url: str, repeat: int, workdir: Path) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    from exportctl.webapp.review import PICKER_KEY, SECTIONS_KEY

    os.environ["EXPORTCTL_DATABASE_URL"] = url
    officer = User("officer", "Olu Officer", "officer")
    repo = CaseRepository.open(url)
    figures: dict[str, float] = Figures()
    open_filter = CaseFilter(statuses=("submitted", "in_review"))

    def store_queue() -> float:
        return timed(
            lambda: (
                repo.count_by_status(officer, open_filter),
                repo.list_case_summaries(officer, open_filter),
            )
        )

    figures["store: queue page and counts (s)"] = median_of(repeat, store_queue)
    first_id = repo.list_case_summaries(officer, open_filter, limit=1).items[0].id
    figures["store: open a case (s)"] = median_of(
        repeat, lambda: timed(lambda: repo.get_case(officer, first_id))
    )

    def signed_in() -> AppTest:
        at = AppTest.from_file(APP, default_timeout=300)
        at.session_state["user"] = officer
        return at

    signed_in().run()  # warm-up: imports, the control list, the engine's caches

    def queue_load() -> float:
        at = signed_in()
        return timed(at.run)

    figures["web: queue load after sign-in (s)"] = median_of(repeat, queue_load)

    at = signed_in().run()
    options = at.selectbox(key=PICKER_KEY).options
    ids = [int(o.split(" —")[0][2:]) for o in options]

    def case_open() -> float:
        target = random.choice(ids[1:])
        return timed(lambda: at.selectbox(key=PICKER_KEY).set_value(target).run())

    figures["web: open another case (s)"] = median_of(repeat, case_open)

    def fresh_open_case():
        """A case in the queue with a pending suggestion, opened with that section open."""
        case = next(
            c
            for c in (repo.get_case(officer, i) for i in ids)
            if c.status in ("submitted", "in_review")
            and any(s.status == "pending" for s in c.suggestions)
        )
        pending = next(s for s in case.suggestions if s.status == "pending")
        page = signed_in()
        page.query_params["case"] = case.ref
        page.session_state[SECTIONS_KEY] = {pending.id: True}
        page.run()
        ids.remove(case.id)
        return page, case, pending

    def click() -> float:
        page, _case, pending = fresh_open_case()
        radio = page.radio(key=f"review_s{pending.id}_status")
        return timed(lambda: radio.set_value("confirmed").run())

    figures["web: click a radio (s)"] = median_of(repeat, click)

    def save_review() -> float:
        page, case, pending = fresh_open_case()
        page.radio(key=f"review_s{pending.id}_status").set_value("confirmed").run()
        seconds = timed(lambda: page.button(key=f"review_s{pending.id}_save").click().run())
        saved = {s.id: s.status for s in repo.get_case(officer, case.id).suggestions}
        assert saved[pending.id] == "confirmed", "the review was not saved"
        return seconds

    figures["web: save a review (s)"] = median_of(repeat, save_review)

    def save_decision() -> float:
        page, case, _pending = fresh_open_case()
        decision = "listed_exempt_basic_research" if case.confirmed_codes else "not_listed"
        page.selectbox(key=f"review_decision_{case.id}").select(decision)
        page.selectbox(key=f"review_atas_{case.id}").select("not_applicable").run()
        seconds = timed(lambda: page.button(key=f"review_decide_{case.id}").click().run())
        assert repo.get_case(officer, case.id).status == "decided", "the decision was not saved"
        return seconds

    figures["web: save a decision (s)"] = median_of(repeat, save_decision)

    for label, case_filter in (
        ("all", CaseFilter()),
        ("decided", CaseFilter(statuses=("decided",))),
    ):
        path = workdir / f"export-{label}.xlsx"
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        stream = repo.export_stream(officer, case_filter)
        written = write_workbook(stream, path)
        figures[f"export {label}: seconds"] = time.perf_counter() - started
        figures[f"export {label}: cases"] = written
        figures[f"export {label}: MB"] = path.stat().st_size / 1_048_576
        growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        figures[f"export {label}: peak memory growth MB"] = max(growth, 0) / 1024
    repo.dispose()
    return figures


def database_size(url: str, repo: CaseRepository) -> float:
    if url.startswith("sqlite"):
        path = Path(repo.engine.url.database)
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1_048_576
    from sqlalchemy import text

    with repo.engine.connect() as connection:
        return (
            connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
            / 1_048_576
        )


_IDLE = """(after) => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.getAttribute('data-test-script-state') === 'notRunning'
        && !document.querySelector('[data-stale="true"]')
        && (window.__exportctlRuns || 0) > after;
}"""


def measure_in_browser(url: str, repeat: int, workdir: Path) -> dict[str, float]:
    """The same waits in Debian's headless Chromium against ``streamlit run app.py``: from
    pressing Sign in to the queue with its first case shown, and from a click or a save until
    the page has finished its run (the page counts its runs in ``window.__exportctlRuns``)."""
    from playwright.sync_api import sync_playwright

    figures: dict[str, float] = Figures()
    repo = CaseRepository.open(url)
    waiting = repo.list_case_summaries(
        User("officer", "Olu Officer", "officer"),
        CaseFilter(statuses=("submitted",)),
        sort="oldest",
        limit=repeat,
    ).items
    repo.dispose()
    port = _free_port()
    log = (workdir / "streamlit.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", APP, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--server.fileWatcherType", "none"],
        cwd=ROOT,
        env={**os.environ, "EXPORTCTL_DATABASE_URL": url, "EXPORTCTL_DEMO": "1",
             "EXPORTCTL_SESSION_SECRET_FILE": str(workdir / "secret")},
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    address = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        for _ in range(300):
            try:
                urllib.request.urlopen(f"{address}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)

            def runs() -> int:
                return page.evaluate("() => window.__exportctlRuns || 0")

            def after(action: Callable[[], object]) -> float:
                before = runs()
                started = time.perf_counter()
                action()
                page.wait_for_function(_IDLE, arg=before)
                return time.perf_counter() - started

            sign_ins = []
            for _ in range(repeat):
                page.goto(address)
                page.locator(".st-key-signin_username input").fill("officer")
                page.locator(".st-key-signin_password input").fill("officer-demo")
                started = time.perf_counter()
                page.get_by_role("button", name="Sign in").click()
                page.locator("[class*='st-key-review_x']").first.wait_for()
                page.wait_for_function(_IDLE, arg=0)
                sign_ins.append(time.perf_counter() - started)
                page.locator(".st-key-signout button").click()
                page.locator(".st-key-signin_username input").wait_for()
            figures["browser: sign-in to a usable queue (s)"] = statistics.median(sign_ins)
            page.goto(address)
            page.locator(".st-key-signin_username input").fill("officer")
            page.locator(".st-key-signin_password input").fill("officer-demo")
            page.get_by_role("button", name="Sign in").click()
            page.locator("[class*='st-key-review_x']").first.wait_for()
            page.wait_for_function(_IDLE, arg=0)
            page.wait_for_function("() => window.__exportctlSession === 'kept'")
            loads = []
            for _ in range(repeat):  # signed in: the session token keeps the sign-in
                started = time.perf_counter()
                page.goto(f"{address}/review")
                page.locator("[class*='st-key-review_x']").first.wait_for()
                page.wait_for_function(_IDLE, arg=0)
                loads.append(time.perf_counter() - started)
            figures["browser: Review page load, signed in (s)"] = statistics.median(loads)
            opens, clicks, saves = [], [], []
            for summary in waiting:  # the oldest waiting cases: not on the first page
                goto = page.locator(".st-key-review_goto input")
                goto.fill(summary.ref)
                opens.append(after(lambda g=goto: g.press("Enter")))
                page.get_by_role("heading", name=summary.ref, exact=False).first.wait_for()
                after(page.locator("[class*='st-key-review_x'] summary").first.click)
                radio = page.locator(
                    "[class*='st-key-review_s'][class*='_status']:not(.st-key-review_status)"
                ).first
                clicks.append(after(lambda r=radio: r.get_by_text("Confirmed").click()))
                save = page.locator("[class*='st-key-review_s'][class*='_save'] button").first
                saves.append(after(save.click))
            figures["browser: open another case (s)"] = statistics.median(opens)
            figures["browser: click a radio (s)"] = statistics.median(clicks)
            figures["browser: save a review (s)"] = statistics.median(saves)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    return figures


def run(url: str, name: str, screened, count: int, repeat: int, workdir: Path,
        browser: bool = False) -> dict:  # fmt: skip
    repo = CaseRepository.open(url)
    started = time.perf_counter()
    seed(repo, screened, count)
    seeding = time.perf_counter() - started
    size = database_size(url, repo)
    repo.dispose()
    say(f"{name}: seeded {count:,} cases in {seeding:.0f} s ({size:.0f} MB); measuring")
    figures = measure(url, repeat, workdir)
    if browser:
        if Path("/usr/bin/chromium").exists():
            figures.update(measure_in_browser(url, repeat, workdir))
        else:
            say("chromium is not installed: browser timings skipped")
    return {"database": name, "cases": count, "seed_s": seeding, "size_MB": size, **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--abstracts", type=int, default=120, help="distinct real abstracts")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument(
        "--browser", action="store_true", help="also time the pages in Debian's Chromium"
    )
    args = parser.parse_args()
    screened = screen_abstracts(args.abstracts)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        if "sqlite" in args.databases:
            url = f"sqlite:///{workdir / 'cases.sqlite3'}"
            results.append(
                run(url, "SQLite", screened, args.cases, args.repeat, workdir, args.browser)
            )
        if "postgresql" in args.databases:
            with postgresql_server() as url:
                if url is None:
                    say("PostgreSQL is not installed: skipped")
                else:
                    results.append(
                        run(
                            url,
                            "PostgreSQL",
                            screened,
                            args.cases,
                            args.repeat,
                            workdir,
                            args.browser,
                        )
                    )
    for result in results:
        print(f"\n{result['database']}, {result['cases']:,} cases")
        for key, value in result.items():
            if key in ("database", "cases"):
                continue
            shown = (
                f"{value:,.0f}"
                if key.endswith("cases")
                else f"{value:.3f}"
                if value < 10
                else f"{value:.1f}"
            )
            print(f"  {key:<42} {shown}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
