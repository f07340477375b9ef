"""The app in a real headless Chromium, used as researchers and officers would.

- a researcher screens and submits an abstract, an officer confirms and decides, the decisions
  workbook downloads and holds the row;
- two abstracts screened in a row keep their own partner and visitor details;
- two officers on one case: the later save is refused and says who changed what;
- Markdown and HTML in user text, through every page, render nothing and fetch nothing;
- links with ``?case=`` and ``?code=`` open the case or clause after sign-in; a reload keeps
  the sign-in, and unsaved edits are warned about before a reload loses them.

Every page's screenshot is taken whole (into docs/screenshots/ when
EXPORTCTL_UPDATE_SCREENSHOTS=1). No test sleeps for a fixed time: each waits for the app's run
to finish (the page counts its runs in ``window.__exportctlRuns``) or for what it expects.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable

import pytest
from conftest import SECOND_OFFICER
from openpyxl import load_workbook
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from exportctl.auth import User
from exportctl.cases import AnswerInput, CaseRepository
from exportctl.suggest.result import Candidate, Evidence, SuggestionResult

pytestmark = pytest.mark.browser

LASER_ABSTRACT = (
    "We will develop a continuous wave fibre laser with an output power of 30 W at 1064 nm "
    "for additive manufacturing of titanium aerospace parts, with a partner in Japan."
)
HISTORY_ABSTRACT = (
    "A study of medieval manuscripts from northern English monasteries: scribes, bindings "
    "and the trade in parchment between 1100 and 1350."
)
SCRIPT_ABSTRACT = (
    '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2"> '
    "A pulsed laser for lidar ranging of aircraft."
)
SLOW = 180_000  # the first suggestion loads the engine

_IDLE = """(after) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-stale="true"]')) return false;
    return after === null || (window.__exportctlRuns || 0) > after;
}"""


def runs(page) -> int:
    return page.evaluate("() => window.__exportctlRuns || 0")


def settle(page, after: int | None = None) -> None:
    """Wait until the app has finished its run (a run after number ``after``, if given)."""
    page.wait_for_function(_IDLE, arg=after, timeout=SLOW)


def act(page, action: Callable[[], object]) -> None:
    """Do something that reruns the app, and wait for that run to finish."""
    before = runs(page)
    action()
    settle(page, before)


def sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.locator(".st-key-signin_username input").fill(username)
    page.locator(".st-key-signin_password input").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.locator(".st-key-signout").wait_for()
    settle(page, 0)


def sign_out(page) -> None:
    page.locator(".st-key-signout button").click()
    page.locator(".st-key-signin_username input").wait_for()


def go(page, title: str) -> None:
    act(page, lambda: page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click())


def screen_key(page, name: str) -> str:
    """The CSS class of a Screen widget in the form on show (keys carry the form number)."""
    box = page.locator(f"[class*='st-key-screen_{name}_']").first
    classes = box.get_attribute("class") or ""
    return "." + re.search(rf"st-key-screen_{name}_\d+", classes).group(0)


def fill_text(page, selector: str, text: str, *, area: bool = False) -> None:
    """Type into a text box and apply it (Enter, or Ctrl+Enter in a text area)."""
    box = page.locator(f"{selector} {'textarea' if area else 'input'}")
    box.fill(text)
    act(page, lambda: box.press("Control+Enter" if area else "Enter"))


def choose(page, selector: str, option: str) -> None:
    """Pick ``option`` in the select box at ``selector``; typing filters the list."""
    box = page.locator(f"{selector} [role=combobox]")
    if box.input_value() == option:
        return
    target = page.get_by_role("option", name=option, exact=True)
    for _attempt in range(4):
        box.scroll_into_view_if_needed()
        box.fill(option)
        before = runs(page)
        try:
            target.wait_for(timeout=5_000)
            # A rerun of the page may close the list between seeing the option and clicking it.
            target.click(timeout=15_000)
        except PlaywrightTimeoutError:
            box.press("Escape")
            settle(page)
            continue
        settle(page, before)
        return
    raise AssertionError(f"option {option!r} of {selector} never appeared")


def choose_many(page, selector: str, options: list[str]) -> None:
    """Pick each of ``options`` in the multiselect at ``selector``."""
    for option in options:
        box = page.locator(f"{selector} input")
        box.fill(option)
        target = page.get_by_role("option", name=option, exact=True)
        target.wait_for()
        act(page, target.click)
    page.keyboard.press("Escape")


def open_section(page, key: str) -> None:
    """Open a Review suggestion section (its content is drawn when opened)."""
    act(page, lambda: page.locator(f".st-key-{key} summary").click())


_HEIGHT = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    return main ? main.scrollHeight : document.body.scrollHeight;
}"""
_STEADY = """(last) => new Promise(resolve => requestAnimationFrame(() =>
    requestAnimationFrame(() => {
        const main = document.querySelector('[data-testid="stMain"]');
        const height = main ? main.scrollHeight : document.body.scrollHeight;
        const charts = [...document.querySelectorAll('.vega-embed')];
        const drawn = charts.every(c => c.querySelector('canvas, svg'));
        resolve(height === last && drawn);
    })))"""


