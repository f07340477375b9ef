"""Sign-in as a university runs the app (no demo mode, the shipped server configuration), in a
real headless Chromium:

- the demo accounts are refused; the university's own account signs in;
- failed sign-ins for one user name are locked after five, the right password included, and
  each failure is in the audit trail;
- sign-in, sign-out and the idle limit end up in the audit trail; an idle session is ended;
- the server listens on 127.0.0.1 only, and an upload without Streamlit's XSRF token (as a page
  of another site would send it) is refused.
"""

from __future__ import annotations

import sqlite3
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import OWN_ACCOUNTS
from test_app_browser import go, settle, sign_out

pytestmark = pytest.mark.browser


def audit(server, actor: str) -> list[tuple[str, str]]:
    """(action, details) of the audit records of ``actor``, read behind the app's back."""
    with sqlite3.connect(server["database"]) as connection:
        return connection.execute(
            "SELECT action, detail_json FROM audit_events WHERE actor = ? ORDER BY id", (actor,)
        ).fetchall()


def eventually(condition, timeout: float = 60) -> None:
    """Wait until ``condition()`` holds (polled), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


def try_sign_in(page, username: str, password: str) -> None:
    page.locator(".st-key-signin_username input").fill(username)
    page.locator(".st-key-signin_password input").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_browser_demo_accounts_refused_outside_demo_mode(page, own_accounts_server):
    page.goto(own_accounts_server["url"])
    page.locator(".st-key-signin_username input").wait_for()
    assert page.get_by_text("Demo accounts: ").count() == 0  # passwords not advertised
    try_sign_in(page, "officer", "officer-demo")
    page.get_by_text("This is a demo account, whose password is published").wait_for()
    assert page.locator(".st-key-signout").count() == 0
    password, name, _role = OWN_ACCOUNTS["ecu"]
    try_sign_in(page, "ecu", password)
    page.locator(".st-key-signout").wait_for()
    assert page.get_by_text(name).first.is_visible()
    assert ("signed_in", "{}") in audit(own_accounts_server, "ecu")
    failed = audit(own_accounts_server, "officer")
    assert [a for a, _ in failed] == ["sign_in_failed"]
    assert "demo account outside demo mode" in failed[0][1]


def test_browser_failed_sign_ins_are_locked_and_audited(page, own_accounts_server):
    password = OWN_ACCOUNTS["locked"][0]
    page.goto(own_accounts_server["url"])
    for attempt in range(1, 6):
        try_sign_in(page, "locked", f"guess {attempt}")
        # Each answer comes before the next attempt (the 4th and 5th answers are slowed).
        eventually(lambda n=attempt: len(audit(own_accounts_server, "locked")) == n)
        page.get_by_text("Unknown user name or wrong password.").wait_for()
    try_sign_in(page, "locked", password)
    page.get_by_text("Too many failed sign-ins for this user name").wait_for()
    assert page.locator(".st-key-signout").count() == 0
    records = audit(own_accounts_server, "locked")
    assert [a for a, _ in records] == ["sign_in_failed"] * 6
    assert '"failures": 5' in records[4][1] and '"reason": "locked"' in records[5][1]


def test_browser_sign_in_sign_out_and_idle_expiry_are_audited(page, own_accounts_server):
    url = own_accounts_server["url"]
    password = OWN_ACCOUNTS["ecu"][0]
    page.goto(url)
    try_sign_in(page, "ecu", password)
    page.locator(".st-key-signout").wait_for()
    settle(page, 0)
    before = len(audit(own_accounts_server, "ecu"))
    # The session goes unused past the idle limit (its last use moved back, behind the app).
    with sqlite3.connect(own_accounts_server["database"]) as connection:
        long_ago = (datetime.now(UTC) - timedelta(hours=2)).replace(tzinfo=None)
        connection.execute(
            "UPDATE sign_in_sessions SET last_seen_at = ? WHERE username = 'ecu' "
            "AND ended_at IS NULL",
            (long_ago.isoformat(sep=" "),),
        )
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Browse lists").click()
    page.get_by_text("Your session ended").wait_for()
    page.locator(".st-key-signin_username input").wait_for()
    records = audit(own_accounts_server, "ecu")[before:]
    assert [a for a, _ in records] == ["session_ended"] and '"reason": "idle"' in records[0][1]
    # Signed in again, then out: both recorded, and a reload stays signed out.
    try_sign_in(page, "ecu", password)
    page.locator(".st-key-signout").wait_for()
    settle(page, 0)
    go(page, "Browse lists")
    sign_out(page)
    page.reload()
    page.locator(".st-key-signin_username input").wait_for()
    assert page.locator(".st-key-signout").count() == 0
    assert [a for a, _ in audit(own_accounts_server, "ecu")[before + 1 :]] == [
        "signed_in",
        "signed_out",
    ]


def _listening(port: int) -> set[str]:
    """The local addresses with a socket listening on ``port`` (from /proc/net/tcp*)."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A: listening
                if len(address) == 8:
                    addresses.add(".".join(str(b) for b in reversed(bytes.fromhex(address))))
                else:
                    addresses.add(address)
    return addresses


def test_browser_server_listens_on_this_machine_only(own_accounts_server):
    assert _listening(int(own_accounts_server["port"])) == {"127.0.0.1"}


def test_browser_upload_without_the_xsrf_token_is_refused(page, own_accounts_server):
    url = own_accounts_server["url"]
    page.goto(url)
    page.locator(".st-key-signin_username input").wait_for()
    # The page itself holds the token (a cookie it sends back with its uploads) ...
    assert "_streamlit_xsrf" in {c["name"] for c in page.context.cookies()}
    # ... which a page of another site cannot read or send: its upload is refused.
    request = urllib.request.Request(
        f"{url}/_stcore/upload_file/some-session/some-file",
        data=b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        b"id,abstract\r\n1,laser\r\n--x--\r\n",
        method="PUT",
        headers={"Content-Type": "multipart/form-data; boundary=x", "Origin": "http://evil.test"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    assert "xsrf" in refused.value.read().decode("utf-8", "replace").lower()
