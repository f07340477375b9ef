"""Shared helpers of the AppTest page tests (not a test module)."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from exportctl.auth import User
from exportctl.config import PROJECT_DIR

APP = str(PROJECT_DIR / "app.py")
PAGE = "exportctl/webapp/pages/{}.py"

DEMO_RESEARCHER = User("researcher", "Rosa Researcher", "researcher", "researcher@example.ac.uk")
DEMO_OFFICER = User("officer", "Olu Officer", "officer", "officer@example.ac.uk")


def app_as(
    user: User | None,
    page: str | None = None,
    timeout: float = 120,
    query: dict[str, str] | None = None,
) -> AppTest:
    """The app, signed in as ``user`` (None: signed out), opened at ``page``, with the
    address's ``query`` parameters (a deep link)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if user is not None:
        at.session_state["user"] = user
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    if page is not None:
        at.switch_page(PAGE.format(page)).run()
    return at


def shown(markdown: str) -> str:
    """Markdown as the reader sees its characters: backslash escapes removed (user text is
    always escaped, see exportctl.webapp.display.plain)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(at: AppTest) -> str:
    """All visible text of the page, for assertions (Markdown escapes removed)."""
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
        parts.extend(shown(str(element.value)) for element in getattr(at, kind))
    parts.extend(str(element.proto.body) for element in at.get("html"))
    return "\n".join(parts)


def page_html(at: AppTest) -> str:
    """The HTML the page shows (``st.html``), leaving out the app's own scripts (the session
    cookie and the unsaved-edits guard), which are the only ones allowed to run."""
    return "\n".join(
        str(element.proto.body)
        for element in at.get("html")
        if not element.proto.unsafe_allow_javascript
    )


# Elements whose options Streamlit renders as Markdown (select boxes show plain text).
_MARKDOWN_OPTIONS = ("radio", "segmented_control", "pills", "button_group")
# Elements with a body that is not Markdown.
_PLAIN_BODIES = ("html", "text", "code", "json", "exception")


def markdown_sources(at: AppTest) -> list[str]:
    """Every string of the page that Streamlit renders as Markdown: text elements, alerts,
    headings and captions, and the labels, help and (radios, segmented controls) options of
    widgets, expanders, tabs and metrics."""
    sources: list[str] = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        descriptor = getattr(proto, "DESCRIPTOR", None)
        if descriptor is None:
            continue
        fields = {f.name for f in descriptor.fields}
        kind = getattr(node, "type", "")
        if "body" in fields and kind not in _PLAIN_BODIES:
            sources.append(str(proto.body))
        for name in ("label", "help"):
            if name in fields and isinstance(getattr(proto, name), str):
                sources.append(getattr(proto, name))
        if kind in _MARKDOWN_OPTIONS and "options" in fields:
            sources.extend(str(getattr(o, "content", o)) for o in proto.options)
    return [text for text in sources if text]
