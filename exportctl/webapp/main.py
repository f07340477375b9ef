"""The app's frame: page setup, sign-in, deep links, and the pages each role may use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from exportctl.appconfig import demo_mode
from exportctl.auth import AuthError, Role, User
from exportctl.cases.errors import CaseStoreError
from exportctl.errors import DatasetError
from exportctl.webapp import components, engines
from exportctl.webapp.display import plain
from exportctl.webapp.session import (
    auth_settings,
    current_user,
    keep_session_in_browser,
    sign_in_page,
    sign_out,
)

PAGES_DIR = Path(__file__).resolve().parent / "pages"

#: Pages set this while they hold edits not saved yet; the browser then asks before a reload.
UNSAVED_KEY = "page_unsaved"
RUNS_KEY = "page_runs"


@dataclass(frozen=True)
class PageSpec:
    script: str  # file under exportctl/webapp/pages/
    title: str
    icon: str
    url_path: str
    roles: tuple[Role, ...]


PAGES: tuple[PageSpec, ...] = (
    PageSpec("review.py", "Review", ":material/fact_check:", "review", ("officer",)),
    PageSpec("screen.py", "Screen", ":material/search:", "screen", ("researcher", "officer")),
    PageSpec("my_cases.py", "My cases", ":material/folder_open:", "my-cases", ("researcher",)),
    PageSpec("overview.py", "Overview", ":material/monitoring:", "overview", ("officer",)),
    PageSpec("batch.py", "Batch", ":material/table_view:", "batch", ("officer",)),
    PageSpec(
        "browse.py", "Browse lists", ":material/account_tree:", "browse", ("researcher", "officer")
    ),
    PageSpec("export_page.py", "Export", ":material/download:", "export", ("officer",)),
)

#: Where a link with ``?case=`` or ``?code=`` but no page opens, per role.
_LINK_PAGES: dict[str, dict[Role, str]] = {
    "case": {"officer": "review", "researcher": "my-cases"},
    "code": {"officer": "browse", "researcher": "browse"},
}


def pages_for(user: User) -> list[PageSpec]:
    """The pages ``user`` may open, the first being their start page."""
    return [page for page in PAGES if user.role in page.roles]


def start_page(user: User, query: dict[str, str]) -> PageSpec:
    """The page a bare address opens: the one a deep link names, else the role's first."""
    specs = pages_for(user)
    for parameter, targets in _LINK_PAGES.items():
        if query.get(parameter):
            wanted = targets[user.role]
            return next(spec for spec in specs if spec.url_path == wanted)
    return specs[0]


def _page(spec: PageSpec) -> st.Page:
    return st.Page(
        PAGES_DIR / spec.script, title=spec.title, icon=spec.icon, url_path=spec.url_path
    )


def _signed_out() -> None:
    """Signed out, every page's address shows the sign-in form, and the address (with its
    ``?case=`` or ``?code=``) is kept, so the page opens once the user has signed in."""
    pages = [st.Page(sign_in_page, title="Sign in", url_path="signin", default=True)]
    pages += [st.Page(sign_in_page, title="Sign in", url_path=spec.url_path) for spec in PAGES]
    st.navigation(pages, position="hidden").run()


def run() -> None:
    st.set_page_config(page_title="exportctl", page_icon="⚖️", layout="wide")
    try:
        settings = auth_settings()
    except AuthError as error:
        st.error(error.message)
        st.stop()
    try:
        engines.repository()
    except CaseStoreError as error:
        # E.g. a database made by an earlier exportctl: the message names the command that
        # upgrades it. Nothing else runs until it is fixed.
        st.error(error.message)
        st.stop()
    user = current_user(settings)
    if user is None:
        _signed_out()
        return
    with st.sidebar:
        st.markdown(f"**{plain(user.name)}**  \n{user.role.capitalize()} · {plain(user.username)}")
        if st.button("Sign out", key="signout"):
            sign_out()
        if settings.mode == "local" and engines.local_accounts().demo and demo_mode():
            st.caption("Demo sign-in: change the accounts before real use.")
        try:
            st.caption(f"Control list {plain('/'.join(engines.list_version()))}")
        except DatasetError as error:
            st.error(error.message)
    pages = {spec.url_path: _page(spec) for spec in pages_for(user)}
    start = pages[start_page(user, {k: st.query_params.get(k, "") for k in _LINK_PAGES}).url_path]

    def home() -> None:
        """The bare address opens the start page under its own address (so that every page,
        the start page too, can be opened by its address), keeping ``?case=`` or ``?code=``."""
        st.switch_page(start, query_params=st.query_params.to_dict())

    landing = st.Page(home, title="Start", url_path="start", default=True, visibility="hidden")
    page = st.navigation([landing, *pages.values()])
    st.session_state[UNSAVED_KEY] = False
    page.run()
    st.session_state[RUNS_KEY] = st.session_state.get(RUNS_KEY, 0) + 1
    with st.sidebar:
        keep_session_in_browser()
        components.unsaved_guard(
            bool(st.session_state.get(UNSAVED_KEY)), st.session_state[RUNS_KEY]
        )
