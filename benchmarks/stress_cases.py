"""Many users at once on one case database: 20 sessions (processes, each with its own
connection, as app servers would have) create, answer, review, decide, reopen and decide again
for 60 seconds, on a SQLite file with the default settings and on a PostgreSQL server this
script starts (Debian's ``postgresql``; skipped without it).

Prints, per database: the operations acknowledged, the refusals users saw (with a message of
each kind), and the check of the database against the sessions' own logs: lost writes, silent
overwrites (two writers both told they saved the same version), audit records missing, and the
audit chain. Lost writes, silent overwrites and missing audit records must be 0.

    python benchmarks/stress_cases.py [--sessions 20] [--seconds 60] [--database sqlite]
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import stress_workload as workload
from helpers_postgres import PostgresUnavailable, create_database, postgres_server

from exportctl.cases import CaseRepository


def run(url: str, name: str, sessions: int, seconds: float, folder: Path) -> bool:
    CaseRepository.open(url).dispose()  # the schema, made once before the sessions start
    researchers = max(1, sessions // 4)
    until = time.time() + seconds
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(
            target=workload.run_session,
            args=(url, index, researchers, until, folder / f"session-{index:02d}.jsonl", False),
        )
        for index in range(sessions)
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    crashed = [p.exitcode for p in processes if p.exitcode != 0]
    acks, refusals, unexpected = workload.read_logs(folder)
    check = workload.check_database(url, acks, killed=False)
    by_op: dict[str, int] = {}
    for ack in acks:
        by_op[ack["op"]] = by_op.get(ack["op"], 0) + 1
    latencies = [a["ms"] for a in acks]
    print(
        f"\n{name}: {sessions} sessions ({researchers} researchers, "
        f"{sessions - researchers} officers) for {seconds:.0f} s ({elapsed:.0f} s with start-up)"
    )
    print(
        f"  writes acknowledged: {len(acks):,} ({len(acks) / seconds:.0f}/s): "
        + ", ".join(f"{op} {n:,}" for op, n in sorted(by_op.items()))
    )
    print(
        f"  write time p50 / p95: {workload.percentile(latencies, 0.5):.0f} / "
        f"{workload.percentile(latencies, 0.95):.0f} ms"
    )
    refused_by_op: dict[str, int] = {}
    for refusal in refusals:
        refused_by_op[refusal["op"]] = refused_by_op.get(refusal["op"], 0) + 1
    print(
        f"  refused and told ({len(refusals):,}): "
        + ", ".join(f"{op} {n:,}" for op, n in sorted(refused_by_op.items()))
    )
    for error, count, example in workload.summarise_refusals(refusals):
        print(f"    {count:>6,} {error}: {example}")
    print(f"  unexpected errors (a traceback for the user): {len(unexpected)}")
    for error, count, example in workload.summarise_refusals(unexpected)[:8]:
        print(f"    {count:>6,} {error}: {example}")
    print(f"  sessions that crashed: {len(crashed)}")
    print(f"  cases {check.cases:,}, audit records {check.audit_records:,}")
    print(f"  lost writes: {check.lost_writes}")
    print(f"  silent overwrites: {check.silent_overwrites}")
    print(f"  audit records missing: {check.audit_missing}")
    print(f"  writes in the database never acknowledged: {check.unacknowledged}")
    print(
        f"  half-written cases: {check.half_written}; case versions without an audit record: "
        f"{check.versions_without_audit}"
    )
    print(f"  audit chain: {check.chain}; integrity check: {check.integrity}")
    for problem in check.problems[:10]:
        print(f"    ! {problem}")
    return not (
        crashed
        or unexpected
        or check.lost_writes
        or check.silent_overwrites
        or check.audit_missing
        or check.unacknowledged
        or check.half_written
        or check.versions_without_audit
        or not check.chain.startswith("intact")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    ok = True
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="exportctl-stress-")))
        if args.database in ("sqlite", "both"):
            (folder / "sqlite").mkdir()
            url = f"sqlite:///{folder / 'sqlite' / 'exportctl.sqlite3'}"
            ok &= run(url, "SQLite", args.sessions, args.seconds, folder / "sqlite")
        if args.database in ("postgresql", "both"):
            try:
                server = stack.enter_context(postgres_server(settings=("max_connections=200",)))
            except PostgresUnavailable as error:
                print(f"\nPostgreSQL: skipped ({error})")
            else:
                (folder / "postgresql").mkdir()
                url = create_database(server, "stress")
                ok &= run(url, "PostgreSQL", args.sessions, args.seconds, folder / "postgresql")
    print("\nresult:", "all checks passed" if ok else "CHECKS FAILED")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
