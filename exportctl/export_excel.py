"""The decisions workbook: cases, suggestions and the audit trail as an ``.xlsx`` file.

Officers keep it for their files and send it to regulators, so it must open cleanly in Excel
and must never run anything: every text cell is written as a string, and text that a
spreadsheet would read as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or carriage
return) is additionally marked with a quote prefix, so that even re-typing the cell in Excel
keeps it text. The text itself is kept unchanged: it is the record.

The workbook is written as a stream (:mod:`exportctl.xlsx_writer`), case by case as the case
store reads them, so 10,000 cases take seconds and little memory.
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from exportctl import xlsx_writer as xlsx
from exportctl.appconfig import EXCEL_MAX_CELL_CHARS
from exportctl.cases.records import (
    CaseRecord,
    ExportData,
    ExportStream,
    SuggestionRecord,
    case_ref,
)
from exportctl.cases.vocabulary import (
    ANSWERS,
    SUGGESTION_SOURCES,
    SUGGESTION_STATUSES,
)
from exportctl.suggest.result import DISCLAIMER
from exportctl.suggest.verdict import VERDICT_LABELS

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
TRUNCATED = " …[truncated]"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    width: int = 14  # characters; columns are sized before rows are streamed
    wrap: bool = False  # long text: wrapped in its cell


def _join(values: Sequence[str]) -> str:
    return ", ".join(values)


def _answers(case: CaseRecord) -> str:
    return "; ".join(
        f"{a.key}: {ANSWERS.get(a.answer, a.answer)}" + (f" ({a.comment})" if a.comment else "")
        for a in case.answers
    )


def _score(s: SuggestionRecord) -> float | None:
    return round(s.score, 3) if s.score is not None else None


def _thresholds(s: SuggestionRecord) -> str:
    parts = []
    for t in s.thresholds:
        text = f"{t.get('condition', '')}: {t.get('status', '')}"
        if t.get("observed"):
            text += f" (abstract: {t['observed']})"
        if t.get("status") == "unknown" and t.get("question"):
            text += f" — {t['question']}"
        parts.append(text)
    return "; ".join(parts)


def _awaiting(case: CaseRecord) -> str:
    """Whether a newer list version touches the case and no officer has re-reviewed it yet."""
    review = case.open_amendment
    if review is None:
        return "No"
    return f"Yes: {review.from_version} → {review.to_version} ({', '.join(review.codes)})"


def _rereviewed(case: CaseRecord) -> str | None:
    """Each re-review after an amendment: how, under which version, by whom and when."""
    settled = [
        f"{r.resolution_label} under {r.to_version} by {r.resolved_by} on {r.resolved_at:%Y-%m-%d}"
        for r in case.amendment_reviews
        if r.resolved_at is not None
    ]
    return "; ".join(settled) or None


_DATE = 20

CASE_COLUMNS: tuple[Column, ...] = (
    Column("Case ID", lambda c: c.ref, 10),
    Column("External ID", lambda c: c.external_id, 14),
    Column("Title", lambda c: c.title, 40, wrap=True),
    Column("Researcher", lambda c: c.researcher, 16),
    Column("Researcher name", lambda c: c.researcher_name, 20),
    Column("Status", lambda c: c.status_label, 18),
    Column("Screening verdict", lambda c: VERDICT_LABELS.get(c.verdict or "", c.verdict), 16),
    Column("Decision", lambda c: c.decision_label, 28),
    Column("Entries confirmed", lambda c: _join(c.confirmed_codes), 20),
    Column("ATAS decision", lambda c: c.atas_decision_label, 20),
    Column("ATAS result (suggested)", lambda c: c.atas_summary, 40, wrap=True),
    Column("Officer", lambda c: c.officer, 14),
    Column("Decision note", lambda c: c.decision_note, 40, wrap=True),
    Column("Created (UTC)", lambda c: c.created_at, _DATE),
    Column("Submitted (UTC)", lambda c: c.submitted_at, _DATE),
    Column("Decided (UTC)", lambda c: c.decided_at, _DATE),
    Column("List version", lambda c: c.list_version, 26),
    Column("Decided under list version", lambda c: c.decided_under, 26),
    Column("Awaits re-review (list amended)", _awaiting, 30, wrap=True),
    Column("Re-reviewed after amendment", _rereviewed, 40, wrap=True),
    Column("ATAS rules version", lambda c: c.rules_version, 18),
    Column("Partner country", lambda c: c.partner_country, 20),
    Column("Visitor nationality", lambda c: c.visitor_nationality, 20),
    Column("Visitor level", lambda c: c.visitor_level, 16),
    Column("Answers", _answers, 40, wrap=True),
    Column("Source file", lambda c: c.source_name, 20),
    Column("Abstract", lambda c: c.abstract, 80, wrap=True),
)

SUGGESTION_COLUMNS: tuple[Column, ...] = (
    Column("Case ID", lambda row: case_ref(row[1].case_id), 10),
    Column("Rank", lambda row: row[1].rank, 6),
    Column("Code", lambda row: row[1].code, 14),
    Column("Entry", lambda row: row[1].entry, 10),
    Column("List", lambda row: row[1].list_name, 12),
    Column("Title", lambda row: row[1].title, 50, wrap=True),
    Column("Score", lambda row: _score(row[1]), 8),
    Column("Source", lambda row: SUGGESTION_SOURCES.get(row[1].source, row[1].source), 22),
    Column("Review", lambda row: SUGGESTION_STATUSES.get(row[1].status, row[1].status), 14),
    Column("Note", lambda row: row[1].note, 40, wrap=True),
    Column("Reviewed by", lambda row: row[1].reviewed_by, 14),
    Column("Reviewed (UTC)", lambda row: row[1].reviewed_at, _DATE),
    Column("Evidence", lambda row: row[1].evidence_words, 60, wrap=True),
    Column("Thresholds", lambda row: _thresholds(row[1]), 60, wrap=True),
    Column("Related software/technology", lambda row: _join(row[1].related), 24),
    Column("Reason", lambda row: row[1].reason, 40, wrap=True),
    Column("List version", lambda row: row[0].list_version, 26),
)

AUDIT_COLUMNS: tuple[Column, ...] = (
    Column("Event", lambda e: e.id, 8),
    Column("Case ID", lambda e: case_ref(e.case_id) if e.case_id is not None else None, 10),
    Column("When (UTC)", lambda e: e.at, _DATE),
    Column("Who", lambda e: e.actor, 14),
    Column("Role", lambda e: e.actor_role, 10),
    Column("Action", lambda e: e.action, 20),
    Column("Target", lambda e: e.target, 14),
    Column("What", lambda e: e.summary, 60, wrap=True),
    Column("Details", lambda e: e.detail_text, 80, wrap=True),
    Column("List version", lambda e: e.list_version, 26),
    Column("ATAS rules version", lambda e: e.rules_version, 18),
    Column("Record hash (SHA-256)", lambda e: e.record_hash, 66),
)


def safe_text(value: str) -> str:
    """Text Excel can hold: no XML-illegal control characters, at most 32,767 characters."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > EXCEL_MAX_CELL_CHARS:
        value = value[: EXCEL_MAX_CELL_CHARS - len(TRUNCATED)] + TRUNCATED
    return value


