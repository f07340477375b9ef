"""Local sign-in kept in the case database: the sessions a page reload resumes, the throttle
on failed sign-ins, and the audit records of sign-ins, sign-outs and failures.

The browser holds only a signed token naming a session (see :mod:`exportctl.webapp.tokens`);
the session itself lives here, so that sign-out and the idle limit end it for good, on every
app server sharing the database. Failed sign-ins are counted per user name (known or not) in
the database too, so that a guesser gains nothing from several servers or browser tabs.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from exportctl.appconfig import (
    SIGNIN_MAX_DELAY_SECONDS,
    SIGNIN_SLOW_AFTER,
    signin_lock_after,
    signin_lock_minutes,
)
from exportctl.auth import DemoAccountError, LocalAccounts, SignInError, User
from exportctl.cases import audit_chain
from exportctl.cases.models import SignInSessionRow, SignInThrottleRow
from exportctl.cases.repository import READ_ONLY_OPTION

#: A session's last use is written at most this often, so that clicks do not all write.
TOUCH_EVERY = timedelta(seconds=60)
MAX_USERNAME_CHARS = 200


def _record(
    session: Session,
    *,
    actor: str,
    role: str,
    action: str,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    audit_chain.append(
        session,
        case_id=None,
        at=at,
        actor=actor[:MAX_USERNAME_CHARS],
        actor_role=role,
        action=action,
        target=None,
        detail_json=json.dumps(detail or {}, ensure_ascii=False, default=str),
        list_version=None,
        rules_version=None,
    )


class SignInSessions:
    """Start, resume and end the sign-in sessions of local accounts."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # Checking a session on every click must not take SQLite's write lock.
        self._reads = sessionmaker(
            engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False
        )

    def start(self, username: str, *, now: datetime, role: str = "researcher") -> str:
        """A new session for ``username``, recorded as a sign-in; its id (random, 128 bits)."""
        session_id = secrets.token_hex(16)
        with self._sessions.begin() as session:
            session.add(
                SignInSessionRow(id=session_id, username=username, started_at=now, last_seen_at=now)
            )
            _record(session, actor=username, role=role, action="signed_in", at=now)
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

    def end(
        self, session_id: str, *, now: datetime, reason: str = "signed out", role: str = ""
    ) -> None:
        """End the session (once: ending it again, from another tab, records nothing)."""
        with self._sessions.begin() as session:
            row = session.get(SignInSessionRow, session_id, with_for_update=True)
            if row is None or row.ended_at is not None:
                return
            row.ended_at, row.end_reason = now, reason
            action = "signed_out" if reason == "signed out" else "session_ended"
            _record(
                session,
                actor=row.username,
                role=role or "user",
                action=action,
                at=now,
                detail={"reason": reason, "started_at": row.started_at},
            )


@dataclass(frozen=True)
class SignInPolicy:
    """How failed sign-ins of one user name are slowed and then locked."""

    slow_after: int = SIGNIN_SLOW_AFTER
    lock_after: int = 5
    lock_for: timedelta = timedelta(minutes=15)
    max_delay: float = SIGNIN_MAX_DELAY_SECONDS
    #: Seconds an attempt waits for others of the same name in progress to finish when, were
    #: they all wrong, they would reach the lock; then it is refused as busy.
    busy_wait: float = 20.0
    #: Attempts still counted as in progress this long after the last attempt of the name
    #: are taken for ones whose server died, and no longer counted.
    stale_after: timedelta = timedelta(minutes=1)

    @classmethod
    def configured(cls) -> SignInPolicy:
        return cls(
            lock_after=signin_lock_after(), lock_for=timedelta(minutes=signin_lock_minutes())
        )

    def delay(self, failures: int) -> float:
        """Seconds to wait before answering an attempt made after ``failures`` failures."""
        if failures < self.slow_after:
            return 0.0
        return float(min(2 ** (failures - self.slow_after), self.max_delay))


class SignInLockedError(SignInError):
    """Too many failed sign-ins for this user name: locked for a while."""

    code = "E325"

    def __init__(self, message: str, *, until: datetime) -> None:
        super().__init__(message)
        self.until = until


@dataclass(frozen=True)
class Attempt:
    failures_before: int  # failures of the name before this attempt
    delay: float  # seconds the answer waits


#: Seconds between looks at the attempts in progress, while an attempt waits for them.
BUSY_POLL_SECONDS = 0.05


def wait(seconds: float) -> None:
    """Slow an answer down (a seam for tests, which check the delay asked for)."""
    time.sleep(seconds)


def throttle_key(username: str) -> str:
    """The name failures are counted under: as typed, trimmed and folded, so that "Officer"
    and "officer " count together."""
    return " ".join(username.split()).casefold()[:MAX_USERNAME_CHARS]


