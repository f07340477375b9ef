"""Fuzzing, the long run: every fuzz target of ``tests/fuzz_targets.py`` (suggest on any text
and any bytes, the list importer on mutated list text and damaged PDFs, the app's uploads, ATAS
rules files) through Hypothesis, ``--cases`` inputs each.

Prints, per target: the cases run, accepted, refused with a clear message, crashes (anything
else: another exception, an unclear message, something written on a refusal) and seconds, then
the refusals by kind (a message of each) and every distinct crash. Exits 1 on any crash.

    python benchmarks/fuzz.py [--cases 10000] [--target suggest-text ...] [--seed N]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import HypothesisWarning

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # fuzz_targets, and the PDF builder of the tests

import fuzz_targets  # noqa: E402


@dataclass
class Tally:
    """What a target's cases came to."""

    cases: int = 0
    accepted: int = 0
    refused: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    crashes: dict[str, str] = field(default_factory=dict)  # kind -> the first one, in full
    crash_count: int = 0

    def record(self, check, case) -> None:
        self.cases += 1
        if self.cases % 1000 == 0:  # progress on standard error: a long run can be watched
            print(f"  ... {self.cases} cases, {self.refused} refused, {self.crash_count} crashes",
                  file=sys.stderr, flush=True)  # fmt: skip
        try:
            outcome = check(case)
        except Exception as error:  # noqa: BLE001 - every other exception is a crash, counted
            self.crash_count += 1
            kind = f"{type(error).__name__}: {str(error)[:160]}"
            self.crashes.setdefault(kind, f"{traceback.format_exc()}\ninput: {case!r}"[-4000:])
            return
        if outcome.kind == "accepted":
            self.accepted += 1
            return
        self.refused += 1
        kind = fuzz_targets.refusal_kind(outcome.message)
        self.kinds[kind] += 1
        self.examples.setdefault(kind, outcome.message)


def run_target(name: str, cases: int, run_seed: int) -> tuple[Tally, float]:
    target = fuzz_targets.TARGETS[name]
    tally = Tally()

    @seed(run_seed)
    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(target.strategy())
    def fuzz(case) -> None:
        tally.record(target.check, case)

    if name.startswith("suggest"):
        fuzz_targets.suggester()  # loaded before the clock starts
    started = time.perf_counter()
    fuzz()
    return tally, time.perf_counter() - started


def report(name: str, tally: Tally, seconds: float) -> None:
    print(f"{name}")
    for key, value in (
        ("cases", tally.cases),
        ("accepted", tally.accepted),
        ("refused", tally.refused),
        ("crashes", tally.crash_count),
        ("seconds", f"{seconds:.0f}"),
    ):
        print(f"  {key:<10} {value:>8}")
    for kind, count in tally.kinds.most_common():
        print(f"  refused {count:>6}  {tally.examples[kind][:200]}")
    for kind, detail in tally.crashes.items():
        print(f"  CRASH {kind}\n{detail}")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="inputs per target")
    parser.add_argument(
        "--target",
        action="append",
        choices=list(fuzz_targets.TARGETS),
        help="a target to run (repeatable; default: all)",
    )
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=HypothesisWarning)  # reprs of large inputs
    crashes = 0
    for name in args.target or list(fuzz_targets.TARGETS):
        tally, seconds = run_target(name, args.cases, args.seed)
        report(name, tally, seconds)
        crashes += tally.crash_count
    print(f"{'crashes':<12} {crashes:>8}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak_rss_mb':<12} {peak:>8.0f}")
    sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()
