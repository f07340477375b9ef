"""A list amendment in a real headless Chromium, as an office lives through it.

A researcher screens a 3 kW multimode fibre laser and an officer confirms 6A005.a.6.b.2
("Output power exceeding 2 kW") and decides "Listed — licence needed". Then a new version of
the list comes out in which that threshold is raised to 4 kW: it is imported with
``exportctl import ... --list-date`` into the control-lists folder the app reads (the real
importer, on a copy of the shipped list's source text with that one threshold edited), its
indexes are built with ``exportctl build-index`` (the meaning index takes the vectors of the
unchanged clauses from the earlier version's, so this takes seconds), and the app is restarted.

The officer then finds the case first in Review, in the "List amended: re-review" queue, with
the change (exceeding 2 kW → exceeding 4 kW) beside the decision as made; reopens it, rejects
the entry and decides "Not listed" again. The re-decision is in the case's audit trail on the
page and in the exported workbook, with the list version each decision was made under and the
re-review columns.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import running_app
from openpyxl import load_workbook
from test_app_browser import (
    SLOW,
    act,
    choose,
    fill_text,
    go,
    open_section,
    screen_key,
    settle,
    sign_out,
)

from exportctl.config import DEFAULT_LIST_SOURCE, PROJECT_DIR

pytestmark = pytest.mark.browser

ABSTRACT = (
    "We will build a continuous wave multiple transverse mode fibre laser with an output power "
    "of 3 kW at 1070 nm for cutting thick steel plate."
)
TITLE = "Multimode fibre laser for cutting steel"
CODE = "6A005.a.6.b.2"
OLD_LINE = "2. \tOutput power exceeding 2 kW;"
NEW_LINE = "2. \tOutput power exceeding 4 kW;"
OLD, NEW = "uk-consolidated/2025-12-16", "uk-consolidated/2026-03-02"
#: The command an officer runs, installed beside this Python.
EXPORTCTL = [str(Path(sys.executable).with_name("exportctl"))]


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> dict:
    """A copy of the shipped control lists and models for the app to read and the import to
    write into, and the amended source text (one threshold of 6A005.a.6.b.2 raised)."""
    base = tmp_path_factory.mktemp("e2e-amendment")
    shutil.copytree(PROJECT_DIR / "control_lists", base / "control_lists")
    # The saved indexes of the shipped list, with those built earlier in this run (ignored by
    # git), so that the app loads rather than builds them.
    shutil.copytree(PROJECT_DIR / "models", base / "models")
    text = DEFAULT_LIST_SOURCE.read_text(encoding="utf-8")
    assert text.count(f"\n{OLD_LINE}\n") == 1
    amended = base / "consolidated-list-2026-03-02.txt"
    amended.write_text(text.replace(f"\n{OLD_LINE}\n", f"\n{NEW_LINE}\n"), encoding="utf-8")
    env = {
        "EXPORTCTL_CONTROL_LISTS": str(base / "control_lists"),
        "EXPORTCTL_MODELS": str(base / "models"),
    }
    return {"base": base, "amended": amended, "env": env}


def _exportctl(office: dict, *args: str) -> str:
    """Run the command as an officer would, on the app's control lists and models."""
    completed = subprocess.run(
        [*EXPORTCTL, *args],
        cwd=PROJECT_DIR,
        env={**os.environ, **office["env"]},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def _tab(browser):
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="en-GB"
    )
    context.set_default_timeout(30_000)
    return context.new_page()


def _sign_in(page, url: str, username: str) -> None:
    page.goto(url)
    page.locator(".st-key-signin_username input").fill(username)
    page.locator(".st-key-signin_password input").fill(f"{username}-demo")
    page.get_by_role("button", name="Sign in").click()
    page.locator(".st-key-signout").wait_for()
    settle(page, 0)


def _suggestion_section(page, code: str) -> str:
    """The key of the Review section of the suggestion ``code``, opened."""
    classes = (
        page.locator("[class*='st-key-review_x']")
        .filter(has=page.locator("summary", has_text=re.compile(rf"\d+\. {re.escape(code)} — ")))
        .first.get_attribute("class")
    )
    section = re.search(r"st-key-(review_x\d+)", classes or "").group(1)
    open_section(page, section)
    return section.removeprefix("review_x")