class LocalSignIn:
    """A local sign-in from start to end: the throttle, the password (the same cost whether
    the user name exists or not), demo accounts refused outside demo mode, a session opened,
    and every outcome in the audit trail.

    Each attempt is counted as in progress *before* the password is checked, so that attempts
    made at once from many tabs cannot slip under the limit: an attempt that, were it and all
    those in progress wrong, would pass the lock waits until they have finished (the lock is
    then decided by their outcome). A right password in progress is not a failure: many
    sessions signing in to one account at once are answered, not locked out."""

    def __init__(
        self,
        engine: Engine,
        accounts: LocalAccounts,
        *,
        policy: SignInPolicy | None = None,
        demo_mode: bool = False,
    ) -> None:
        self.accounts = accounts
        self.policy = policy or SignInPolicy.configured()
        self.demo_mode = demo_mode
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.sign_ins = SignInSessions(engine)

    def sign_in(self, username: str, password: str, *, now: datetime) -> tuple[User, str]:
        """The user and a new session id; :class:`SignInError` (its subclasses say why)."""
        key = throttle_key(username)
        if not key:
            raise SignInError("Enter your user name and password.")
        attempt = self._begin(key, username, now)
        try:
            if attempt.delay:
                wait(attempt.delay)  # the answer is slowed, whatever it is
            user = self.accounts.authenticate(username, password, demo_mode=self.demo_mode)
        except DemoAccountError:
            self._clear(key)  # the password was right; the account is not allowed here
            self._failed(key, username, now, reason="demo account outside demo mode", count=False)
            raise
        except SignInError:
            self._failed(key, username, now, reason="wrong user name or password")
            raise
        except BaseException:
            self._finished(key)  # not an answer about the password: no longer in progress
            raise
        self._clear(key)
        return user, self.sign_ins.start(user.username, now=now, role=user.role)

    def _begin(self, key: str, username: str, now: datetime) -> Attempt:
        """Count the attempt as in progress, or refuse it while the name is locked. While the
        failures so far and the attempts in progress could reach the lock, wait for those."""
        deadline = time.monotonic() + self.policy.busy_wait
        while True:
            outcome = self._try_begin(key, username, now)
            if outcome is not None:
                return outcome
            if time.monotonic() > deadline:
                raise SignInError(
                    "Many sign-ins with this user name are in progress; try again in a moment."
                )
            time.sleep(BUSY_POLL_SECONDS)

    def _try_begin(self, key: str, username: str, now: datetime) -> Attempt | None:
        """The attempt counted as in progress; ``None`` to wait for others in progress."""
        for _ in range(2):  # a first attempt of a name may be inserted by two servers at once
            try:
                with self._sessions.begin() as session:
                    row = session.get(SignInThrottleRow, key, with_for_update=True)
                    if row is not None and row.locked_until is not None:
                        if row.locked_until > now:
                            _record(
                                session,
                                actor=username,
                                role=self._role(username),
                                action="sign_in_failed",
                                at=now,
                                detail={"reason": "locked", "locked_until": row.locked_until},
                            )
                            locked_until = row.locked_until
                            break
                    if row is None or now - row.last_failure_at > self.policy.lock_for:
                        row = row or SignInThrottleRow(username=key, pending=0)
                        row.failures = 0
                        row.locked_until = None
                        session.add(row)
                    if row.pending and now - row.last_failure_at > self.policy.stale_after:
                        row.pending = 0
                    if row.failures + row.pending >= self.policy.lock_after:
                        return None
                    row.pending += 1
                    row.last_failure_at = now
                    return Attempt(row.failures, self.policy.delay(row.failures))
            except IntegrityError:
                continue
        else:
            raise SignInError("Sign-in is busy; try again.")
        raise SignInLockedError(
            f"Too many failed sign-ins for this user name: it is locked until "
            f"{locked_until:%H:%M} UTC. Try again then, or ask an administrator.",
            until=locked_until,
        )

    def _failed(
        self, key: str, username: str, now: datetime, *, reason: str, count: bool = True
    ) -> None:
        """Record the failure; with ``count`` (a wrong password) also count it, locking the
        name at the limit."""
        with self._sessions.begin() as session:
            detail: dict[str, Any] = {"reason": reason}
            if count:
                row = session.get(SignInThrottleRow, key, with_for_update=True)
                if row is None:  # cleared by a right password meanwhile: counting starts again
                    row = SignInThrottleRow(
                        username=key, failures=0, pending=1, last_failure_at=now
                    )
                    session.add(row)
                row.pending = max(0, row.pending - 1)
                row.failures += 1
                detail["failures"] = row.failures
                if row.failures >= self.policy.lock_after:
                    row.locked_until = now + self.policy.lock_for
                    detail["locked_until"] = row.locked_until
            _record(
                session,
                actor=username,
                role=self._role(username),
                action="sign_in_failed",
                at=now,
                detail=detail,
            )

    def _finished(self, key: str) -> None:
        """An attempt ended without an answer (an error): no longer in progress."""
        with self._sessions.begin() as session:
            row = session.get(SignInThrottleRow, key, with_for_update=True)
            if row is not None:
                row.pending = max(0, row.pending - 1)

    def _clear(self, key: str) -> None:
        with self._sessions.begin() as session:
            row = session.get(SignInThrottleRow, key, with_for_update=True)
            if row is not None:
                session.delete(row)

    def _role(self, username: str) -> str:
        account = self.accounts.accounts.get(username.strip())
        return account.user.role if account is not None else "unknown"
