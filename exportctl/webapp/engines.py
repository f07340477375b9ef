"""Engines and stores built once per server process (``st.cache_resource``).

Nothing heavy happens at import time: each factory runs on first use by a page.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from exportctl.appconfig import (
    database_url,
    demo_mode,
    learn_from_decisions,
    session_secret_file,
    users_file,
)
from exportctl.auth import LocalAccounts
from exportctl.cases.repository import CaseRepository
from exportctl.cases.sessions import LocalSignIn, SignInSessions
from exportctl.lists.diff import ListDiff, compare
from exportctl.lists.store import ControlList, resolve_version
from exportctl.suggest.precedents import PrecedentBook
from exportctl.webapp.tokens import load_secret

if TYPE_CHECKING:
    from exportctl.cases.amendments import ListCheck
    from exportctl.suggest.engine import Suggester


@st.cache_resource(show_spinner=False)
def list_version() -> tuple[str, str]:
    """The control list this server uses (name, date): the one in use when it first asked
    (the newest import unless ``EXPORTCTL_LIST`` names one). After an import, restart the app
    to use the new list; every page meanwhile shows and uses this one."""
    return resolve_version()


@st.cache_resource(show_spinner="Loading the control list…")
def control_list() -> ControlList:
    return ControlList.load(*list_version())


@st.cache_resource(show_spinner="Loading the suggestion engine (first time only)…")
def suggester() -> Suggester:
    from exportctl.suggest.engine import Suggester

    return Suggester.load(control_list())


@st.cache_resource(show_spinner=False, max_entries=2)
def _precedents(url: str, version: tuple[int, str]) -> PrecedentBook:
    return _repository(url).precedents()


def precedents() -> PrecedentBook:
    """Decided cases as precedents, read again only when a decision has changed."""
    return _precedents(database_url(), repository().decisions_version())


def suggester_with_precedents() -> Suggester:
    """The engine, learning from the decisions made so far (unless the office switched it
    off: ``EXPORTCTL_LEARN_FROM_DECISIONS=0``)."""
    engine = suggester()
    engine.learn_from_decisions = learn_from_decisions()
    engine.use_precedents(precedents())
    return engine


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


@st.cache_resource(show_spinner="Loading the list version…", max_entries=6)
def dataset(folder: str) -> ControlList:
    """An imported list version (its dataset folder), for comparing versions."""
    return ControlList.from_dir(Path(folder))


@st.cache_resource(show_spinner="Comparing the two versions…", max_entries=6)
def list_diff(old_folder: str, new_folder: str) -> ListDiff:
    """What changed between two imported versions, in every list both hold."""
    return compare(dataset(old_folder), dataset(new_folder))


@st.cache_resource(show_spinner="Checking the cases against the list in use…")
def _list_check(url: str, version: str) -> ListCheck:
    from exportctl.cases.amendments import check_list_in_use

    return check_list_in_use(_repository(url), control_list())


def list_check() -> ListCheck:
    """Once per server and list version: when the list in use is not the one the cases were
    last checked against, the cases that the change touches are flagged for re-review."""
    return _list_check(database_url(), control_list().version)