def _steady_height(page) -> int:
    """The page's height once it has stopped changing (charts drawn, layout done)."""
    last = page.evaluate(_HEIGHT)
    for _attempt in range(50):
        if page.evaluate(_STEADY, last):
            return last
        last = page.evaluate(_HEIGHT)
    raise AssertionError("the page kept changing its height")


def shoot(page, screenshots, name: str) -> None:
    """A screenshot of the whole page. Streamlit scrolls inside its main block, so the window
    is made as tall as that block, once the app is idle and its height steady."""
    settle(page)
    size = page.viewport_size
    height = _steady_height(page)
    page.set_viewport_size({"width": size["width"], "height": min(max(height, 800), 8000)})
    settle(page)
    grown = _steady_height(page)
    if grown > height:  # the taller window let more of the page lay out
        page.set_viewport_size({"width": size["width"], "height": min(grown, 8000)})
        _steady_height(page)
    page.screenshot(path=str(screenshots / f"{name}.png"))
    page.set_viewport_size(size)


def repository(app_server) -> CaseRepository:
    return CaseRepository.open(f"sqlite:///{app_server['database']}")


OFFICER = User("officer", "Olu Officer", "officer")


# -- sign-in ---------------------------------------------------------------------------------


def test_browser_sign_in_page(page, app_server, screenshots):
    page.goto(app_server["url"])
    page.locator(".st-key-signin_username input").wait_for()
    shoot(page, screenshots, "sign-in")
    page.locator(".st-key-signin_username input").fill("officer")
    page.locator(".st-key-signin_password input").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Unknown user name or wrong password.").wait_for()
    assert page.locator(".st-key-signout").count() == 0


def session_kept(page) -> None:
    """Wait until the page has handed its session token to the browser."""
    page.wait_for_function("() => window.__exportctlSession === 'kept'")


def test_browser_reload_keeps_the_sign_in_until_sign_out(page, app_server):
    url = app_server["url"]
    sign_in(page, url, "researcher", "researcher-demo")
    go(page, "My cases")
    session_kept(page)
    cookies = {c["name"]: c for c in page.context.cookies()}
    token = cookies["exportctl_session"]
    assert "researcher-demo" not in token["value"]  # a signed token, not the password
    assert token["sameSite"] == "Strict"
    page.reload()
    page.locator(".st-key-signout").wait_for()
    settle(page)
    assert page.get_by_role("heading", name="My cases").is_visible()
    assert "/my-cases" in page.url
    session_kept(page)
    # An altered token is refused.
    page.context.add_cookies([{**token, "value": token["value"][:-3] + "abc"}])
    page.reload()
    page.locator(".st-key-signin_username input").wait_for()
    # Signing out ends the session: the old token no longer signs anyone in.
    page.context.add_cookies([token])
    page.reload()
    page.locator(".st-key-signout").wait_for()
    session_kept(page)
    sign_out(page)
    page.context.add_cookies([token])
    page.reload()
    page.locator(".st-key-signin_username input").wait_for()
    assert page.locator(".st-key-signout").count() == 0


# -- deep links ------------------------------------------------------------------------------


