"""The stress and fault scripts run end to end on a SQLite file and print their checks as
numbers (short runs: the figures themselves are in benchmarks/README.md)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from exportctl.config import PROJECT_DIR

pytestmark = pytest.mark.slow

BENCHMARKS = PROJECT_DIR / "benchmarks"


def run_script(name: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / name), "--database", "sqlite", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def figure(output: str, label: str) -> int:
    match = re.search(rf"{label}: ([\d,]+)", output)
    assert match, f"{label!r} not in {output}"
    return int(match[1].replace(",", ""))


def test_benchmarks_stress_sessions_lose_and_overwrite_nothing():
    output = run_script("stress_cases.py", "--sessions", "4", "--seconds", "3")
    assert figure(output, "writes acknowledged") > 0
    for label in (
        "lost writes",
        "silent overwrites",
        "audit records missing",
        "sessions that crashed",
    ):
        assert figure(output, label) == 0, output
    assert figure(output, r"unexpected errors \(a traceback for the user\)") == 0
    assert "audit chain: intact" in output and "integrity check: ok" in output
    assert output.rstrip().endswith("result: all checks passed")


def test_benchmarks_killed_writers_leave_nothing_half_written():
    output = run_script(
        "kill_writers.py", "--writers", "3", "--rounds", "1", "--seconds", "3", "--exports", "2"
    )
    kills = re.search(r"in all: 1 rounds, (\d+) writers killed", output)
    assert kills and int(kills[1]) > 0, output
    assert figure(output, "acknowledged but lost") == 0
    assert figure(output, r"half-written cases visible \([^)]*\)") == 0
    assert "integrity check: ok, foreign keys ok" in output
    assert "workbook whole after each: 2/2" in output
    assert output.rstrip().endswith("result: all checks passed")
