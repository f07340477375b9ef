"""The audit trail as a hash chain: each record carries the SHA-256 of its content and of the
record before it, so that a record changed, removed or inserted behind the app's back breaks the
chain at that record, and :func:`verify_chain` names it.

One chain per database. Its head (the last record's id and hash) is kept in ``audit_chain``;
appending takes that row's lock (PostgreSQL; SQLite's writers already queue), so concurrent
writers extend the chain one after another and ids follow the chain. The Excel export prints
the head, so that a printed workbook can later be checked against the database
(``exportctl audit verify --head ID:HASH``).

Someone with the database's owner rights can still rewrite the whole chain; what they cannot do
is make it agree with a head printed or sent away before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from exportctl.cases.errors import CaseStoreError
from exportctl.cases.models import AuditChainRow, AuditRow

#: The "previous hash" of a chain's first record.
GENESIS = "0" * 64
#: The columns a record's hash covers, in this order.
HASHED = (
    "id",
    "case_id",
    "at",
    "actor",
    "actor_role",
    "action",
    "target",
    "detail_json",
    "list_version",
    "rules_version",
)
VERIFY_CHUNK = 2_000


def record_hash(prev_hash: str, values: Mapping[str, Any]) -> str:
    """SHA-256 of the previous record's hash and this record's content (canonical JSON; times
    to the microsecond)."""
    content = [
        value.isoformat(timespec="microseconds") if isinstance(value, datetime) else value
        for value in (values[name] for name in HASHED)
    ]
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


def append(session: Session, **values: Any) -> AuditRow:
    """Add an audit record at the end of the chain (in the caller's transaction)."""
    head = session.get(AuditChainRow, 1, with_for_update=True)
    if head is None:
        raise CaseStoreError(
            "The audit trail's chain head is missing from the case database, so nothing can be "
            "recorded. Run 'exportctl audit verify' and restore the database from a backup."
        )
    row = AuditRow(id=head.last_id + 1, prev_hash=head.last_hash, **values)
    row.record_hash = record_hash(head.last_hash, {"id": row.id, **values})
    session.add(row)
    head.last_id, head.last_hash = row.id, row.record_hash
    return row


@dataclass(frozen=True)
class ChainHead:
    """The last record of the chain: what an export prints."""

    record_id: int
    hash: str

    def __str__(self) -> str:
        return f"{self.record_id}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> ChainHead:
        """``ID:HASH`` (as printed in an export)."""
        record, _, digest = text.strip().partition(":")
        digest = digest.strip().lower()
        if not record.strip().isdigit() or len(digest) != 64:
            raise ValueError(f"'{text}' is not a chain head; expected ID:HASH (64 hex digits).")
        return cls(int(record), digest)


def chain_head(session: Session) -> ChainHead:
    head = session.get(AuditChainRow, 1)
    if head is None:
        return ChainHead(0, GENESIS)
    return ChainHead(head.last_id, head.last_hash)


@dataclass(frozen=True)
class ChainBreak:
    """The first record at which the chain does not hold, and why."""

    record_id: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    records: int
    head: ChainHead
    broken: ChainBreak | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None


def _describe(row: AuditRow) -> str:
    return f"record {row.id} ({row.at:%Y-%m-%d %H:%M:%S} UTC, {row.actor}, {row.action})"


def _rows(sessions: sessionmaker, until: int) -> Iterator[AuditRow]:
    last = -1
    while True:
        with sessions.begin() as session:
            rows = session.scalars(
                select(AuditRow)
                .where(AuditRow.id > last, AuditRow.id <= until)
                .order_by(AuditRow.id)
                .limit(VERIFY_CHUNK)
            ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def verify_chain(engine: Engine, *, expect: ChainHead | None = None) -> ChainReport:
    """Check every record of the chain up to its head, and that ``expect`` (a head printed
    earlier) is still part of it. Records added while checking are left for the next check."""
    from exportctl.cases.repository import READ_ONLY_OPTION

    sessions = sessionmaker(
        engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False
    )
    with sessions.begin() as session:
        head_row = session.get(AuditChainRow, 1)
        head = chain_head(session)
        newest = session.scalar(select(AuditRow.id).order_by(AuditRow.id.desc()).limit(1))
    if head_row is None:
        return ChainReport(0, head, ChainBreak(0, "the chain head (table audit_chain) is missing"))
    if newest is not None and newest > head.record_id:
        # Read in one snapshot with the head, which every append moves in its transaction.
        return ChainReport(
            0,
            head,
            ChainBreak(
                newest,
                f"record {newest} lies beyond the chain's head (record {head.record_id}): it was "
                "added behind the app's back",
            ),
        )

    def broken(record_id: int, reason: str, count: int) -> ChainReport:
        return ChainReport(count, head, ChainBreak(record_id, reason))

    previous_hash = GENESIS
    previous: AuditRow | None = None
    count = 0
    seen_expected = expect is None
    for row in _rows(sessions, head.record_id):
        count += 1
        values = {name: getattr(row, name) for name in HASHED}
        if row.record_hash is None or row.prev_hash is None:
            return broken(row.id, f"{_describe(row)} has no hash", count)
        if row.prev_hash != previous_hash:
            after = f"record {previous.id}" if previous is not None else "the start of the chain"
            return broken(
                row.id,
                f"{_describe(row)} does not follow {after}: a record between them was removed "
                "or inserted, or the link was altered",
                count,
            )
        if record_hash(row.prev_hash, values) != row.record_hash:
            return broken(
                row.id,
                f"{_describe(row)} does not match its hash: its content was changed after it "
                "was written",
                count,
            )
        if expect is not None and row.id == expect.record_id:
            if row.record_hash != expect.hash:
                return broken(
                    row.id,
                    f"{_describe(row)} has hash {row.record_hash}, not the {expect.hash} printed "
                    "earlier: the chain was rewritten since",
                    count,
                )
            seen_expected = True
        previous_hash, previous = row.record_hash, row
    last_id = previous.id if previous is not None else 0
    if (last_id, previous_hash) != (head.record_id, head.hash):
        return broken(
            head.record_id,
            f"the chain ends at record {last_id} but its head names record {head.record_id}: "
            "records at the end were removed or the head was altered",
            count,
        )
    if not seen_expected:
        assert expect is not None
        return broken(
            expect.record_id,
            f"record {expect.record_id}, printed earlier as the chain head, is not in the chain",
            count,
        )
    return ChainReport(count, head)