def test_browser_links_open_the_clause_or_case_after_sign_in(page, app_server):
    url = app_server["url"]
    page.goto(f"{url}/browse?code=6A005")
    page.locator(".st-key-signin_username input").wait_for()
    assert page.get_by_text("Page not found").count() == 0
    page.locator(".st-key-signin_username input").fill("researcher")
    page.locator(".st-key-signin_password input").fill("researcher-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="6A005", exact=True).wait_for()
    assert "code=6A005" in page.url
    assert page.get_by_role("heading", name="Browse the control lists").is_visible()
    # Signed in, a link opened in a new tab (the session token signs it in) goes straight
    # there, the start page included; the bare address opens the start page.
    for path, heading in (
        ("/browse?code=6A008", "6A008"),
        ("/screen", "Screen an abstract"),
        ("/", "Screen an abstract"),
    ):
        tab = page.context.new_page()
        tab.goto(f"{url}{path}")
        tab.get_by_role("heading", name=heading, exact=True).wait_for()
        settle(tab)
        assert tab.get_by_text("Page not found").count() == 0, path
        tab.close()

    repo = repository(app_server)
    try:
        researcher = User("researcher", "Rosa Researcher", "researcher")
        case_id = repo.create_case(
            researcher,
            title="Linked case",
            abstract="A linked abstract about a radar.",
            result=SuggestionResult(text_id=None, controls=(), list_version="uk/test"),
        )
        repo.create_case(
            researcher,
            title="A newer case",
            abstract="Another abstract.",
            result=SuggestionResult(text_id=None, controls=(), list_version="uk/test"),
        )
    finally:
        repo.dispose()
    ref = f"C-{case_id:05d}"
    # The researcher's link opens My cases at that case; the officer's opens Review.
    page.goto(f"{url}/?case={ref}")
    page.get_by_role("heading", name=f"{ref}: Linked case").wait_for()
    assert page.get_by_role("heading", name="My cases").is_visible()
    sign_out(page)
    page.goto(f"{url}/?case={ref}")
    page.locator(".st-key-signin_username input").fill("officer")
    page.locator(".st-key-signin_password input").fill("officer-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=f"{ref}: Linked case").wait_for()
    assert page.get_by_role("heading", name="Review cases").is_visible()
    assert f"case={ref}" in page.url


# -- the main flow ---------------------------------------------------------------------------


def test_browser_screen_review_export(page, app_server, screenshots, tmp_path):
    url = app_server["url"]
    # The researcher screens an abstract and submits it.
    sign_in(page, url, "researcher", "researcher-demo")
    nav = page.get_by_test_id("stSidebarNav")
    links = [text.split("\n")[-1] for text in nav.get_by_role("link").all_inner_texts()]
    assert links == ["Screen", "My cases", "Browse lists"]  # no Review, Batch or Export
    fill_text(page, screen_key(page, "title"), "Fibre laser for titanium printing")
    fill_text(page, screen_key(page, "text"), LASER_ABSTRACT, area=True)
    page.locator(".st-key-screen_suggest button").click()
    page.get_by_role("heading", name="What may apply").wait_for(timeout=SLOW)
    settle(page)
    first = page.get_by_test_id("stExpander").filter(
        has=page.locator("summary", has_text=re.compile(r"(?<!\d)1\. \S+ — "))
    )
    first_label = first.locator("summary").inner_text()
    match = re.search(r"1\. (\S+) —", first_label)
    assert match, first_label
    code = match.group(1)
    assert code.startswith("6A005"), first_label
    first.locator("mark.match").first.wait_for()  # matched words highlighted
    act(
        page,
        lambda: page.locator(screen_key(page, "answer_public_domain")).get_by_text("Yes").click(),
    )
    shoot(page, screenshots, "screen")
    page.locator(".st-key-screen_submit button").click()
    message = page.get_by_text(re.compile(r"Submitted as case C-\d{5}"))
    message.wait_for()
    ref = re.search(r"C-\d{5}", message.inner_text()).group(0)
    case_id = int(ref[2:])
    settle(page)
    go(page, "My cases")
    page.get_by_role("heading", name=re.compile(f"{ref}: Fibre laser")).wait_for()
    shoot(page, screenshots, "my-cases")
    sign_out(page)

    # The officer confirms the first suggestion and decides.
    sign_in(page, url, "officer", "officer-demo")
    choose(page, ".st-key-review_case", f"{ref} — Fibre laser for titanium printing")
    page.get_by_role("heading", name=re.compile(f"{ref}: Fibre laser")).wait_for()
    suggestion_key = (
        page.locator("[class*='st-key-review_x']")
        .filter(has_text=code)
        .first.get_attribute("class")
    )
    section = re.search(r"st-key-(review_x\d+)", suggestion_key).group(1)
    open_section(page, section)
    sid = section.removeprefix("review_x")
    act(
        page, lambda: page.locator(f".st-key-review_s{sid}_status").get_by_text("Confirmed").click()
    )
    fill_text(page, f".st-key-review_s{sid}_note", "30 W CW output")
    act(page, lambda: page.locator(f".st-key-review_s{sid}_save button").click())
    page.get_by_text(f"{code}: confirmed.").wait_for()
    # The section stays open after the save changed its label.
    assert page.locator(f".st-key-review_s{sid}_status").is_visible()
    choose(page, f".st-key-review_decision_{case_id}", "Listed — licence needed")
    choose(page, f".st-key-review_atas_{case_id}", "Not applicable (no visitor or student)")
    fill_text(
        page, f".st-key-review_note_{case_id}", "Licence before any transfer to Japan", area=True
    )
    shoot(page, screenshots, "review")
    act(page, lambda: page.locator(f".st-key-review_decide_{case_id} button").click())
    page.get_by_text(f"{ref}: Listed — licence needed.").wait_for()
    # The decided case stays open: the picker does not jump to another case.
    assert page.locator(".st-key-review_case [role=combobox]").input_value().startswith(ref)

    # The decisions workbook holds the row.
    go(page, "Export")
    act(page, lambda: page.locator(".st-key-export_prepare button").click())
    page.locator(".st-key-export_download button").wait_for()
    shoot(page, screenshots, "export")
    with page.expect_download(timeout=60_000) as download_info:
        page.locator(".st-key-export_download button").click()
    path = tmp_path / "decisions.xlsx"
    download_info.value.save_as(path)
    workbook = load_workbook(path)
    rows = list(workbook["Cases"].iter_rows(values_only=True))
    (row,) = [dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0] == ref]
    assert row["Title"] == "Fibre laser for titanium printing"
    assert row["Researcher"] == "researcher"
    assert row["Decision"] == "Listed — licence needed"
    assert row["Entries confirmed"] == code
    assert row["Officer"] == "officer"
    assert row["List version"] == "uk-consolidated/2025-12-16"
    assert row["Abstract"] == LASER_ABSTRACT
    actions = [
        r[5] for r in workbook["Audit trail"].iter_rows(min_row=2, values_only=True) if r[1] == ref
    ]
    assert actions == ["case_submitted", "suggestion_confirmed", "case_decided"]

    go(page, "Overview")
    page.locator(".vega-embed").first.wait_for()
    shoot(page, screenshots, "overview")


def test_browser_two_abstracts_in_a_row_keep_their_own_details(page, app_server):
    """Item 1 of issue 9: a medieval-history case must not be stored with the partner, visitor
    and ATAS result of the laser case screened before it."""
    sign_in(page, app_server["url"], "researcher2", "researcher2-demo")
    fill_text(page, screen_key(page, "title"), "Laser with a US partner")
    fill_text(page, screen_key(page, "text"), LASER_ABSTRACT, area=True)
    page.locator("summary", has_text="Partner and visitor").click()
    choose(page, screen_key(page, "partner"), "United States (US)")
    choose_many(page, screen_key(page, "nationality"), ["Iran, Islamic Republic of (IR)"])
    choose(page, screen_key(page, "level"), "Research degree (PhD, doctorate, MPhil, MRes, PGR)")
    page.locator(".st-key-screen_suggest button").click()
    page.get_by_role("heading", name="What may apply").wait_for(timeout=SLOW)
    settle(page)
    summary = page.locator("table.facts-screen_summary")
    assert "United States (US)" in summary.inner_text()
    assert "Iran, Islamic Republic of (IR)" in summary.inner_text()
    page.locator(".st-key-screen_submit button").click()
    page.get_by_text(re.compile(r"Submitted as case C-\d{5}")).wait_for()
    settle(page)
    # The next form is empty: the details field says so, and the widgets hold nothing.
    assert page.locator("summary", has_text="Partner and visitor (optional): none given").count()
    fill_text(page, screen_key(page, "title"), "Medieval manuscripts")
    fill_text(page, screen_key(page, "text"), HISTORY_ABSTRACT, area=True)
    page.locator(".st-key-screen_suggest button").click()
    page.get_by_role("heading", name="What may apply").wait_for(timeout=SLOW)
    settle(page)
    summary = page.locator("table.facts-screen_summary").inner_text()
    assert "United States" not in summary and "Iran" not in summary
    page.locator(".st-key-screen_submit button").click()
    page.get_by_text(re.compile(r"Submitted as case C-\d{5}")).wait_for()

    repo = repository(app_server)
    try:
        cases = {
            c.title: c
            for c in repo.list_cases(User("researcher2", "Ravi Researcher", "researcher"))
        }
    finally:
        repo.dispose()
    laser, history = cases["Laser with a US partner"], cases["Medieval manuscripts"]
    assert laser.partner_country == "United States (US)"
    assert laser.visitor_nationality == "Iran, Islamic Republic of (IR)"
    assert laser.visitor_level == "research"
    assert laser.atas_summary and "IR" in laser.atas_summary
    assert (history.partner_country, history.visitor_nationality, history.visitor_level) == (
        None,
        None,
        None,
    )
    assert history.atas_summary is None
    assert history.abstract == HISTORY_ABSTRACT


def test_browser_unsaved_edits_are_warned_about_before_a_reload(page, app_server):
    sign_in(page, app_server["url"], "researcher", "researcher-demo")
    dialogs: list[str] = []

    def dismiss(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    # Typing not yet applied, then applied: both are warned about.
    text = page.locator(f"{screen_key(page, 'text')} textarea")
    text.fill("An abstract I have not submitted yet.")
    with pytest.raises(PlaywrightTimeoutError):
        page.reload(timeout=3_000)
    assert dialogs == ["beforeunload"]
    act(page, lambda: text.press("Control+Enter"))
    with pytest.raises(PlaywrightTimeoutError):
        page.reload(timeout=3_000)
    assert dialogs == ["beforeunload", "beforeunload"]
    assert text.input_value() == "An abstract I have not submitted yet."
    # With nothing unsaved, a reload goes ahead without asking.
    page.remove_listener("dialog", dismiss)
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    page.locator(".st-key-signout").wait_for()
    settle(page)
    page.reload()
    page.locator(".st-key-signout").wait_for()
    assert dialogs == ["beforeunload", "beforeunload"]


def test_browser_abstract_with_script_is_shown_as_text(page, app_server):
    sign_in(page, app_server["url"], "researcher2", "researcher2-demo")
    fill_text(page, screen_key(page, "text"), SCRIPT_ABSTRACT, area=True)
    page.locator(".st-key-screen_suggest button").click()
    page.get_by_role("heading", name="What may apply").wait_for(timeout=SLOW)
    settle(page)
    assert page.evaluate("() => window.__pwned") is None
    assert page.get_by_text("<script>window.__pwned = 1</script>", exact=False).count() > 0


def test_browser_browse(page, app_server, screenshots):
    sign_in(page, app_server["url"], "researcher", "researcher-demo")
    go(page, "Browse lists")
    assert page.locator(".st-key-browse_list [role=combobox]").input_value() == (
        "UK Dual-Use List (Annex I)"
    )
    fill_text(page, ".st-key-browse_query", "fibre laser")
    act(page, lambda: page.get_by_role("button", name=re.compile(r"^6A005\.e\.3 — ")).click())
    page.get_by_role("heading", name="6A005.e.3").wait_for()
    page.get_by_text("Text with its parents").wait_for()
    assert "code=6A005.e.3" in page.url
    shoot(page, screenshots, "browse")
    # Another list closes the clause of the old one.
    choose(page, ".st-key-browse_list", "UK Military List (Schedule 2)")
    assert page.get_by_role("heading", name="6A005.e.3").count() == 0
    assert "code=" not in page.url


def test_browser_batch(page, app_server, screenshots, tmp_path):
    sign_in(page, app_server["url"], "officer", "officer-demo")
    go(page, "Batch")
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not a workbook")
    page.locator(".st-key-batch_file input[type=file]").set_input_files(str(bad))
    page.get_by_text("cannot be read as an Excel .xlsx workbook").wait_for()
    good = tmp_path / "abstracts.csv"
    good.write_text(
        "ref,project,abstract,owner\n"
        "G-1,Quantum sensing,A trapped-ion quantum computer with 20 qubits,researcher\n"
        "G-2,Ancient pottery,Archaeology of Roman pottery in northern Britain,researcher2\n"
        "G-3,Unknown owner,A fibre laser for welding,nobody-such-user\n",
        encoding="utf-8",
    )
    page.locator(".st-key-batch_file input[type=file]").set_input_files(str(good))
    page.locator(".st-key-batch_run_button button").wait_for()
    settle(page)
    choose(page, ".st-key-batch_researcher_col", "owner")
    page.locator(".st-key-batch_run_button button").click()
    page.get_by_text("Suggestions for 2 abstracts").wait_for(timeout=SLOW)
    page.get_by_text("'nobody-such-user' is not a known researcher's user name").wait_for()
    settle(page)
    shoot(page, screenshots, "batch")
    act(page, lambda: page.locator(".st-key-batch_create button").click())
    page.get_by_text("Created 2 cases").wait_for()
    # The same file again creates nothing: its ids are taken.
    page.locator(".st-key-batch_file input[type=file]").set_input_files(str(good))
    page.locator(".st-key-batch_run_button button").wait_for()
    settle(page)
    choose(page, ".st-key-batch_researcher_col", "owner")
    page.locator(".st-key-batch_run_button button").click()
    page.get_by_text("Suggestions for 0 abstracts").wait_for(timeout=SLOW)
    assert page.get_by_text(re.compile(r"row 1 \(G-1\): the id is already case C-\d{5}")).count()


# -- two officers on one case ----------------------------------------------------------------


def _seed_case(app_server, title: str) -> tuple[int, int]:
    """A submitted case with two suggestions; its id and its first suggestion's id."""
    repo = repository(app_server)
    try:
        evidence = Evidence("words", "laser", 0, 5, "6A005.a", ("laser",), 0.5)
        result = SuggestionResult(
            text_id=None,
            controls=(
                Candidate("6A005.a", "6A005", "dual-use", "CW lasers", 0.5, (evidence,)),
                Candidate("6E002", "6E002", "dual-use", "Production technology", 0.2),
            ),
            list_version="uk-consolidated/2025-12-16",
        )
        case_id = repo.create_case(
            User("researcher", "Rosa Researcher", "researcher"),
            title=title,
            abstract="A laser of 30 W for welding.",
            result=result,
        )
        return case_id, repo.get_case(OFFICER, case_id).suggestions[0].id
    finally:
        repo.dispose()


def test_browser_two_officers_the_later_save_is_refused(browser, app_server):
    """Officer A changes a radio without saving; officer B confirms and saves; A adds a note
    and saves: A is told who changed it and when, and B's confirmation and note stay."""
    case_id, sid = _seed_case(app_server, "Two officers")
    ref = f"C-{case_id:05d}"
    url = app_server["url"]
    pages = []
    try:
        for username, password in (("officer", "officer-demo"), SECOND_OFFICER[:2]):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(30_000)
            tab = context.new_page()
            sign_in(tab, f"{url}/review?case={ref}", username, password)
            tab.get_by_role("heading", name=f"{ref}: Two officers").wait_for()
            open_section(tab, f"review_x{sid}")
            pages.append(tab)
        a, b = pages
        act(a, lambda: a.locator(f".st-key-review_s{sid}_status").get_by_text("Rejected").click())
        act(b, lambda: b.locator(f".st-key-review_s{sid}_status").get_by_text("Confirmed").click())
        fill_text(b, f".st-key-review_s{sid}_note", "B: 30 W CW, listed")
        act(b, lambda: b.locator(f".st-key-review_s{sid}_save button").click())
        b.get_by_text("6A005.a: confirmed.").wait_for()
        fill_text(a, f".st-key-review_s{sid}_note", "A: not a laser product")
        act(a, lambda: a.locator(f".st-key-review_s{sid}_save button").click())
        refusal = a.get_by_text(re.compile(r"was changed by officer2 at .* reload the case"))
        refusal.wait_for()
        a.get_by_text("This case was changed after you opened it, by officer2").wait_for()
        repo = repository(app_server)
        try:
            stored = repo.get_case(OFFICER, case_id).suggestions[0]
        finally:
            repo.dispose()
        assert (stored.status, stored.note, stored.reviewed_by) == (
            "confirmed",
            "B: 30 W CW, listed",
            "officer2",
        )
        # Reloading the case shows B's review in A's form.
        act(a, lambda: a.locator(f".st-key-review_reload_{case_id} button").click())
        assert a.locator(f".st-key-review_s{sid}_note input").input_value() == "B: 30 W CW, listed"
    finally:
        for tab in pages:
            tab.context.close()


# -- user text renders nothing and fetches nothing -------------------------------------------


def test_browser_markdown_and_html_in_user_text_fetch_nothing(
    page, app_server, fetch_trap, tmp_path
):
    trap = fetch_trap["url"]
    payload = (
        f"pwn ![img]({trap}/md-image.png) [link]({trap}/md-link) **pwn-bold** "
        f'<img src="{trap}/html-image.png"> <b>pwn-html</b> :red[pwn-red] '
        f'<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">'
    )
    repo = repository(app_server)
    try:
        researcher = User("researcher", "Rosa Researcher", "researcher")
        case_id = repo.create_case(
            researcher,
            title=payload,
            abstract=payload,
            result=SuggestionResult(
                text_id=None,
                controls=(Candidate("6A005.a", "6A005", "dual-use", "CW lasers", 0.5),),
                list_version="uk-consolidated/2025-12-16",
            ),
            answers={"public_domain": AnswerInput("Published?", "yes", payload)},
            partner_country=payload,
            source_name=payload,
        )
        first = repo.get_case(OFFICER, case_id).suggestions[0]
        repo.review_suggestion(
            OFFICER, first.id, status="confirmed", note=payload, expected_version=1
        )
    finally:
        repo.dispose()
    ref = f"C-{case_id:05d}"

    def check(where: str, *, shown: bool = True) -> None:
        settle(page)
        assert page.evaluate("() => window.__pwned") is None, where
        images = page.evaluate(
            "(trap) => [...document.images].map(i => i.src).filter(s => s.startsWith(trap))", trap
        )
        links = page.evaluate(
            "(trap) => [...document.links].map(a => a.href).filter(h => h.startsWith(trap))", trap
        )
        assert (images, links) == ([], []), where
        if shown:  # the user's text is on the page, as text
            assert page.get_by_text("**pwn-bold**", exact=False).count() > 0, where
        assert fetch_trap["requests"] == [], where

    sign_in(page, f"{app_server['url']}/my-cases?case={ref}", "researcher", "researcher-demo")
    page.get_by_role("heading", name=re.compile(rf"{ref}: pwn")).wait_for()
    check("my cases")
    go(page, "Screen")
    fill_text(page, screen_key(page, "title"), payload)
    fill_text(page, screen_key(page, "text"), payload + " A fibre laser of 30 W.", area=True)
    page.locator(".st-key-screen_suggest button").click()
    page.get_by_role("heading", name="What may apply").wait_for(timeout=SLOW)
    check("screen")
    go(page, "Browse lists")
    fill_text(page, ".st-key-browse_query", payload)
    check("browse", shown=False)
    sign_out(page)

    sign_in(page, f"{app_server['url']}/review?case={ref}", "officer", "officer-demo")
    page.get_by_role("heading", name=re.compile(rf"{ref}: pwn")).wait_for()
    open_section(page, f"review_x{first.id}")
    page.locator(f".st-key-review_audit_{case_id} summary").click()
    check("review")
    batch = tmp_path / "batch.csv"
    with batch.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ref", "title", "abstract", "owner"])
        writer.writerow(["MD-1", payload, f"A laser. {payload}", "researcher"])
        writer.writerow(["MD-2", payload, f"A radar. {payload}", payload])
    go(page, "Batch")
    page.locator(".st-key-batch_file input[type=file]").set_input_files(str(batch))
    page.locator(".st-key-batch_run_button button").wait_for()
    choose(page, ".st-key-batch_researcher_col", "owner")
    page.locator(".st-key-batch_run_button button").click()
    page.get_by_text("Suggestions for 1 abstracts").wait_for(timeout=SLOW)
    check("batch")
    for title, key in (("Overview", "overview"), ("Export", "export")):
        go(page, title)
        page.locator(f".st-key-{key}_filters summary").click()
        fill_text(page, f".st-key-{key}_f_text", payload)
        check(title)
