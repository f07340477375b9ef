"""The workload of the stress and fault scripts (not run by itself): sessions that create,
answer, review, decide, reopen and decide again, each writing what the case store acknowledged
to a log of its own; and the check of a database against those logs.

A session is a process with its own connection, as an app server's would be. Officers work on
the newest cases, so that they often save a case someone else has just changed: the store must
refuse the later save (the second writer is told), never overwrite it.

The logs are the independent record: a line is written (and, with ``durable``, flushed to disk)
only after the store returned, so every line is a write the user was told had succeeded.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # helpers_cases, helpers_postgres

from helpers_cases import stored_result  # noqa: E402

from exportctl.auth import User  # noqa: E402
from exportctl.cases import CaseRepository  # noqa: E402
from exportctl.cases.records import CaseFilter  # noqa: E402
from exportctl.cases.repository import AnswerInput  # noqa: E402
from exportctl.errors import ExportctlError  # noqa: E402

ABSTRACT = "A 30 W continuous-wave fibre laser at 1064 nm for additive manufacturing."
ACTIONS = {
    "create": "case_submitted",
    "answer": "answer_set",
    "decide": "case_decided",
    "reopen": "case_reopened",
}
QUESTION = "Will the results be published?"


def session_user(index: int, researchers: int) -> User:
    if index < researchers:
        return User(f"researcher{index}", f"Researcher {index}", "researcher")
    return User(f"officer{index}", f"Officer {index}", "officer")


class AckLog:
    """One session's log of acknowledged writes and of refusals."""

    def __init__(self, path: Path, *, durable: bool) -> None:
        self._file = path.open("a", encoding="utf-8")
        self._durable = durable

    def write(self, **entry: Any) -> None:
        self._file.write(json.dumps(entry) + "\n")
        self._file.flush()
        if self._durable:
            os.fsync(self._file.fileno())


def run_session(
    url: str, index: int, researchers: int, until: float, log_path: Path, durable: bool
) -> None:
    """One user working until ``until`` (time.time())."""
    repo = CaseRepository.open(url)
    user = session_user(index, researchers)
    log = AckLog(log_path, durable=durable)
    rng = random.Random(index * 7919 + os.getpid())
    sequence = 0
    while time.time() < until:
        sequence += 1
        started = time.perf_counter()
        op = "?"
        try:
            if not user.is_officer:
                op, entry = _researcher_step(repo, user, rng, f"s{index}-{sequence}")
            else:
                op, entry = _officer_step(repo, user, rng)
        except ExportctlError as error:
            log.write(
                kind="refused",
                op=op_name(error, op),
                error=type(error).__name__,
                message=error.message,
                ms=(time.perf_counter() - started) * 1000,
            )
            continue
        except Exception as error:  # noqa: BLE001 - what a user would see as a traceback
            log.write(
                kind="unexpected",
                op=op_name(error, op),
                error=type(error).__name__,
                message=str(error)[:500],
                ms=(time.perf_counter() - started) * 1000,
            )
            continue
        if entry is not None:
            log.write(
                kind="ack",
                op=op,
                actor=user.username,
                **entry,
                ms=(time.perf_counter() - started) * 1000,
            )
    repo.dispose()


def op_name(error: Exception, op: str) -> str:
    return getattr(error, "op", op)


def _tagged(error: Exception, op: str) -> Exception:
    error.op = op  # type: ignore[attr-defined]
    return error


def _researcher_step(repo, user, rng, title):
    mine = repo.list_case_summaries(user, CaseFilter(statuses=("submitted",)), limit=10).items
    if not mine or rng.random() < 0.4:
        try:
            case_id = repo.create_case(
                user, title=title, abstract=ABSTRACT, result=stored_result(ABSTRACT)
            )
        except Exception as error:
            raise _tagged(error, "create") from None
        return "create", {"case": case_id, "title": title, "version": 1}
    summary = rng.choice(mine)
    answer = rng.choice(["yes", "no"])
    try:
        version = repo.set_answer(
            user,
            summary.id,
            "public_domain",
            AnswerInput(question=QUESTION, answer=answer),
            expected_version=summary.version,
        )
    except Exception as error:
        raise _tagged(error, "answer") from None
    return "answer", {"case": summary.id, "version": version, "value": answer}


