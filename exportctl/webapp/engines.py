"""Engines and stores built once per server process (``st.cache_resource``).

Nothing heavy happens at import time: each factory runs on first use by a page.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from exportctl.appconfig import database_url, demo_mode, session_secret_file, users_file
from exportctl.auth import LocalAccounts
from exportctl.cases.repository import CaseRepository
from exportctl.cases.sessions import LocalSignIn, SignInSessions
from exportctl.lists.store import ControlList
from exportctl.webapp.tokens import load_secret

if TYPE_CHECKING:
    from exportctl.suggest.engine import Suggester


@st.cache_resource(show_spinner="Loading the control list…")
def control_list() -> ControlList:
    return ControlList.load()


@st.cache_resource(show_spinner="Loading the suggestion engine (first time only)…")
def suggester() -> Suggester:
    from exportctl.suggest.engine import Suggester

    return Suggester.load()


@st.cache_resource(show_spinner=False)
def _repository(url: str) -> CaseRepository:
    return CaseRepository.open(url)


def repository() -> CaseRepository:
    """The case store at the configured URL (``EXPORTCTL_DATABASE_URL``)."""
    return _repository(database_url())


@st.cache_resource(show_spinner=False)
def _accounts(path: str, modified: float) -> LocalAccounts:
    return LocalAccounts.load(Path(path))


def local_accounts() -> LocalAccounts:
    """The local accounts file, re-read when it changes."""
    path = users_file()
    modified = path.stat().st_mtime if path.exists() else 0.0
    return _accounts(str(path), modified)


@st.cache_resource(show_spinner=False)
def _sign_ins(url: str) -> SignInSessions:
    return SignInSessions(_repository(url).engine)


def sign_ins() -> SignInSessions:
    """Local sign-in sessions, kept in the case database."""
    return _sign_ins(database_url())


def local_sign_in() -> LocalSignIn:
    """Local sign-in against the accounts file, throttled and audited in the case database;
    demo accounts only in demo mode (``EXPORTCTL_DEMO=1``)."""
    return LocalSignIn(repository().engine, local_accounts(), demo_mode=demo_mode())


@st.cache_resource(show_spinner=False)
def _secret(path: str) -> bytes:
    return load_secret(Path(path))


def session_secret() -> bytes:
    """The key that signs session tokens."""
    return _secret(str(session_secret_file()))
