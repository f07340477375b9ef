"""The signed-in user of a browser session, in either sign-in mode (see exportctl.auth)."""

from __future__ import annotations

import streamlit as st

from exportctl.auth import AuthSettings, SignInError, User
from exportctl.webapp import engines

USER_KEY = "user"


def auth_settings() -> AuthSettings:
    """Sign-in settings from ``.streamlit/secrets.toml`` (local accounts when there is none)."""
    if not st.secrets.load_if_toml_exists():
        return AuthSettings()
    return AuthSettings.from_secrets(st.secrets.to_dict())


def current_user(settings: AuthSettings) -> User | None:
    if settings.mode == "oidc":
        if not st.user.is_logged_in:
            return None
        return settings.user_from_claims(st.user.to_dict())
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, User) else None


def require_user() -> User:
    """The signed-in user; pages are only reachable signed in, this guards direct calls."""
    user = current_user(auth_settings())
    if user is None:
        st.error("Sign in first.")
        st.stop()
    return user


def require_officer_page(user: User) -> None:
    """Stop a page that only export-control officers may use."""
    if not user.is_officer:
        st.error(
            "This page is for export-control officers. You are signed in as "
            f"{user.username} ({user.role})."
        )
        st.stop()


def sign_in_page() -> None:
    settings = auth_settings()
    st.title("exportctl")
    st.caption(
        "Export-control and ATAS screening for research. Suggestions only: an officer decides."
    )
    if settings.mode == "oidc":
        st.write("Sign in with your university account.")
        st.button(
            "Sign in with single sign-on",
            key="signin_sso",
            type="primary",
            on_click=st.login,
            args=(settings.provider,) if settings.provider else (),
        )
        return
    accounts = engines.local_accounts()
    with st.form("signin_form"):
        username = st.text_input("User name", key="signin_username")
        password = st.text_input("Password", type="password", key="signin_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            user = accounts.authenticate(username, password)
        except SignInError as error:
            st.error(error.message)
        else:
            st.session_state[USER_KEY] = user
            st.rerun()
    if accounts.demo:
        st.info(
            "Demo accounts: **researcher** / researcher-demo, **researcher2** / "
            "researcher2-demo, **officer** / officer-demo. Replace them before real use "
            "(see the README)."
        )


def sign_out() -> None:
    settings = auth_settings()
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if settings.mode == "oidc":
        st.logout()
    else:
        st.rerun()