def _review_suggestion(page, code: str, status: str, note: str) -> None:
    sid = _suggestion_section(page, code)
    act(page, lambda: page.locator(f".st-key-review_s{sid}_status").get_by_text(status).click())
    fill_text(page, f".st-key-review_s{sid}_note", note)
    act(page, lambda: page.locator(f".st-key-review_s{sid}_save button").click())
    page.get_by_text(f"{code}: {status.lower()}.").wait_for()


def _decide(page, case_id: int, ref: str, decision: str, note: str) -> None:
    choose(page, f".st-key-review_decision_{case_id}", decision)
    choose(page, f".st-key-review_atas_{case_id}", "Not applicable (no visitor or student)")
    fill_text(page, f".st-key-review_note_{case_id}", note, area=True)
    act(page, lambda: page.locator(f".st-key-review_decide_{case_id} button").click())
    page.get_by_text(f"{ref}: {decision}.").wait_for()


def _audit_trail(page, case_id: int) -> str:
    """The case's audit trail as the page shows it (opened)."""
    box = page.locator(f".st-key-review_audit_{case_id}")
    if not box.locator("[data-testid='stDataFrame']").is_visible():
        box.locator("summary").click()  # drawn already: opening it runs nothing
    grid = box.locator("[data-testid='stDataFrame']")
    grid.wait_for()
    # The grid is drawn on a canvas; its cells are also in the page, as the accessible table
    # a screen reader reads: one line per row, the cells joined by " | ".
    cells = grid.locator("table [role='gridcell']")
    cells.first.wait_for(state="attached")
    rows = grid.locator("table tr").all()
    return "\n".join(
        " | ".join(row.locator("[role='gridcell']").all_text_contents()) for row in rows
    )