def _officer_step(repo, user, rng):
    newest = repo.list_case_summaries(user, limit=12).items
    candidates = [c for c in newest if c.status != "withdrawn"]
    if not candidates:
        time.sleep(0.05)
        return "wait", None
    case = repo.get_case(user, rng.choice(candidates).id)  # the officer opens the case
    time.sleep(rng.uniform(0, 0.02))  # and reads it
    if case.status == "decided":
        op = "reopen" if rng.random() < 0.7 else "decide"
    else:
        op = rng.choice(["review", "review", "decide"])
    try:
        if op == "review":
            suggestion = rng.choice(case.suggestions)
            status = rng.choice(["confirmed", "rejected"])
            s_version, version = repo.review_suggestion(
                user,
                suggestion.id,
                status=status,
                note="checked" if status == "rejected" else None,
                expected_version=suggestion.version,
            )
            return op, {
                "case": case.id,
                "suggestion": suggestion.id,
                "sversion": s_version,
                "version": version,
                "value": status,
            }
        if op == "reopen":
            version = repo.reopen(
                user, case.id, reason="second look", expected_version=case.version
            )
            return op, {"case": case.id, "version": version}
        confirmed = any(s.status == "confirmed" for s in case.suggestions)
        decision = "listed_licence_needed" if confirmed else "not_listed"
        version = repo.decide(
            user,
            case.id,
            decision=decision,
            atas_decision="not_required",
            note=None,
            expected_version=case.version,
        )
        return op, {"case": case.id, "version": version, "value": decision}
    except Exception as error:
        raise _tagged(error, op) from None


# -- reading the logs ------------------------------------------------------------------------


