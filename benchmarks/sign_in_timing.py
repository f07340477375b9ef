"""How long a refused sign-in takes for a user name that exists and for one that does not, with
the shipped accounts file's real password hashes (PBKDF2-SHA256, 600,000 iterations). The two
must not differ, or the time would tell who has an account (the first release answered an
unknown name in about 0 s and a known one in 0.24 s).

    python benchmarks/sign_in_timing.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import time

from exportctl.appconfig import DEFAULT_USERS_FILE
from exportctl.auth import LocalAccounts, SignInError


def timed(accounts: LocalAccounts, username: str) -> float:
    started = time.perf_counter()
    try:
        accounts.authenticate(username, "not the password")
    except SignInError:
        pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    accounts = LocalAccounts.load(DEFAULT_USERS_FILE)
    known, unknown = [], []
    for index in range(args.repeat):  # interleaved, so that machine load falls on both alike
        known.append(timed(accounts, "officer"))
        unknown.append(timed(accounts, f"nobody-{index}"))
    for name, values in (("known user name", known), ("unknown user name", unknown)):
        print(
            f"{name:>18}: median {statistics.median(values) * 1000:.0f} ms, "
            f"min {min(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms "
            f"({args.repeat} refusals)"
        )
    ratio = statistics.median(unknown) / statistics.median(known)
    print(f"unknown / known (medians): {ratio:.2f}")


if __name__ == "__main__":
    main()