def test_browser_list_amendment_re_review(browser, office, tmp_path):
    base, env = office["base"], office["env"]
    database = base / "cases.sqlite3"

    # Under the shipped list: the researcher screens and submits, the officer confirms the
    # entry and decides.
    with running_app(base, database, **env) as server:
        page = _tab(browser)
        try:
            _sign_in(page, server["url"], "researcher")
            fill_text(page, screen_key(page, "title"), TITLE)
            fill_text(page, screen_key(page, "text"), ABSTRACT, area=True)
            page.locator(".st-key-screen_suggest button").click()
            page.get_by_role("heading", name="What may apply").wait_for(timeout=SLOW)
            settle(page)
            page.locator(".st-key-screen_submit button").click()
            message = page.get_by_text(re.compile(r"Submitted as case C-\d{5}"))
            message.wait_for()
            ref = re.search(r"C-\d{5}", message.inner_text()).group(0)
            case_id = int(ref[2:])
            settle(page)
            sign_out(page)

            _sign_in(page, f"{server['url']}/review?case={ref}", "officer")
            page.get_by_role("heading", name=f"{ref}: {TITLE}").wait_for()
            _review_suggestion(page, CODE, "Confirmed", "3 kW multimode, above 2 kW")
            _decide(page, case_id, ref, "Listed — licence needed", "Licence needed: 3 kW CW.")
        finally:
            page.context.close()

    # A new version of the list is published: the officer imports it where the app reads its
    # lists, builds its indexes and restarts the app.
    imported = _exportctl(
        office, "import", str(office["amended"]), "--list-date", NEW.split("/")[1]
    )
    assert f"{NEW} is now the list in use" in imported
    diff = _exportctl(office, "lists", "diff", OLD, NEW, "--entry", "6A005")
    assert f"{CODE} threshold exceeding 2 kW (2000 W) → exceeding 4 kW (4000 W)" in diff
    _exportctl(office, "build-index")
    assert (base / "models" / "meaning" / NEW.replace("/", "-") / "vectors.npy").exists()

    with running_app(base, database, **env) as server:
        page = _tab(browser)
        try:
            _sign_in(page, f"{server['url']}/review", "officer")
            # The case comes first, in its own queue, with the change beside the decision.
            page.get_by_text(
                f"The list in use is now {NEW}: 1 case flagged for re-review"
            ).wait_for(timeout=SLOW)
            queue = page.locator(".st-key-review_status")
            assert "List amended: re-review (1)" in queue.inner_text()
            page.get_by_role("heading", name=f"{ref}: {TITLE}").wait_for()
            amendment = page.locator(".st-key-review_amendment")
            amendment.get_by_text("The control list changed after this case was decided.").wait_for(
                timeout=SLOW
            )
            shown = amendment.inner_text()
            assert f"{OLD} → {NEW}: 1 change to {CODE}" in shown
            assert f"Decision under {OLD}" in shown
            assert f"Suggestions under {NEW}" in shown
            assert "Listed — licence needed" in shown
            assert "exceeding 2 kW → exceeding 4 kW" in shown
            assert amendment.locator("del", has_text="2").count()  # the word diff
            assert amendment.locator("ins", has_text="4").count()

            # The officer decides again: reopen, reject the entry, not listed.
            fill_text(
                page,
                f".st-key-review_reopen_reason_{case_id}",
                "6A005.a.6.b.2 now starts at 4 kW",
            )
            act(page, lambda: page.locator(f".st-key-review_reopen_{case_id} button").click())
            page.get_by_text(f"{ref} reopened.").wait_for()
            _review_suggestion(page, CODE, "Rejected", "3 kW is below the new 4 kW threshold")
            _decide(page, case_id, ref, "Not listed", "Not listed under the amended list.")
            assert page.locator(".st-key-review_amendment").count() == 0  # re-review closed
            decided = page.get_by_text(re.compile(r"Not listed.* under " + re.escape(NEW)))
            decided.first.wait_for()

            trail = _audit_trail(page, case_id)
            # Each line: when | who | role | what | the list version the case stood under.
            for words in (
                f"Decided (Listed — licence needed; Not applicable (no visitor or student); "
                f"entries {CODE}; note: Licence needed: 3 kW CW.) | {OLD}",
                f"Flagged for re-review: the list changed {ref} ({OLD} → {NEW}; "
                f"entries {CODE}) | {OLD}",
                f"Reopened (reason: {CODE} now starts at 4 kW) | {OLD}",
                f"Rejected {CODE} (was Confirmed; note: 3 kW is below the new 4 kW threshold)",
                f"Decided again after the list changed {ref} ({OLD} → {NEW}; "
                f"entries {CODE}) | {NEW}",
                "Decided (Not listed; Not applicable (no visitor or student); "
                f"note: Not listed under the amended list.) | {NEW}",
            ):
                assert words in trail, (words, trail)

            # The decisions workbook says so too.
            go(page, "Export")
            act(page, lambda: page.locator(".st-key-export_prepare button").click())
            page.locator(".st-key-export_download button").wait_for(timeout=SLOW)
            with page.expect_download(timeout=60_000) as download_info:
                page.locator(".st-key-export_download button").click()
            path = tmp_path / "decisions.xlsx"
            download_info.value.save_as(path)
        finally:
            page.context.close()

    workbook = load_workbook(path, read_only=True)
    rows = list(workbook["Cases"].iter_rows(values_only=True))
    (row,) = [dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0] == ref]
    assert row["Decision"] == "Not listed"
    assert row["Entries confirmed"] in (None, "")
    assert row["List version"] == OLD  # screened under the shipped list
    assert row["Decided under list version"] == NEW
    assert row["Awaits re-review (list amended)"] == "No"
    assert re.fullmatch(
        rf"Decided again under {re.escape(NEW)} by officer on \d{{4}}-\d{{2}}-\d{{2}}",
        row["Re-reviewed after amendment"],
    ), row["Re-reviewed after amendment"]
    actions = [
        r[5] for r in workbook["Audit trail"].iter_rows(min_row=2, values_only=True) if r[1] == ref
    ]
    assert actions == [
        "case_submitted",
        "suggestion_confirmed",
        "case_decided",
        "amendment_flagged",
        "case_reopened",
        "suggestion_rejected",
        "amendment_redecided",
        "case_decided",
    ], actions
