"""The app's frame: page setup, sign-in, and the pages each role may use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from exportctl.auth import AuthError, Role, User
from exportctl.webapp import engines
from exportctl.webapp.session import auth_settings, current_user, sign_out

PAGES_DIR = Path(__file__).resolve().parent / "pages"


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
    PageSpec("batch.py", "Batch", ":material/table_view:", "batch", ("officer",)),
    PageSpec(
        "browse.py", "Browse lists", ":material/account_tree:", "browse", ("researcher", "officer")
    ),
    PageSpec("export_page.py", "Export", ":material/download:", "export", ("officer",)),
)


def pages_for(user: User) -> list[PageSpec]:
    """The pages ``user`` may open, the first being their start page."""
    return [page for page in PAGES if user.role in page.roles]


def _page(spec: PageSpec, *, default: bool = False) -> st.Page:
    return st.Page(
        PAGES_DIR / spec.script,
        title=spec.title,
        icon=spec.icon,
        url_path=spec.url_path,
        default=default,
    )


def run() -> None:
    st.set_page_config(page_title="exportctl", page_icon="⚖️", layout="wide")
    try:
        settings = auth_settings()
    except AuthError as error:
        st.error(error.message)
        st.stop()
    user = current_user(settings)
    if user is None:
        st.navigation(
            [st.Page(PAGES_DIR / "signin.py", title="Sign in", url_path="signin", default=True)],
            position="hidden",
        ).run()
        return
    with st.sidebar:
        st.markdown(f"**{user.name}**  \n{user.role.capitalize()} · `{user.username}`")
        if st.button("Sign out", key="signout"):
            sign_out()
        if settings.mode == "local" and engines.local_accounts().demo:
            st.caption("Demo sign-in: change the accounts before real use.")
    specs = pages_for(user)
    st.navigation([_page(spec, default=i == 0) for i, spec in enumerate(specs)]).run()
