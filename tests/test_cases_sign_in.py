"""Local sign-in against the case database: failed sign-ins per user name slowed and then
locked (known or unknown names alike, attempts made at once included), every sign-in, sign-out,
expiry and failure in the audit trail, demo accounts only in demo mode, and an unknown user name
checked at the same cost as a known one."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from helpers_cases import OFFICER

import exportctl.auth as auth_module
import exportctl.cases.sessions as sessions_module
from exportctl.auth import (
    DemoAccountError,
    LocalAccounts,
    SignInError,
    hash_password,
)
from exportctl.cases import CaseRepository
from exportctl.cases.audit_chain import verify_chain
from exportctl.cases.models import SignInThrottleRow
from exportctl.cases.sessions import LocalSignIn, SignInLockedError, SignInPolicy

NOW = datetime(2026, 3, 2, 9, 0)
POLICY = SignInPolicy(slow_after=3, lock_after=5, lock_for=timedelta(minutes=15))
ITERATIONS = 2_000


def accounts(*, demo: bool = False) -> LocalAccounts:
    return LocalAccounts.from_mapping(
        {
            "demo": demo,
            "users": {
                "ecu": {
                    "role": "officer",
                    "name": "Eve Control",
                    "password_hash": hash_password("correct horse battery", iterations=ITERATIONS),
                },
                "rita": {
                    "role": "researcher",
                    "password_hash": hash_password("officer-demo", iterations=ITERATIONS),
                },
            },
        }
    )


ACCOUNTS, DEMO_ACCOUNTS = accounts(), accounts(demo=True)  # hashed once, before any count


@pytest.fixture()
def repo(tmp_path):
    repository = CaseRepository.open(f"sqlite:///{tmp_path / 'signin.sqlite3'}")
    yield repository
    repository.dispose()


@pytest.fixture()
def waits(monkeypatch):
    """The delays the sign-in asked for, instead of waiting them."""
    asked: list[float] = []
    monkeypatch.setattr(sessions_module, "wait", asked.append)
    return asked


@pytest.fixture()
def checks(monkeypatch):
    """The PBKDF2 iteration counts of every password check made."""
    made: list[int] = []
    real = auth_module.hashlib.pbkdf2_hmac

    def counting(name, password, salt, iterations, *args):
        made.append(iterations)
        return real(name, password, salt, iterations, *args)

    monkeypatch.setattr(auth_module.hashlib, "pbkdf2_hmac", counting)
    return made


def sign_in(repo, username, password, now=NOW, *, demo_mode=False):
    return LocalSignIn(repo.engine, ACCOUNTS, policy=POLICY, demo_mode=demo_mode).sign_in(
        username, password, now=now
    )


def trail(repo, action=None):
    return [e for e in repo.audit_trail(OFFICER) if action is None or e.action == action]


def test_cases_sign_in_policy_slows_then_locks():
    assert [POLICY.delay(n) for n in range(7)] == [0, 0, 0, 1, 2, 4, 8]
    assert SignInPolicy(max_delay=5).delay(20) == 5


@pytest.mark.parametrize("username", ["ecu", "nobody-such"])
def test_cases_sign_in_failures_are_slowed_then_locked(repo, waits, checks, username):
    """Known and unknown names are treated alike, so the lock tells nothing either."""
    for attempt in range(5):
        with pytest.raises(SignInError, match="Unknown user name or wrong password") as refused:
            sign_in(repo, username, "guess", NOW + timedelta(seconds=attempt))
        assert not isinstance(refused.value, SignInLockedError)
    assert waits == [1.0, 2.0]  # the 4th and 5th answers were slowed
    assert len(checks) == 5
    # Locked: even the right password is refused, without being checked.
    with pytest.raises(SignInLockedError, match="locked until 09:15 UTC") as locked:
        sign_in(repo, username, "correct horse battery", NOW + timedelta(minutes=5))
    assert locked.value.until == NOW + timedelta(seconds=4, minutes=15)
    assert len(checks) == 5
    failures = trail(repo, "sign_in_failed")
    assert [e.detail.get("failures") for e in failures] == [1, 2, 3, 4, 5, None]
    assert failures[-1].detail["reason"] == "locked"
    assert {e.actor for e in failures} == {username}
    assert failures[0].actor_role == ("officer" if username == "ecu" else "unknown")
    # After the lock, the count starts again.
    if username == "ecu":
        user, _ = sign_in(repo, "ecu", "correct horse battery", NOW + timedelta(minutes=16))
        assert user.username == "ecu"
    assert verify_chain(repo.engine).intact


def test_cases_sign_in_success_clears_failures_and_names_are_folded(repo, waits):
    for attempt in range(3):
        with pytest.raises(SignInError):
            sign_in(repo, [" ECU", "Ecu ", "ecu"][attempt], "guess")
    with pytest.raises(SignInError):
        sign_in(repo, "ecu", "guess")
    assert waits == [1.0]  # the three spellings counted as one name
    sign_in(repo, "ecu", "correct horse battery")
    assert waits == [1.0, 2.0]  # every answer is slowed, the right one too
    for _ in range(3):
        with pytest.raises(SignInError):
            sign_in(repo, "ecu", "guess")
    assert waits == [1.0, 2.0]  # counted from zero again after the success


def test_cases_sign_in_attempts_at_once_cannot_pass_the_lock(repo, waits, checks):
    """Twelve guesses sent at the same moment: five are checked, the others refused."""
    barrier = threading.Barrier(12)

    def guess(i):
        barrier.wait()
        try:
            sign_in(repo, "ecu", f"guess {i}")
        except SignInLockedError:
            return "locked"
        except SignInError:
            return "wrong"
        return "in"

    with ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(guess, range(12)))
    assert sorted(outcomes) == ["locked"] * 7 + ["wrong"] * 5
    assert len(checks) == 5


def test_cases_sign_in_sign_out_and_expiry_are_in_the_audit_trail(repo, waits):
    signer = LocalSignIn(repo.engine, ACCOUNTS, policy=POLICY)
    user, first = signer.sign_in("ecu", "correct horse battery", now=NOW)
    signer.sign_ins.end(first, now=NOW + timedelta(minutes=5), role=user.role)
    signer.sign_ins.end(first, now=NOW + timedelta(minutes=6))  # another tab: nothing more
    _, second = signer.sign_in("ecu", "correct horse battery", now=NOW + timedelta(hours=1))
    later = NOW + timedelta(hours=3)
    assert not signer.sign_ins.resume(second, "ecu", idle=timedelta(minutes=60), now=later)
    events = [(e.action, e.actor, e.detail.get("reason")) for e in trail(repo)]
    assert events == [
        ("signed_in", "ecu", None),
        ("signed_out", "ecu", "signed out"),
        ("signed_in", "ecu", None),
        ("session_ended", "ecu", "idle"),
    ]
    assert trail(repo)[0].actor_role == "officer"


def test_cases_sign_in_demo_accounts_only_in_demo_mode(repo, waits):
    """An account whose password is a published demo password is refused outside demo mode,
    whatever file it is in; every account of a file marked ``demo`` likewise."""
    with pytest.raises(DemoAccountError, match=r"only in demo mode \(EXPORTCTL_DEMO=1\)"):
        sign_in(repo, "rita", "officer-demo")
    assert trail(repo, "sign_in_failed")[-1].detail["reason"] == "demo account outside demo mode"
    for _ in range(5):  # the password was right: refusals of a demo account are not counted
        with pytest.raises(DemoAccountError):
            sign_in(repo, "rita", "officer-demo")
    for _ in range(3):
        with pytest.raises(SignInError):
            sign_in(repo, "rita", "guess")
    assert waits == []  # three failures, none slowed: the demo refusals did not count
    user, _ = sign_in(repo, "rita", "officer-demo", demo_mode=True)
    assert user.username == "rita"
    marked = LocalSignIn(repo.engine, DEMO_ACCOUNTS, policy=POLICY)
    with pytest.raises(DemoAccountError):
        marked.sign_in("ecu", "correct horse battery", now=NOW)
    marked.demo_mode = True
    assert marked.sign_in("ecu", "correct horse battery", now=NOW)[0].username == "ecu"


def test_cases_sign_in_unknown_user_name_costs_one_full_password_check(checks):
    """The time a refusal takes must not tell whether the name exists: an unknown name is
    checked against a decoy hash as dear as the dearest account's (timed in
    benchmarks/sign_in_timing.py)."""
    known = ACCOUNTS
    for username in ("ecu", "nobody-such", ""):
        with pytest.raises(SignInError):
            known.authenticate(username, "guess")
    assert checks == [ITERATIONS] * 3
    mixed = LocalAccounts.from_mapping(
        {
            "users": {
                "a": {"role": "officer", "password_hash": hash_password("x", iterations=1_000)},
                "b": {"role": "officer", "password_hash": hash_password("y", iterations=3_000)},
            }
        }
    )
    checks.clear()
    with pytest.raises(SignInError):
        mixed.authenticate("c", "guess")
    assert checks == [3_000]


def test_cases_sign_in_many_right_passwords_at_once_all_sign_in(repo, waits, checks, monkeypatch):
    """Twelve sessions signing in to one account at the same moment (tabs restored, a shared
    demo account; the web load script's 20 sessions were locked out this way): every one is
    signed in, none is slowed, no failure is recorded and the name is not locked."""
    counting = auth_module.hashlib.pbkdf2_hmac

    def as_slow_as_the_real_hash(*args):
        time.sleep(0.1)  # the shipped 600,000 iterations take about 0.25 s: checks overlap
        return counting(*args)

    monkeypatch.setattr(auth_module.hashlib, "pbkdf2_hmac", as_slow_as_the_real_hash)
    barrier = threading.Barrier(12)

    def right(_):
        barrier.wait()
        user, session_id = sign_in(repo, "ecu", "correct horse battery")
        return user.username, bool(session_id)

    with ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(right, range(12)))
    assert outcomes == [("ecu", True)] * 12
    assert waits == [] and len(checks) == 12
    assert trail(repo, "sign_in_failed") == []
    assert len(trail(repo, "signed_in")) == 12
    # Five wrong guesses later the name locks as before: the successes did not count.
    for attempt in range(5):
        with pytest.raises(SignInError):
            sign_in(repo, "ecu", "guess", NOW + timedelta(seconds=attempt))
    with pytest.raises(SignInLockedError):
        sign_in(repo, "ecu", "correct horse battery", NOW + timedelta(seconds=6))


def test_cases_sign_in_attempts_left_in_progress_by_a_dead_server(repo, waits):
    """Attempts counted as in progress by a server that died before answering hold later
    attempts back only for a moment, and are forgotten a minute after."""
    with repo.engine.begin() as connection:
        connection.execute(
            SignInThrottleRow.__table__.insert().values(
                username="ecu", failures=0, pending=5, last_failure_at=NOW, locked_until=None
            )
        )
    quick = SignInPolicy(lock_after=5, busy_wait=0.2)
    signer = LocalSignIn(repo.engine, ACCOUNTS, policy=quick)
    with pytest.raises(SignInError, match="in progress; try again in a moment") as busy:
        signer.sign_in("ecu", "correct horse battery", now=NOW + timedelta(seconds=5))
    assert not isinstance(busy.value, SignInLockedError)
    user, _ = signer.sign_in("ecu", "correct horse battery", now=NOW + timedelta(minutes=2))
    assert user.username == "ecu"
