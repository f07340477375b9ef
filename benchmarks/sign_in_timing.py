"""How long a refused sign-in takes for a user name that exists and for one that does not, with
the shipped accounts file's real password hashes (PBKDF2-SHA256, 600,000 iterations). The two
must not differ, or the time would tell who has an account (the first release answered an
unknown name in about 0 s and a known one in 0.24 s).

Measured twice: the password check alone (``LocalAccounts.authenticate``), and the web app's
whole local sign-in (``LocalSignIn.sign_in``: the throttle row, the password, the audit record
of the failure) on a SQLite case database. The throttle slows and then locks a name after
repeated failures, whether it exists or not; here its limits are raised so that every attempt
is answered at once and only the cost of the name's existence is timed.

    python benchmarks/sign_in_timing.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from exportctl.appconfig import DEFAULT_USERS_FILE
from exportctl.auth import LocalAccounts, SignInError
from exportctl.cases import CaseRepository
from exportctl.cases.repository import utcnow
from exportctl.cases.sessions import LocalSignIn, SignInPolicy


def timed(attempt: Callable[[str, str], object], username: str) -> float:
    started = time.perf_counter()
    try:
        attempt(username, "not the password")
    except SignInError:
        pass
    else:
        raise SystemExit(f"{username} signed in with a wrong password")
    return time.perf_counter() - started


def compare(name: str, attempt: Callable[[str, str], object], repeat: int) -> float:
    known, unknown = [], []
    for index in range(repeat):  # interleaved, so that machine load falls on both alike
        known.append(timed(attempt, ["officer", "researcher", "researcher2"][index % 3]))
        unknown.append(timed(attempt, f"nobody-{index}"))
    print(f"{name}:")
    for label, values in (("known user name", known), ("unknown user name", unknown)):
        print(
            f"  {label:>17}: median {statistics.median(values) * 1000:.0f} ms, "
            f"min {min(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms "
            f"({repeat} refusals)"
        )
    ratio = statistics.median(unknown) / statistics.median(known)
    print(f"  unknown / known (medians): {ratio:.2f}")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    accounts = LocalAccounts.load(DEFAULT_USERS_FILE)
    compare("password check alone", accounts.authenticate, args.repeat)
    with tempfile.TemporaryDirectory(prefix="exportctl-signin-") as folder:
        repo = CaseRepository.open(f"sqlite:///{Path(folder) / 'cases.sqlite3'}")
        no_slowing = SignInPolicy(slow_after=10**6, lock_after=10**6)
        local = LocalSignIn(repo.engine, accounts, policy=no_slowing, demo_mode=True)
        compare(
            "the app's sign-in (throttle, password, audit record)",
            lambda username, password: local.sign_in(username, password, now=utcnow()),
            args.repeat,
        )
        repo.dispose()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