def _cell(value: Any, wrap: bool) -> tuple[Any, int]:
    """A cell's value and style: long text wrapped, and text that looks like a formula marked
    with the quote prefix (it is written as text in any case)."""
    if value is None or isinstance(value, bool | int | float | datetime):
        return value, xlsx.PLAIN
    text = safe_text(str(value))
    if text.startswith(FORMULA_PREFIXES):
        return text, xlsx.QUOTED_WRAP if wrap else xlsx.QUOTED
    return text, xlsx.WRAP if wrap else xlsx.PLAIN


class _Sheet:
    """A streamed sheet of ``columns``: the header, frozen and filtered, then a row per item."""

    def __init__(self, title: str, columns: Sequence[Column]) -> None:
        self.columns = columns
        self.sheet = xlsx.Sheet(title, [c.width for c in columns])
        self.sheet.append([c.header for c in columns], [xlsx.HEADER] * len(columns))

    def append(self, item: Any) -> None:
        values, styles = zip(
            *(_cell(column.value(item), column.wrap) for column in self.columns), strict=True
        )
        self.sheet.append(values, styles)


ProgressCallback = Callable[[int, int], None]


def write_workbook(
    data: ExportData | ExportStream,
    target: Path | BinaryIO,
    *,
    progress: ProgressCallback | None = None,
    before_rename: Callable[[Path], None] | None = None,
) -> int:
    """Write the decisions workbook, streaming: cases are read and written one by one, so
    memory stays flat however many there are. ``progress(done, total)`` is called as cases
    are written. Returns the number of cases written.

    A file is written under a temporary name and renamed when complete; ``before_rename`` is
    given the complete file first (to record the export): if it fails, nothing is renamed."""
    stream = _as_stream(data)
    cases_sheet = _Sheet("Cases", CASE_COLUMNS)
    suggestions_sheet = _Sheet("Suggestions", SUGGESTION_COLUMNS)
    audit_sheet = _Sheet("Audit trail", AUDIT_COLUMNS)
    written = 0
    every = max(1, stream.case_count // 100)
    for case in stream.cases():
        cases_sheet.append(case)
        for suggestion in case.suggestions:
            suggestions_sheet.append((case, suggestion))
        written += 1
        if progress is not None and (written % every == 0 or written == stream.case_count):
            progress(written, stream.case_count)
    for event in stream.audit():
        audit_sheet.append(event)
    about = xlsx.Sheet("About", [22, 90], header=False)
    rows: list[tuple[str, Any]] = [
        ("Exported (UTC)", stream.exported_at),
        ("Exported by", stream.exported_by),
        ("Cases", written),
        ("Scope", stream.scope),
    ]
    if stream.chain_head is not None:
        rows += [
            ("Audit chain head", str(stream.chain_head)),
            (
                "Check it later",
                "The audit trail in the database still holds this file's records unchanged "
                f"if 'exportctl audit verify --head {stream.chain_head}' says it is intact.",
            ),
        ]
    rows.append(("Note", DISCLAIMER + " Decisions in this file were made by the officers named."))
    for label, value in rows:
        text, style = _cell(value, wrap=True)
        about.append([label, text], [xlsx.BOLD, style])
    sheets = [cases_sheet.sheet, suggestions_sheet.sheet, audit_sheet.sheet, about]
    if isinstance(target, Path):
        _save_atomically(sheets, target, before_rename)
    else:
        xlsx.save(sheets, target, creator="exportctl")
    return written


def _save_atomically(
    sheets: Sequence[xlsx.Sheet], target: Path, before_rename: Callable[[Path], None] | None
) -> None:
    """Write beside ``target`` under a name of its own, flush to disk, then rename over it: a
    kill at any moment leaves the previous workbook (or none) whole, never half of one."""
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    try:
        with partial.open("wb") as handle:
            xlsx.save(sheets, handle, creator="exportctl")
            handle.flush()
            os.fsync(handle.fileno())
        if before_rename is not None:
            before_rename(partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself, on disk
    finally:
        os.close(folder)


def _as_stream(data: ExportData | ExportStream) -> ExportStream:
    if isinstance(data, ExportStream):
        return data
    return ExportStream(
        exported_at=data.exported_at,
        exported_by=data.exported_by,
        case_count=len(data.cases),
        audit_count=len(data.audit),
        scope="all cases",
        cases=lambda: iter(data.cases),
        audit=lambda: iter(data.audit),
        chain_head=data.chain_head,
    )


def workbook_bytes(
    data: ExportData | ExportStream, *, progress: ProgressCallback | None = None
) -> bytes:
    buffer = io.BytesIO()
    write_workbook(data, buffer, progress=progress)
    return buffer.getvalue()


def export_filename(data: ExportData | ExportStream) -> str:
    return f"exportctl-decisions-{data.exported_at:%Y%m%d-%H%M%S}.xlsx"
