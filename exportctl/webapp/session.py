"""The signed-in user of a browser session, in either sign-in mode (see exportctl.auth).

A local sign-in survives a page reload: on sign-in the server opens a session in the case
database and the browser keeps a signed, expiring token naming it (a ``SameSite=Strict``
cookie; never the password). A new browser connection with a valid token of an open session is
signed in again. Sign-out, the idle limit and the token's expiry end the session. Single sign-on
keeps its own session (Streamlit's ``st.login`` cookie).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import streamlit as st

from exportctl.appconfig import (
    SESSION_COOKIE,
    demo_mode,
    session_idle_minutes,
    session_max_hours,
)
from exportctl.auth import AuthSettings, SignInError, User
from exportctl.cases.repository import utcnow
from exportctl.webapp import engines
from exportctl.webapp.display import plain
from exportctl.webapp.tokens import TokenError, issue_token, read_token

logger = logging.getLogger(__name__)

USER_KEY = "user"
SESSION_ID_KEY = "signin_session_id"
TOKEN_KEY = "signin_token"
SIGNED_OUT_KEY = "signin_signed_out"


def auth_settings() -> AuthSettings:
    """Sign-in settings from ``.streamlit/secrets.toml`` (local accounts when there is none)."""
    if not st.secrets.load_if_toml_exists():
        return AuthSettings()
    return AuthSettings.from_secrets(st.secrets.to_dict())


def _idle() -> timedelta:
    return timedelta(minutes=session_idle_minutes())


def _browser_token() -> str | None:
    try:
        return st.context.cookies.get(SESSION_COOKIE)
    except (AttributeError, RuntimeError):  # no browser connection (e.g. AppTest)
        return None


def _forget_user() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def _resume_from_token() -> User | None:
    """The user of the browser's session token, if it names an open session."""
    token = _browser_token()
    if not token or st.session_state.get(SIGNED_OUT_KEY):
        return None
    now = utcnow()
    try:
        claims = read_token(engines.session_secret(), token, now=now)
    except TokenError as error:
        logger.info("Session token refused: %s", error.message)
        return None
    if not engines.sign_ins().resume(claims.session_id, claims.username, idle=_idle(), now=now):
        return None
    account = engines.local_accounts().accounts.get(claims.username)
    if account is None:  # the account was removed since
        return None
    st.session_state[USER_KEY] = account.user
    st.session_state[SESSION_ID_KEY] = claims.session_id
    st.session_state[TOKEN_KEY] = token
    return account.user


def current_user(settings: AuthSettings) -> User | None:
    if settings.mode == "oidc":
        if not st.user.is_logged_in:
            return None
        return settings.user_from_claims(st.user.to_dict())
    user = st.session_state.get(USER_KEY)
    if isinstance(user, User):
        session_id = st.session_state.get(SESSION_ID_KEY)
        if session_id and not engines.sign_ins().resume(
            session_id, user.username, idle=_idle(), now=utcnow()
        ):
            # Idle too long, or signed out in another tab.
            _forget_user()
            st.session_state[SIGNED_OUT_KEY] = "ended"
            return None
        return user
    return _resume_from_token()


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
            f"{plain(user.username)} ({user.role})."
        )
        st.stop()


def _cookie_script(token: str | None) -> str:
    """Set (or, with no token, delete) the session cookie in the browser."""
    if token:
        value, max_age = token, session_max_hours() * 3600
    else:
        value, max_age = "", 0
    return (
        "<script>document.cookie = "
        f"'{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; SameSite=Strict'"
        " + (location.protocol === 'https:' ? '; Secure' : '');"
        f"window.__exportctlSession = '{'kept' if token else 'dropped'}';</script>"
    )


def keep_session_in_browser() -> None:
    """Hand the session token to the browser (sidebar; renders nothing visible)."""
    token = st.session_state.get(TOKEN_KEY)
    if token:
        st.html(_cookie_script(token), unsafe_allow_javascript=True, width=1)


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
    if _browser_token():
        # A token the server did not accept (expired, ended or altered): drop it.
        st.html(_cookie_script(None), unsafe_allow_javascript=True, width=1)
    if st.session_state.get(SIGNED_OUT_KEY) == "ended":
        st.info(
            "Your session ended (after a time without use, or you signed out in another tab). "
            "Sign in again."
        )
    accounts = engines.local_accounts()
    with st.form("signin_form"):
        username = st.text_input("User name", key="signin_username")
        password = st.text_input("Password", type="password", key="signin_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        now = utcnow()
        try:
            user, session_id = engines.local_sign_in().sign_in(username, password, now=now)
        except SignInError as error:
            st.error(error.message)
        else:
            st.session_state.pop(SIGNED_OUT_KEY, None)
            st.session_state[USER_KEY] = user
            st.session_state[SESSION_ID_KEY] = session_id
            st.session_state[TOKEN_KEY] = issue_token(
                engines.session_secret(),
                session_id,
                user.username,
                now=now,
                lifetime=timedelta(hours=session_max_hours()),
            )
            st.rerun()
    if accounts.demo and demo_mode():
        st.info(
            "Demo accounts: **researcher** / researcher-demo, **researcher2** / "
            "researcher2-demo, **officer** / officer-demo. Replace them before real use "
            "(see the README)."
        )
    elif accounts.demo:
        st.warning(
            "This server's accounts file holds the demo accounts, whose passwords are "
            "published: they work only in demo mode (EXPORTCTL_DEMO=1). Set "
            "EXPORTCTL_USERS_FILE to your own accounts file (see the README)."
        )


def sign_out() -> None:
    settings = auth_settings()
    session_id = st.session_state.get(SESSION_ID_KEY)
    user = st.session_state.get(USER_KEY)
    if session_id:
        engines.sign_ins().end(
            session_id, now=utcnow(), role=user.role if isinstance(user, User) else ""
        )
    _forget_user()
    st.session_state[SIGNED_OUT_KEY] = True
    if settings.mode == "oidc":
        st.logout()
    else:
        st.rerun()


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def known_researchers() -> dict[str, User] | None:
    """The researchers' accounts by user name (local sign-in); ``None`` with single sign-on,
    where the identity provider, not exportctl, knows who has an account."""
    if auth_settings().mode == "oidc":
        return None
    return {u.username: u for u in engines.local_accounts().users() if u.role == "researcher"}


def is_researcher(username: str, researchers: dict[str, User] | None) -> bool:
    """Whether a batch row may name ``username`` as the case's researcher: a researcher's
    account (local sign-in), or an e-mail address that is not an officer's (single sign-on)."""
    if researchers is not None:
        return username in researchers
    settings = auth_settings()
    email = username.strip().lower()
    return bool(_EMAIL.match(email)) and email not in settings.officers
