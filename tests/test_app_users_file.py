"""``EXPORTCTL_USERS_FILE``: the app signs people in from the accounts file it names, instead of
the shipped demo accounts (Streamlit's AppTest, no browser)."""

from __future__ import annotations

import pytest
from helpers_app import app_as, texts

from exportctl.appconfig import DEFAULT_USERS_FILE, users_file
from exportctl.auth import hash_password

USERS = """
# The university's own accounts: no demo flag.
[users.ecu]
name = "Eve Control"
role = "officer"
password_hash = "{officer}"

[users.rita]
name = "Rita Research"
role = "researcher"
password_hash = "{researcher}"
"""


@pytest.fixture()
def own_users(tmp_path, monkeypatch):
    path = tmp_path / "accounts" / "users.toml"
    path.parent.mkdir()
    path.write_text(
        USERS.format(
            officer=hash_password("correct horse", iterations=1_000),
            researcher=hash_password("battery staple", iterations=1_000),
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("EXPORTCTL_USERS_FILE", str(path))
    monkeypatch.setenv("EXPORTCTL_DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite3'}")
    return path


def sign_in(username: str, password: str):
    at = app_as(None)
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(password)
    at.button[0].click().run()
    return at


def test_app_users_file_is_read_from_the_environment(own_users, monkeypatch):
    assert users_file() == own_users
    monkeypatch.delenv("EXPORTCTL_USERS_FILE")
    assert users_file() == DEFAULT_USERS_FILE


@pytest.mark.parametrize(
    ("username", "password", "start_page", "name"),
    [
        ("ecu", "correct horse", "Review cases", "Eve Control"),
        ("rita", "battery staple", "Screen an abstract", "Rita Research"),
    ],
)
def test_app_users_file_accounts_sign_in(own_users, username, password, start_page, name):
    at = sign_in(username, password)
    assert not at.exception
    assert at.title[0].value == start_page
    assert name in at.sidebar.markdown[0].value
    assert "Demo sign-in" not in texts(at)


@pytest.mark.parametrize(
    ("username", "password"),
    [("officer", "officer-demo"), ("researcher", "researcher-demo"), ("ecu", "officer-demo")],
)
def test_app_users_file_replaces_the_demo_accounts(own_users, username, password):
    at = sign_in(username, password)
    assert [e.value for e in at.error] == ["Unknown user name or wrong password."]
    assert "user" not in at.session_state
    assert "Demo accounts" not in texts(at)
