"""The whole flow in a real headless Chromium: a researcher screens and submits an abstract, an
officer confirms and decides, the decisions workbook downloads and holds the row.

Each test also takes the page's screenshot (into docs/screenshots/ when
EXPORTCTL_UPDATE_SCREENSHOTS=1).
"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

pytestmark = pytest.mark.browser

LASER_ABSTRACT = (
    "We will develop a continuous wave fibre laser with an output power of 30 W at 1064 nm "
    "for additive manufacturing of titanium aerospace parts, with a partner in Japan."
)
SCRIPT_ABSTRACT = (
    '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2"> '
    "A pulsed laser for lidar ranging of aircraft."
)
SLOW = 180_000  # the first suggestion loads the engine


def settle(page) -> None:
    """Wait until Streamlit has finished the current run."""
    page.wait_for_timeout(250)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=SLOW
    )
    page.wait_for_timeout(150)


def sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.locator(".st-key-signin_username input").fill(username)
    page.locator(".st-key-signin_password input").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(username, exact=False).first.wait_for()
    settle(page)


def sign_out(page) -> None:
    page.locator(".st-key-signout button").click()
    page.locator(".st-key-signin_username input").wait_for()


def go(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    settle(page)


def choose(page, key: str, option: str) -> None:
    """Pick ``option`` in the selectbox with widget key ``key``.

    Typing filters the list and opens it; if a rerun redraws the box meanwhile, try again."""
    box = page.locator(f".st-key-{key} [role=combobox]")
    if box.input_value() == option:
        return
    target = page.get_by_role("option", name=option, exact=True)
    for _attempt in range(4):
        box.scroll_into_view_if_needed()
        box.fill(option)
        try:
            target.wait_for(timeout=3_000)
        except PlaywrightTimeoutError:
            box.press("Escape")
            settle(page)
            continue
        target.click()
        settle(page)
        return
    raise AssertionError(f"option {option!r} of {key} never appeared")


def shoot(page, screenshots, name: str) -> None:
    """Screenshot of the whole page: Streamlit scrolls inside its main block, so the window is
    made as tall as that block for the picture."""
    size = page.viewport_size
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }"
    )
    page.set_viewport_size({"width": size["width"], "height": min(max(height, 800), 6000)})
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshots / f"{name}.png"))
    page.set_viewport_size(size)


def test_browser_sign_in_page(page, app_server, screenshots):
    page.goto(app_server["url"])
    page.locator(".st-key-signin_username input").wait_for()
    settle(page)
    shoot(page, screenshots, "sign-in")
    page.locator(".st-key-signin_username input").fill("officer")
    page.locator(".st-key-signin_password input").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Unknown user name or wrong password.").wait_for()


def test_browser_screen_review_export(page, app_server, screenshots, tmp_path):
    url = app_server["url"]
    # The researcher screens an abstract and submits it.
    sign_in(page, url, "researcher", "researcher-demo")
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_role("link", name="Browse lists").wait_for()
    links = [text.split("\n")[-1] for text in nav.get_by_role("link").all_inner_texts()]
    assert links == ["Screen", "My cases", "Browse lists"]  # no Review, Batch or Export
    page.locator(".st-key-screen_title input").fill("Fibre laser for titanium printing")
    page.locator(".st-key-screen_text textarea").fill(LASER_ABSTRACT)
    page.locator(".st-key-screen_text textarea").press("Control+Enter")
    settle(page)
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
    page.locator(".st-key-screen_answer_public_domain").get_by_text("Yes").click()
    settle(page)
    shoot(page, screenshots, "screen")
    page.locator(".st-key-screen_submit button").click()
    message = page.get_by_text(re.compile(r"Submitted as case C-\d{5}"))
    message.wait_for()
    ref = re.search(r"C-\d{5}", message.inner_text()).group(0)
    case_id = int(ref[2:])
    settle(page)
    go(page, "My cases")
    choose(page, "mycases_case", f"{ref} — Fibre laser for titanium printing")
    page.get_by_role("heading", name=re.compile(ref)).wait_for()
    shoot(page, screenshots, "my-cases")
    sign_out(page)

    # The officer confirms the first suggestion and decides.
    sign_in(page, url, "officer", "officer-demo")
    choose(page, "review_case", f"{ref} — Fibre laser for titanium printing")
    page.get_by_role("heading", name=re.compile(f"{ref}: Fibre laser")).wait_for()
    suggestion = page.get_by_test_id("stExpander").filter(has_text=code).first
    suggestion.locator("summary").click()
    status = suggestion.locator("[class*='st-key-review_s'][class*='_status']")
    status.get_by_text("Confirmed").click()
    settle(page)
    suggestion.locator("[class*='_note'] input").fill("30 W CW output")
    suggestion.get_by_role("button", name="Save review").click()
    page.get_by_text(f"{code}: confirmed.").wait_for()
    settle(page)
    choose(page, f"review_decision_{case_id}", "Listed — licence needed")
    choose(page, f"review_atas_{case_id}", "Not applicable (no visitor or student)")
    note = page.locator(f".st-key-review_note_{case_id} textarea")
    note.fill("Licence before any transfer to Japan")
    note.press("Control+Enter")
    settle(page)
    shoot(page, screenshots, "review")
    page.locator(f".st-key-review_decide_{case_id} button").click()
    page.get_by_text(f"{ref}: Listed — licence needed.").wait_for()
    settle(page)

    # The decisions workbook holds the row.
    go(page, "Export")
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


def test_browser_abstract_with_script_is_shown_as_text(page, app_server):
    sign_in(page, app_server["url"], "researcher2", "researcher2-demo")
    page.locator(".st-key-screen_text textarea").fill(SCRIPT_ABSTRACT)
    page.locator(".st-key-screen_text textarea").press("Control+Enter")
    settle(page)
    page.locator(".st-key-screen_suggest button").click()
    page.get_by_role("heading", name="What may apply").wait_for(timeout=SLOW)
    settle(page)
    assert page.evaluate("() => window.__pwned") is None
    assert page.get_by_text("<script>window.__pwned = 1</script>", exact=False).count() > 0


def test_browser_browse(page, app_server, screenshots):
    sign_in(page, app_server["url"], "researcher", "researcher-demo")
    go(page, "Browse lists")
    page.locator(".st-key-browse_query input").fill("fibre laser")
    page.locator(".st-key-browse_query input").press("Enter")
    settle(page)
    page.get_by_role("button", name=re.compile(r"^6A005\.e\.3 — ")).click()
    settle(page)
    page.get_by_role("heading", name="6A005.e.3").wait_for()
    page.get_by_text("Text with its parents").wait_for()
    shoot(page, screenshots, "browse")


def test_browser_batch(page, app_server, screenshots, tmp_path):
    sign_in(page, app_server["url"], "officer", "officer-demo")
    go(page, "Batch")
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not a workbook")
    page.locator(".st-key-batch_file input[type=file]").set_input_files(str(bad))
    page.get_by_text("cannot be read as an Excel .xlsx workbook").wait_for()
    good = tmp_path / "abstracts.csv"
    good.write_text(
        "ref,project,abstract\n"
        "G-1,Quantum sensing,A trapped-ion quantum computer with 20 qubits and error correction\n"
        "G-2,Ancient pottery,Archaeology of Roman pottery in northern Britain\n",
        encoding="utf-8",
    )
    page.locator(".st-key-batch_file input[type=file]").set_input_files(str(good))
    settle(page)
    page.locator(".st-key-batch_run_button button").click()
    page.get_by_text("Suggestions for 2 abstracts").wait_for(timeout=SLOW)
    settle(page)
    shoot(page, screenshots, "batch")
    page.locator(".st-key-batch_create button").click()
    page.get_by_text("Created 2 cases").wait_for()
