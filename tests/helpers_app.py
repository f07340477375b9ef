"""Shared helpers of the AppTest page tests (not a test module)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from exportctl.auth import User
from exportctl.config import PROJECT_DIR

APP = str(PROJECT_DIR / "app.py")
PAGE = "exportctl/webapp/pages/{}.py"

DEMO_RESEARCHER = User("researcher", "Rosa Researcher", "researcher", "researcher@example.ac.uk")
DEMO_OFFICER = User("officer", "Olu Officer", "officer", "officer@example.ac.uk")


def app_as(user: User | None, page: str | None = None, timeout: float = 120) -> AppTest:
    """The app, signed in as ``user`` (None: signed out), opened at ``page``."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if user is not None:
        at.session_state["user"] = user
    at.run()
    if page is not None:
        at.switch_page(PAGE.format(page)).run()
    return at


def texts(at: AppTest) -> str:
    """All visible text of the page, for assertions."""
    parts = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "success",
        "error",
        "warning",
        "info",
    ):
        parts.extend(str(element.value) for element in getattr(at, kind))
    parts.extend(str(element.proto.body) for element in at.get("html"))
    return "\n".join(parts)
