"""Sign-in and who may reach what, in Streamlit's AppTest (no browser)."""

from __future__ import annotations

import pytest
from helpers_app import DEMO_OFFICER, DEMO_RESEARCHER, app_as, texts
from streamlit.testing.v1 import AppTest

from exportctl.auth import AuthSettings, User
from exportctl.webapp.main import pages_for


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPORTCTL_DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite3'}")
    monkeypatch.setenv("EXPORTCTL_DEMO", "1")


def sign_in(username: str, password: str) -> AppTest:
    at = app_as(None)
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(password)
    at.button[0].click().run()
    return at


def test_app_access_demo_sign_in_works_out_of_the_box():
    at = sign_in("researcher", "researcher-demo")
    assert not at.exception
    assert at.title[0].value == "Screen an abstract"
    assert "Rosa Researcher" in at.sidebar.markdown[0].value
    at = sign_in("officer", "officer-demo")
    assert at.title[0].value == "Review cases"


def test_app_access_demo_accounts_are_refused_outside_demo_mode(monkeypatch):
    monkeypatch.delenv("EXPORTCTL_DEMO")
    at = app_as(None)
    assert "work only in demo mode (EXPORTCTL_DEMO=1)" in texts(at)
    assert "Demo accounts: " not in texts(at)  # the passwords are not advertised
    at = sign_in("officer", "officer-demo")
    assert "user" not in at.session_state
    assert "demo account, whose password is published" in " ".join(e.value for e in at.error)


def test_app_access_wrong_password_is_refused():
    at = sign_in("officer", "wrong")
    assert [e.value for e in at.error] == ["Unknown user name or wrong password."]
    assert "user" not in at.session_state
    assert at.title[0].value == "exportctl"


def test_app_access_signed_out_sees_only_sign_in():
    at = app_as(None)
    with pytest.raises(ValueError):
        at.switch_page("exportctl/webapp/pages/review.py")
    assert "Demo accounts" in texts(at)


@pytest.mark.parametrize("page", ["review", "overview", "batch", "export_page"])
def test_app_access_researcher_cannot_reach_officer_pages(page):
    at = app_as(DEMO_RESEARCHER)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"exportctl/webapp/pages/{page}.py")


@pytest.mark.parametrize("page", ["review", "overview", "batch", "export_page"])
def test_app_access_officer_page_called_directly_stops_researcher(page):
    """Even if a page were reached, its render() refuses a researcher before any action."""

    def script(page_name: str) -> None:
        import importlib

        import streamlit as st

        from exportctl.auth import User

        st.session_state["user"] = User("researcher", "Rosa Researcher", "researcher")
        importlib.import_module(f"exportctl.webapp.{page_name}").render()

    at = AppTest.from_function(script, args=(page,), default_timeout=60).run()
    assert not at.exception
    assert "This page is for export-control officers" in at.error[0].value
    assert len(at.button) == 0 and len(at.selectbox) == 0 and len(at.file_uploader) == 0


def test_app_access_pages_by_role():
    assert [p.url_path for p in pages_for(DEMO_RESEARCHER)] == ["screen", "my-cases", "browse"]
    assert [p.url_path for p in pages_for(DEMO_OFFICER)] == [
        "review",
        "screen",
        "overview",
        "batch",
        "browse",
        "export",
    ]


def test_app_access_sign_out():
    at = app_as(DEMO_OFFICER)
    at.button(key="signout").click().run()
    assert "user" not in at.session_state
    assert at.title[0].value == "exportctl"


def test_app_access_single_sign_on_settings_map_roles():
    settings = AuthSettings.from_secrets(
        {
            "exportctl": {
                "auth": "oidc",
                "officers": ["Export.Control@Uni.ac.uk"],
                "officer_claim": "groups",
                "officer_group": "ecu",
            },
            "auth": {"client_id": "x"},
        }
    )
    assert settings.mode == "oidc"
    officer = settings.user_from_claims({"email": "export.control@uni.ac.uk", "name": "E C"})
    assert officer == User("export.control@uni.ac.uk", "E C", "officer", "export.control@uni.ac.uk")
    by_group = settings.user_from_claims({"email": "a@uni.ac.uk", "groups": ["staff", "ecu"]})
    assert by_group.role == "officer"
    researcher = settings.user_from_claims({"email": "r@uni.ac.uk"})
    assert researcher.role == "researcher"
    assert AuthSettings.from_secrets({}).mode == "local"


def test_app_access_local_accounts_and_password_hashes():
    from exportctl.appconfig import DEFAULT_USERS_FILE
    from exportctl.auth import (
        AuthError,
        LocalAccounts,
        SignInError,
        hash_password,
        verify_password,
    )

    accounts = LocalAccounts.load(DEFAULT_USERS_FILE)
    assert accounts.demo
    assert {u.username: u.role for u in accounts.users()} == {
        "researcher": "researcher",
        "researcher2": "researcher",
        "officer": "officer",
    }
    assert accounts.authenticate(" officer ", "officer-demo", demo_mode=True).is_officer
    with pytest.raises(SignInError):
        accounts.authenticate("nobody", "officer-demo", demo_mode=True)
    stored = hash_password("pw", iterations=1_000)
    assert verify_password("pw", stored) and not verify_password("PW", stored)
    with pytest.raises(AuthError, match="malformed"):
        verify_password("pw", "not-a-hash")
    with pytest.raises(AuthError, match="role"):
        LocalAccounts.from_mapping({"users": {"x": {"role": "admin", "password_hash": stored}}})
    with pytest.raises(AuthError, match="auth = 'oidc' needs an \\[auth\\] section"):
        AuthSettings.from_secrets({"exportctl": {"auth": "oidc"}})


def test_app_access_database_of_an_earlier_release_stops_the_app_naming_the_upgrade(
    tmp_path, monkeypatch
):
    import shutil
    from pathlib import Path

    old = tmp_path / "first-release.sqlite3"
    shutil.copyfile(Path(__file__).parent / "data" / "cases" / "first-release.sqlite3", old)
    monkeypatch.setenv("EXPORTCTL_DATABASE_URL", f"sqlite:///{old}")
    at = app_as(None)
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "earlier exportctl" in message and "exportctl cases upgrade" in message
    assert not at.text_input  # no sign-in form: nothing runs on the old schema
