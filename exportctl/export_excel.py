"""The decisions workbook: cases, suggestions and the audit trail as an ``.xlsx`` file.

Officers keep it for their files and send it to regulators, so it must open cleanly in Excel
and must never run anything: every text cell is written as a string, and text that a
spreadsheet would read as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or carriage
return) is additionally marked with a quote prefix, so that even re-typing the cell in Excel
keeps it text. The text itself is kept unchanged: it is the record.

The workbook is written as a stream (openpyxl's write-only mode), case by case as the case
store reads them, so 10,000 cases take seconds and little memory.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet as Worksheet

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

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
TRUNCATED = " …[truncated]"

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


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


def _evidence(s: SuggestionRecord) -> str:
    """The words of the abstract that matched, each with how it matched and its weight (three
    decimals); matches without words of their own (character n-grams) summed on one item."""
    words: dict[tuple[str, str], float] = {}
    other: dict[str, float] = {}
    for e in s.evidence:
        text = " ".join(str(e.get("abstract_text") or "").split())
        matcher = str(e.get("matcher") or "match")
        weight = float(e.get("weight") or 0.0)
        if text:
            words[(text, matcher)] = words.get((text, matcher), 0.0) + weight
        else:
            other[matcher] = other.get(matcher, 0.0) + weight
    items = [f"'{text}' ({matcher} {weight:.3f})" for (text, matcher), weight in words.items()]
    items += [f"{matcher} {weight:.3f}" for matcher, weight in other.items()]
    return "; ".join(items)


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


_DATE = 20

CASE_COLUMNS: tuple[Column, ...] = (
    Column("Case ID", lambda c: c.ref, 10),
    Column("External ID", lambda c: c.external_id, 14),
    Column("Title", lambda c: c.title, 40, wrap=True),
    Column("Researcher", lambda c: c.researcher, 16),
    Column("Researcher name", lambda c: c.researcher_name, 20),
    Column("Status", lambda c: c.status_label, 18),
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
    Column("Evidence", lambda row: _evidence(row[1]), 60, wrap=True),
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
)


def safe_text(value: str) -> str:
    """Text Excel can hold: no XML-illegal control characters, at most 32,767 characters."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > EXCEL_MAX_CELL_CHARS:
        value = value[: EXCEL_MAX_CELL_CHARS - len(TRUNCATED)] + TRUNCATED
    return value


class _Sheet:
    """A streamed sheet: the header, frozen and filtered, then one row per item."""

    def __init__(self, workbook: Workbook, title: str, columns: Sequence[Column]) -> None:
        self.ws = workbook.create_sheet(title)
        self.columns = columns
        self.rows = 1
        for index, column in enumerate(columns, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = column.width
        self.ws.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(self.ws, value=column.header)
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
            cell.alignment = _HEADER_ALIGNMENT
            header.append(cell)
        self.ws.append(header)

    def append(self, item: Any) -> None:
        self.ws.append([_cell(self.ws, column.value(item), column.wrap) for column in self.columns])
        self.rows += 1

    def close(self) -> None:
        self.ws.auto_filter.ref = f"A1:{get_column_letter(len(self.columns))}{self.rows}"


def _cell(ws: Worksheet, value: Any, wrap: bool) -> Any:
    """One cell's value, styled where it needs it: dates formatted, long text wrapped and
    aligned to the top, and text that looks like a formula kept as text (quote prefix)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    text = safe_text(str(value))
    risky = text.startswith(FORMULA_PREFIXES)
    if not risky and not wrap:
        return text
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"  # never a formula, whatever it starts with
    if risky:
        cell.quotePrefix = True
    if wrap:
        cell.alignment = _WRAP
    return cell


ProgressCallback = Callable[[int, int], None]


def write_workbook(
    data: ExportData | ExportStream,
    target: Path | BinaryIO,
    *,
    progress: ProgressCallback | None = None,
) -> int:
    """Write the decisions workbook, streaming: cases are read and written one by one, so
    memory stays flat however many there are. ``progress(done, total)`` is called as cases
    are written. Returns the number of cases written."""
    stream = _as_stream(data)
    workbook = Workbook(write_only=True)
    cases_sheet = _Sheet(workbook, "Cases", CASE_COLUMNS)
    suggestions_sheet = _Sheet(workbook, "Suggestions", SUGGESTION_COLUMNS)
    audit_sheet = _Sheet(workbook, "Audit trail", AUDIT_COLUMNS)
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
    for sheet in (cases_sheet, suggestions_sheet, audit_sheet):
        sheet.close()
    about = workbook.create_sheet("About")
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 90
    for label, value in (
        ("Exported (UTC)", stream.exported_at),
        ("Exported by", stream.exported_by),
        ("Cases", written),
        ("Scope", stream.scope),
        ("Note", DISCLAIMER + " Decisions in this file were made by the officers named."),
    ):
        label_cell = WriteOnlyCell(about, value=label)
        label_cell.font = Font(bold=True)
        about.append([label_cell, _cell(about, value, wrap=True)])
    workbook.properties.creator = "exportctl"
    workbook.save(target)
    return written


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
    )


def workbook_bytes(
    data: ExportData | ExportStream, *, progress: ProgressCallback | None = None
) -> bytes:
    buffer = io.BytesIO()
    write_workbook(data, buffer, progress=progress)
    return buffer.getvalue()


def export_filename(data: ExportData | ExportStream) -> str:
    return f"exportctl-decisions-{data.exported_at:%Y%m%d-%H%M%S}.xlsx"