def read_logs(folder: Path) -> tuple[list[dict], list[dict], list[dict]]:
    """The acknowledged writes, the refusals (the store's own errors, with the message a user
    is shown) and the unexpected errors (anything else: a traceback for the user) of every
    session's log. A line cut by a kill (the process died while writing it) is not an
    acknowledgement and is skipped."""
    found: dict[str, list[dict]] = {"ack": [], "refused": [], "unexpected": []}
    for path in sorted(folder.glob("session-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            found[entry["kind"]].append(entry)
    return found["ack"], found["refused"], found["unexpected"]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- checking the database against the logs --------------------------------------------------


@dataclass
class Check:
    """What a database holds compared with what the sessions were told."""

    cases: int = 0
    audit_records: int = 0
    lost_writes: int = 0  # acknowledged, not in the database
    silent_overwrites: int = 0  # two writers both told they made the same version
    audit_missing: int = 0  # acknowledged changes without their audit record
    unacknowledged: int = 0  # in the database, never acknowledged (a kill after the commit)
    half_written: int = 0  # a case without its suggestions or its submission record
    versions_without_audit: int = 0  # a case version with no audit record behind it
    chain: str = ""
    integrity: str = "n/a"
    problems: list[str] = field(default_factory=list)


def check_database(url: str, acks: list[dict], *, killed: bool) -> Check:
    from sqlalchemy import text

    from exportctl.cases.audit_chain import verify_chain

    check = Check()
    repo = CaseRepository.open(url)
    engine = repo.engine
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            integrity = "; ".join(
                connection.execute(text("PRAGMA integrity_check")).scalars().all()
            )
            foreign = connection.execute(text("PRAGMA foreign_key_check")).all()
            check.integrity = f"{integrity}, foreign keys {'ok' if not foreign else foreign}"
    if engine.dialect.name == "postgresql":
        check.integrity = postgres_integrity(engine)
    with engine.connect() as connection:
        cases = {
            row.id: row
            for row in connection.execute(
                text("SELECT id, title, version, status, decision FROM cases")
            )
        }
        suggestions = {
            row.id: row
            for row in connection.execute(
                text("SELECT id, case_id, version, status FROM suggestions")
            )
        }
        audit = connection.execute(
            text("SELECT case_id, action, actor FROM audit_events WHERE case_id IS NOT NULL")
        ).all()
        check.audit_records = connection.execute(text("SELECT COUNT(*) FROM audit_events")).scalar()
    report = verify_chain(engine)
    check.chain = (
        f"intact ({report.records:,} records)"
        if report.intact
        else f"BROKEN at {report.broken.record_id}: {report.broken.reason}"
    )
    repo.dispose()
    check.cases = len(cases)

    # Nothing half-written: every case has its two suggestions and its submission record, and
    # one audit record per version.
    per_case = Counter(row.case_id for row in suggestions.values())
    audit_count = Counter(case_id for case_id, _, _ in audit)
    submitted = {case_id for case_id, action, _ in audit if action == "case_submitted"}
    for case_id, row in cases.items():
        if per_case[case_id] != 2 or case_id not in submitted:
            check.half_written += 1
        if row.version != audit_count[case_id]:
            check.versions_without_audit += 1
            check.problems.append(
                f"case {case_id}: version {row.version}, {audit_count[case_id]} audit records"
            )

    # Every acknowledged write is there, and is the one the store says it is.
    seen_versions: Counter = Counter()
    seen_suggestion_versions: Counter = Counter()
    top: dict[int, dict] = {}
    top_suggestion: dict[int, dict] = {}
    acked_audit: Counter = Counter()
    for ack in acks:
        case = cases.get(ack["case"])
        if case is None or (ack["op"] == "create" and case.title != ack["title"]):
            check.lost_writes += 1
            check.problems.append(f"lost: {ack}")
            continue
        seen_versions[(ack["case"], ack["version"])] += 1
        if ack["op"] != "create" and ack["version"] > case.version:
            check.lost_writes += 1
            check.problems.append(f"lost: {ack} (case at version {case.version})")
        if ack["version"] >= top.get(ack["case"], {}).get("version", 0):
            top[ack["case"]] = ack
        if ack["op"] == "review":
            seen_suggestion_versions[(ack["suggestion"], ack["sversion"])] += 1
            if ack["sversion"] >= top_suggestion.get(ack["suggestion"], {}).get("sversion", 0):
                top_suggestion[ack["suggestion"]] = ack
            action = f"suggestion_{ack['value']}"
        else:
            action = ACTIONS[ack["op"]]
        acked_audit[(ack["case"], action, ack["actor"])] += 1
    check.silent_overwrites = sum(n - 1 for n in seen_versions.values() if n > 1)
    check.silent_overwrites += sum(n - 1 for n in seen_suggestion_versions.values() if n > 1)

    # The state left is the last acknowledged write's (unless a kill came after a commit).
    for case_id, ack in top.items():
        case = cases[case_id]
        if case.version == ack["version"]:
            if ack["op"] == "decide" and (case.status, case.decision) != ("decided", ack["value"]):
                check.lost_writes += 1
                check.problems.append(f"decision of {ack} not kept: {case.status} {case.decision}")
            if ack["op"] == "reopen" and case.status != "in_review":
                check.lost_writes += 1
                check.problems.append(f"reopening {ack} not kept: {case.status}")
        elif not killed:
            check.unacknowledged += 1
            check.problems.append(f"case {case_id} at version {case.version}, last ack {ack}")
    for suggestion_id, ack in top_suggestion.items():
        row = suggestions[suggestion_id]
        if row.version == ack["sversion"] and row.status != ack["value"]:
            check.lost_writes += 1
            check.problems.append(f"review {ack} not kept: {row.status}")

    # Every acknowledged change has its audit record; without kills, nothing else is there.
    in_audit = Counter(audit)
    for key, count in acked_audit.items():
        if in_audit[key] < count:
            check.audit_missing += count - in_audit[key]
            check.problems.append(f"audit records missing for {key}: {count - in_audit[key]}")
    extra = sum(max(0, n - acked_audit[key]) for key, n in in_audit.items())
    if not killed:
        check.unacknowledged += extra
    else:
        check.unacknowledged = extra
    return check


def postgres_integrity(engine) -> str:
    """PostgreSQL's own check of the tables and indexes (the ``amcheck`` extension shipped
    with the server): every heap page of every table (``verify_heapam``) and every B-tree
    index against its table (``bt_index_check`` with ``heapallindexed``: each row is in its
    indexes). "ok" or what it found."""
    from sqlalchemy import text

    found: list[str] = []
    with engine.begin() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
        tables = (
            connection.execute(
                text(
                    "SELECT oid::regclass::text FROM pg_class WHERE relkind = 'r' "
                    "AND relnamespace = 'public'::regnamespace"
                )
            )
            .scalars()
            .all()
        )
        for table in tables:
            for row in connection.execute(
                text("SELECT blkno, msg FROM verify_heapam(CAST(:t AS regclass))"), {"t": table}
            ):
                found.append(f"{table} page {row.blkno}: {row.msg}")
        indexes = (
            connection.execute(
                text(
                    "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c "
                    "ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                    "WHERE a.amname = 'btree' AND c.relnamespace = 'public'::regnamespace"
                )
            )
            .scalars()
            .all()
        )
        for index in indexes:
            try:
                with connection.begin_nested():
                    connection.execute(
                        text("SELECT bt_index_check(CAST(:i AS regclass), true)"), {"i": index}
                    )
            except Exception as error:  # noqa: BLE001 - reported as the finding
                found.append(f"{index}: {error}")
    if found:
        return "; ".join(found[:5])
    return f"ok (amcheck: {len(tables)} tables, {len(indexes)} B-tree indexes with all rows)"


def summarise_refusals(refusals: list[dict]) -> list[tuple[str, int, str]]:
    """(error, count, an example message) per kind of refusal, the most frequent first; case
    numbers and times in messages folded so that alike messages count together."""
    import re

    kinds: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in refusals:
        shape = re.sub(
            r"C-\d+|\d{4}-\d\d-\d\d \d\d:\d\d|\d+[A-Z]\d+(\.\w+)*|officer\d+|researcher\d+"
            r"|\([a-z ]+\)",  # what the other writer did
            "…",
            r["message"],
        )
        kinds[(r["error"], shape)].append(r["message"])
    return sorted(
        ((error, len(messages), messages[0]) for (error, _), messages in kinds.items()),
        key=lambda item: -item[1],
    )
