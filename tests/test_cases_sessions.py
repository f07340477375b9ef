"""Local sign-in sessions: the signed token the browser keeps, and the server-side session it
names (ended by sign-out and by the idle limit)."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta

import pytest

from exportctl.cases import CaseRepository
from exportctl.cases.sessions import SignInSessions
from exportctl.webapp.tokens import TokenError, issue_token, load_secret, read_token

NOW = datetime(2026, 3, 2, 9, 0)
SECRET = b"k" * 32
IDLE = timedelta(minutes=30)


@pytest.fixture()
def sessions(tmp_path):
    repository = CaseRepository.open(f"sqlite:///{tmp_path / 'cases.sqlite3'}")
    yield SignInSessions(repository.engine)
    repository.dispose()


def test_cases_sessions_token_round_trips_and_names_no_password():
    token = issue_token(SECRET, "abc123", "officer", now=NOW, lifetime=timedelta(hours=12))
    claims = read_token(SECRET, token, now=NOW + timedelta(hours=11))
    assert (claims.session_id, claims.username) == ("abc123", "officer")
    assert claims.expires_at == NOW + timedelta(hours=12)
    assert "officer-demo" not in token


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "signature is wrong"),
        (lambda t: "x" + t, "signature is wrong"),
        (lambda t: t.replace(".", ""), "malformed"),
        (lambda t: "", "malformed"),
    ],
)
def test_cases_sessions_altered_token_is_refused(change, message):
    token = issue_token(SECRET, "abc123", "researcher", now=NOW, lifetime=timedelta(hours=1))
    with pytest.raises(TokenError, match=message):
        read_token(SECRET, change(token), now=NOW)


def test_cases_sessions_token_for_another_user_cannot_be_made_without_the_key():
    token = issue_token(b"other key", "abc123", "officer", now=NOW, lifetime=timedelta(hours=1))
    with pytest.raises(TokenError, match="signature"):
        read_token(SECRET, token, now=NOW)


def test_cases_sessions_token_expires():
    token = issue_token(SECRET, "abc123", "officer", now=NOW, lifetime=timedelta(hours=1))
    with pytest.raises(TokenError, match="expired"):
        read_token(SECRET, token, now=NOW + timedelta(hours=1))


def test_cases_sessions_resume_end_and_idle(sessions):
    first = sessions.start("officer", now=NOW)
    assert sessions.resume(first, "officer", idle=IDLE, now=NOW + timedelta(minutes=20))
    # Use counts: 20 minutes after the last use is still within the limit.
    assert sessions.resume(first, "officer", idle=IDLE, now=NOW + timedelta(minutes=40))
    assert not sessions.resume(first, "researcher", idle=IDLE, now=NOW)  # another user's token
    sessions.end(first, now=NOW + timedelta(minutes=41))
    assert not sessions.resume(first, "officer", idle=IDLE, now=NOW + timedelta(minutes=42))
    second = sessions.start("officer", now=NOW)
    assert second != first
    assert not sessions.resume(second, "officer", idle=IDLE, now=NOW + timedelta(minutes=31))
    # Once ended for idleness it stays ended.
    assert not sessions.resume(second, "officer", idle=IDLE, now=NOW + timedelta(minutes=32))
    assert not sessions.resume("unknown", "officer", idle=IDLE, now=NOW)


def test_cases_sessions_secret_is_made_once_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("EXPORTCTL_SESSION_SECRET", raising=False)
    path = tmp_path / "var" / "session-secret"
    key = load_secret(path)
    assert len(key) == 32 and load_secret(path) == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    monkeypatch.setenv("EXPORTCTL_SESSION_SECRET", "from the environment")
    assert load_secret(path) == b"from the environment"
