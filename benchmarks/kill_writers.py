"""Writers killed at random moments (SIGKILL, as a crash or an out-of-memory kill would), then
the database checked: SQLite's integrity check, the audit chain, and the rows against the
writers' own logs, which record a write only after the store acknowledged it. Nothing
half-written may be visible and nothing acknowledged may be lost. Then an export is killed
while it writes the workbook: the previous workbook must stay whole and no export be recorded.

Runs on a SQLite file with the default settings and on a PostgreSQL server it starts (the
writers, not the server, are killed).

    python benchmarks/kill_writers.py [--writers 8] [--rounds 3] [--seconds 20] [--database sqlite]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from contextlib import ExitStack
from pathlib import Path

import stress_workload as workload
from helpers_postgres import PostgresUnavailable, create_database, postgres_server

from exportctl.cases import CaseRepository
from exportctl.checksums import sha256_of


def start(context, url: str, index: int, researchers: int, folder: Path, until: float, run: int):
    process = context.Process(
        target=workload.run_session,
        args=(url, index, researchers, until, folder / f"session-{index:02d}-{run}.jsonl", True),
    )
    process.start()
    return process


def kill_writers(
    url: str, name: str, writers: int, seconds: float, rounds: int, folder: Path
) -> bool:
    """``rounds`` rounds of ``seconds`` each: writers killed at random moments and started
    again, then, with every writer stopped, the database checked against every write
    acknowledged so far."""
    CaseRepository.open(url).dispose()
    researchers = max(1, writers // 3)
    context = multiprocessing.get_context("fork")
    rng = random.Random(12)
    kills = runs = 0
    ok = True
    print(f"\n{name}: {writers} writers, {rounds} rounds of {seconds:.0f} s, killed with SIGKILL")
    for round_ in range(1, rounds + 1):
        until = time.time() + seconds
        running = {}
        for i in range(writers):
            runs += 1
            running[i] = start(context, url, i, researchers, folder, until, runs)
        round_kills = 0
        while time.time() < until - 1:
            time.sleep(rng.uniform(0.05, 0.6))
            index = rng.randrange(writers)
            os.kill(running[index].pid, signal.SIGKILL)
            running[index].join()
            round_kills += 1
            runs += 1
            running[index] = start(context, url, index, researchers, folder, until, runs)
        for process in running.values():
            process.join()
        kills += round_kills
        acks, refusals, unexpected = workload.read_logs(folder)
        check = workload.check_database(url, acks, killed=True)
        good = _report_round(round_, round_kills, acks, refusals, unexpected, check)
        ok &= good
    print(f"  in all: {rounds} rounds, {kills} writers killed, {runs} writer processes")
    return ok


def _report_round(round_, kills, acks, refusals, unexpected, check) -> bool:
    print(
        f"  round {round_}: {kills} killed; so far {len(acks):,} writes acknowledged, "
        f"{len(refusals):,} refusals told, {len(unexpected)} unexpected errors; "
        f"cases {check.cases:,}, audit records {check.audit_records:,}"
    )
    print(f"    integrity check: {check.integrity}")
    print(f"    audit chain: {check.chain}")
    print(
        f"    acknowledged but lost: {check.lost_writes}; audit records missing: "
        f"{check.audit_missing}; half-written cases visible (without their suggestions or "
        f"submission record): {check.half_written}; case versions without an audit record: "
        f"{check.versions_without_audit}"
    )
    print(
        f"    committed but not acknowledged (killed between commit and reply): "
        f"{check.unacknowledged}"
    )
    for problem in check.problems[:10]:
        print(f"      ! {problem}")
    for error, count, example in workload.summarise_refusals(unexpected)[:5]:
        print(f"      ! unexpected {count} {error}: {example}")
    integrity_ok = check.integrity.startswith("ok")
    return integrity_ok and not (
        unexpected
        or check.lost_writes
        or check.audit_missing
        or check.half_written
        or check.versions_without_audit
        or not check.chain.startswith("intact")
    )


def kill_exports(url: str, name: str, attempts: int, folder: Path) -> bool:
    """Kill ``exportctl export`` at random moments while it writes over an earlier workbook."""
    target = folder / "decisions.xlsx"
    env = {**os.environ, "EXPORTCTL_DATABASE_URL": url}
    exportctl = str(Path(sys.executable).with_name("exportctl"))
    command = [exportctl, "-q", "export", "--output", str(target)]
    subprocess.run(command, env=env, check=True, capture_output=True)
    repo = CaseRepository.open(url)
    rng = random.Random(3)
    whole = unrecorded = mid_write = after_rename = undelivered = 0
    for _ in range(attempts):
        earlier = set(folder.glob(".decisions.xlsx.*.partial"))
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        # Killed once it has started writing the workbook (its own temporary file exists).
        while (
            process.poll() is None and not set(folder.glob(".decisions.xlsx.*.partial")) - earlier
        ):
            time.sleep(0.001)
        time.sleep(rng.uniform(0, 0.03))
        killed = process.poll() is None
        if killed:
            process.send_signal(signal.SIGKILL)
        process.wait()
        left = set(folder.glob(".decisions.xlsx.*.partial")) - earlier
        recorded = _exported_hashes(repo)
        if killed and left:
            mid_write += 1  # before the rename: its temporary file is left
            # killed between recording the export and the rename: recorded, not delivered
            undelivered += any(sha256_of(p) in recorded for p in left)
        elif killed:
            after_rename += 1
        with zipfile.ZipFile(target) as package:
            whole += package.testzip() is None
        # The workbook in place is always one whose export was recorded.
        unrecorded += sha256_of(target) not in recorded
    leftovers = sum(1 for p in folder.glob(".decisions.xlsx.*.partial"))
    repo.dispose()
    print(
        f"  exports: {attempts}; killed before the workbook took its name: {mid_write} "
        f"({undelivered} of them after the export was recorded), after: {after_rename}, "
        f"finished first: {attempts - mid_write - after_rename}"
    )
    print(
        f"  workbook whole after each: {whole}/{attempts}; workbooks in place without their "
        f"export recorded: {unrecorded}; hidden temporary files left by the kills: {leftovers}"
    )
    return whole == attempts and unrecorded == 0


def _exported_hashes(repo) -> set[str]:
    from exportctl.auth import User

    officer = User("stress-officer", "Officer", "officer")
    return {
        e.detail.get("sha256")
        for e in repo.audit_trail(officer)
        if e.action == "decisions_exported"
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--exports", type=int, default=5)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    ok = True
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="exportctl-kill-")))
        targets = []
        if args.database in ("sqlite", "both"):
            (folder / "sqlite").mkdir()
            targets.append(("SQLite", f"sqlite:///{folder / 'sqlite' / 'exportctl.sqlite3'}"))
        if args.database in ("postgresql", "both"):
            try:
                server = stack.enter_context(postgres_server(settings=("max_connections=200",)))
            except PostgresUnavailable as error:
                print(f"\nPostgreSQL: skipped ({error})")
            else:
                (folder / "postgresql").mkdir()
                targets.append(("PostgreSQL", create_database(server, "kill")))
        for name, url in targets:
            sub = folder / ("sqlite" if name == "SQLite" else "postgresql")
            ok &= kill_writers(url, name, args.writers, args.seconds, args.rounds, sub)
            ok &= kill_exports(url, name, args.exports, sub)
    print("\nresult:", "all checks passed" if ok else "CHECKS FAILED")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
