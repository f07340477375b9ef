"""Sign-in sessions kept in the case database, so that a page reload keeps a local sign-in.

The browser holds only a signed token naming a session (see :mod:`exportctl.webapp.tokens`);
the session itself lives here, so that sign-out and the idle limit end it for good, on every
app server sharing the database.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlalchemy.orm import sessionmaker

from exportctl.cases.models import SignInSessionRow
from exportctl.cases.repository import READ_ONLY_OPTION

#: A session's last use is written at most this often, so that clicks do not all write.
TOUCH_EVERY = timedelta(seconds=60)


class SignInSessions:
    """Start, resume and end the sign-in sessions of local accounts."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # Checking a session on every click must not take SQLite's write lock.
        self._reads = sessionmaker(
            engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False
        )

    def start(self, username: str, *, now: datetime) -> str:
        """A new session for ``username``; its id (random, 128 bits)."""
        session_id = secrets.token_hex(16)
        with self._sessions.begin() as session:
            session.add(
                SignInSessionRow(id=session_id, username=username, started_at=now, last_seen_at=now)
            )
        return session_id

    def resume(self, session_id: str, username: str, *, idle: timedelta, now: datetime) -> bool:
        """Whether the session is still open for ``username``; it counts as used now. A session
        idle for longer than ``idle`` is ended."""
        with self._reads.begin() as session:
            row = session.get(SignInSessionRow, session_id)
            if row is None or row.username != username or row.ended_at is not None:
                return False
            last_seen = row.last_seen_at
        if now - last_seen > idle:
            self.end(session_id, now=now, reason="idle")
            return False
        if now - last_seen >= TOUCH_EVERY:
            with self._sessions.begin() as session:
                session.execute(
                    update(SignInSessionRow)
                    .where(SignInSessionRow.id == session_id)
                    .values(last_seen_at=now)
                )
        return True

    def end(self, session_id: str, *, now: datetime, reason: str = "signed out") -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(SignInSessionRow)
                .where(SignInSessionRow.id == session_id)
                .where(SignInSessionRow.ended_at.is_(None))
                .values(ended_at=now, end_reason=reason)
            )
