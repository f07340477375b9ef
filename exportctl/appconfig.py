"""Settings of the web app, its case database and its sign-in, defined once.

Every value can be overridden by an environment variable, so a deployment changes
configuration, not code.
"""

from __future__ import annotations

import os
from pathlib import Path

from exportctl.config import PROJECT_DIR

#: Run-time files (the default SQLite database). Git-ignored.
VAR_DIR = Path(os.environ.get("EXPORTCTL_VAR_DIR", PROJECT_DIR / "var")).expanduser()

#: SQLAlchemy URL of the case database. SQLite by default; for several officers on a server use
#: PostgreSQL, e.g. ``postgresql+psycopg://exportctl@dbhost/exportctl`` (``pip install
#: 'exportctl[postgres]'``).
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'exportctl.sqlite3'}"


def database_url() -> str:
    """The configured database URL (read at call time so tests and deployments can set it)."""
    return os.environ.get("EXPORTCTL_DATABASE_URL") or DEFAULT_DATABASE_URL


#: Local sign-in accounts (password hashes, names, roles). The shipped file holds the demo
#: accounts documented in the README; replace it, or switch to single sign-on, before real use.
DEFAULT_USERS_FILE = PROJECT_DIR / "config" / "users.toml"


def users_file() -> Path:
    value = os.environ.get("EXPORTCTL_USERS_FILE")
    return Path(value).expanduser() if value else DEFAULT_USERS_FILE


#: Uploads. A single abstract document and a batch file have separate size limits; the
#: Streamlit server limit in ``.streamlit/config.toml`` (``server.maxUploadSize``) is higher
#: so that our own, clearer message is the one users see.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_BATCH_BYTES = 20 * 1024 * 1024
MAX_BATCH_ROWS = 2_000
DOCUMENT_TYPES = ("txt", "pdf", "docx")
BATCH_TYPES = ("csv", "xlsx")

#: Excel cannot hold more than this many characters in a cell.
EXCEL_MAX_CELL_CHARS = 32_767


#: Local sign-in sessions. The browser keeps a signed token (a cookie) naming a session that the
#: server records, so a reload keeps the sign-in; it ends on sign-out, after this many minutes
#: without use, and at the latest after ``SESSION_MAX_HOURS``.
SESSION_COOKIE = "exportctl_session"
DEFAULT_SESSION_IDLE_MINUTES = 60
DEFAULT_SESSION_MAX_HOURS = 12


def session_idle_minutes() -> int:
    return int(os.environ.get("EXPORTCTL_SESSION_IDLE_MINUTES") or DEFAULT_SESSION_IDLE_MINUTES)


def session_max_hours() -> int:
    return int(os.environ.get("EXPORTCTL_SESSION_MAX_HOURS") or DEFAULT_SESSION_MAX_HOURS)


def session_secret_file() -> Path:
    """Where the key that signs session tokens is kept (made on first use) unless
    ``EXPORTCTL_SESSION_SECRET`` gives it. Every app server of one deployment needs the same."""
    value = os.environ.get("EXPORTCTL_SESSION_SECRET_FILE")
    return Path(value).expanduser() if value else VAR_DIR / "session-secret"


#: Demo mode: the demo accounts (published passwords, see the README) may sign in. Off unless
#: ``EXPORTCTL_DEMO=1``, so that a deployment left with the shipped accounts file cannot be
#: entered with them.
def demo_mode() -> bool:
    return os.environ.get("EXPORTCTL_DEMO", "").strip().lower() in ("1", "true", "yes", "on")


def learn_from_decisions() -> bool:
    """Whether entries confirmed or rejected on similar decided cases adjust the ranking
    (on unless ``EXPORTCTL_LEARN_FROM_DECISIONS`` is 0, false, no or off). The similar decided
    cases are shown either way."""
    value = os.environ.get("EXPORTCTL_LEARN_FROM_DECISIONS", "").strip().lower()
    return value not in ("0", "false", "no", "off")


#: Failed local sign-ins per user name: from the ``SIGNIN_SLOW_AFTER``-th failure on, each
#: answer waits 1, 2, 4 ... seconds; after ``signin_lock_after()`` failures the name is locked
#: for ``signin_lock_minutes()``. Failures older than that are forgotten, a success clears them.
SIGNIN_SLOW_AFTER = 3
SIGNIN_MAX_DELAY_SECONDS = 8
DEFAULT_SIGNIN_LOCK_AFTER = 5
DEFAULT_SIGNIN_LOCK_MINUTES = 15


def signin_lock_after() -> int:
    return int(os.environ.get("EXPORTCTL_SIGNIN_LOCK_AFTER") or DEFAULT_SIGNIN_LOCK_AFTER)


def signin_lock_minutes() -> int:
    return int(os.environ.get("EXPORTCTL_SIGNIN_LOCK_MINUTES") or DEFAULT_SIGNIN_LOCK_MINUTES)
