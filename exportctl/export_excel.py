"""The decisions workbook: cases, suggestions and the audit trail as an ``.xlsx`` file.

Officers keep it for their files and send it to regulators, so it must open cleanly in Excel
and must never run anything: every text cell is written as a string, and text that a
spreadsheet would read as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or carriage
return) is additionally marked with a quote prefix, so that even re-typing the cell in Excel
keeps it text. The text itself is kept unchanged: it is the record.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from exportctl.appconfig import EXCEL_MAX_CELL_CHARS
from exportctl.cases.records import CaseRecord, ExportData, SuggestionRecord, case_ref
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
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    width: int | None = None  # fixed width for long text (wrapped); None: fit the contents


def _join(values: Sequence[str]) -> str:
    return ", ".join(values)


def _answers(case: CaseRecord) -> str:
    return "; ".join(
        f"{a.key}: {ANSWERS.get(a.answer, a.answer)}" + (f" ({a.comment})" if a.comment else "")
        for a in case.answers
    )


def _evidence(s: SuggestionRecord) -> str:
    return "; ".join(
        f"'{e.get('abstract_text', '')}' ~ '{' '.join(e.get('clause_words', ()))}' "
        f"[{e.get('matcher', '')} {float(e.get('weight', 0.0)):.3f}]"
        for e in s.evidence
    )


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


CASE_COLUMNS: tuple[Column, ...] = (
    Column("Case ID", lambda c: c.ref),
    Column("External ID", lambda c: c.external_id),
    Column("Title", lambda c: c.title, 40),
    Column("Researcher", lambda c: c.researcher),
    Column("Researcher name", lambda c: c.researcher_name),
    Column("Status", lambda c: c.status_label),
    Column("Decision", lambda c: c.decision_label),
    Column("Entries confirmed", lambda c: _join(c.confirmed_codes)),
    Column("ATAS decision", lambda c: c.atas_decision_label),
    Column("ATAS result (suggested)", lambda c: c.atas_summary, 40),
    Column("Officer", lambda c: c.officer),
    Column("Decision note", lambda c: c.decision_note, 40),
    Column("Created (UTC)", lambda c: c.created_at),
    Column("Submitted (UTC)", lambda c: c.submitted_at),
    Column("Decided (UTC)", lambda c: c.decided_at),
    Column("List version", lambda c: c.list_version),
    Column("ATAS rules version", lambda c: c.rules_version),
    Column("Partner country", lambda c: c.partner_country),
    Column("Visitor nationality", lambda c: c.visitor_nationality),
    Column("Visitor level", lambda c: c.visitor_level),
    Column("Answers", _answers, 40),
    Column("Source file", lambda c: c.source_name),
    Column("Abstract", lambda c: c.abstract, 80),
)

SUGGESTION_COLUMNS: tuple[Column, ...] = (
    Column("Case ID", lambda row: case_ref(row[1].case_id)),
    Column("Rank", lambda row: row[1].rank),
    Column("Code", lambda row: row[1].code),
    Column("Entry", lambda row: row[1].entry),
    Column("List", lambda row: row[1].list_name),
    Column("Title", lambda row: row[1].title, 50),
    Column("Score", lambda row: row[1].score),
    Column("Source", lambda row: SUGGESTION_SOURCES.get(row[1].source, row[1].source)),
    Column("Review", lambda row: SUGGESTION_STATUSES.get(row[1].status, row[1].status)),
    Column("Note", lambda row: row[1].note, 40),
    Column("Reviewed by", lambda row: row[1].reviewed_by),
    Column("Reviewed (UTC)", lambda row: row[1].reviewed_at),
    Column("Evidence", lambda row: _evidence(row[1]), 60),
    Column("Thresholds", lambda row: _thresholds(row[1]), 60),
    Column("Related software/technology", lambda row: _join(row[1].related)),
    Column("Reason", lambda row: row[1].reason, 40),
    Column("List version", lambda row: row[0].list_version),
)

AUDIT_COLUMNS: tuple[Column, ...] = (
    Column("Event", lambda e: e.id),
    Column("Case ID", lambda e: case_ref(e.case_id) if e.case_id is not None else None),
    Column("When (UTC)", lambda e: e.at),
    Column("Who", lambda e: e.actor),
    Column("Role", lambda e: e.actor_role),
    Column("Action", lambda e: e.action),
    Column("Target", lambda e: e.target),
    Column("Details", lambda e: e.detail_text, 80),
    Column("List version", lambda e: e.list_version),
    Column("ATAS rules version", lambda e: e.rules_version),
)


def safe_text(value: str) -> str:
    """Text Excel can hold: no XML-illegal control characters, at most 32,767 characters."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > EXCEL_MAX_CELL_CHARS:
        value = value[: EXCEL_MAX_CELL_CHARS - len(TRUNCATED)] + TRUNCATED
    return value


def _set(ws: Worksheet, row: int, column: int, value: Any, wrap: bool) -> int:
    """Write one cell; returns the display length used for the column width."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, datetime):
        cell.value = value
        cell.number_format = DATE_FORMAT
        length = len(DATE_FORMAT)
    elif isinstance(value, bool | int | float) or value is None:
        cell.value = value
        length = len(str(value)) if value is not None else 0
    else:
        text = safe_text(str(value))
        cell.value = text
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if text.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
        length = max((len(line) for line in text.splitlines()), default=0)
    cell.alignment = _WRAP if wrap else _TOP
    return length


def _sheet(ws: Worksheet, columns: Sequence[Column], items: Sequence[Any]) -> None:
    widths = [len(c.header) for c in columns]
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row_number, item in enumerate(items, start=2):
        for index, column in enumerate(columns, start=1):
            length = _set(ws, row_number, index, column.value(item), column.width is not None)
            widths[index - 1] = max(widths[index - 1], length)
    for index, column in enumerate(columns, start=1):
        width = column.width if column.width is not None else min(widths[index - 1] + 2, 50)
        ws.column_dimensions[get_column_letter(index)].width = max(width, 8)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(items) + 1, 1)}"


def build_workbook(data: ExportData) -> Workbook:
    """The decisions workbook for ``data`` (see :meth:`CaseRepository.export_data`)."""
    workbook = Workbook()
    cases_sheet = workbook.active
    cases_sheet.title = "Cases"
    _sheet(cases_sheet, CASE_COLUMNS, data.cases)
    suggestions = [(case, s) for case in data.cases for s in case.suggestions]
    _sheet(workbook.create_sheet("Suggestions"), SUGGESTION_COLUMNS, suggestions)
    _sheet(workbook.create_sheet("Audit trail"), AUDIT_COLUMNS, data.audit)
    about = workbook.create_sheet("About")
    rows = [
        ("Exported (UTC)", data.exported_at),
        ("Exported by", data.exported_by),
        ("Cases", len(data.cases)),
        ("Note", DISCLAIMER + " Decisions in this file were made by the officers named."),
    ]
    for row_number, (label, value) in enumerate(rows, start=1):
        about.cell(row=row_number, column=1, value=label).font = Font(bold=True)
        _set(about, row_number, 2, value, wrap=True)
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 90
    workbook.properties.creator = "exportctl"
    return workbook


def write_workbook(data: ExportData, target: Path | BinaryIO) -> None:
    build_workbook(data).save(target)


def workbook_bytes(data: ExportData) -> bytes:
    buffer = io.BytesIO()
    write_workbook(data, buffer)
    return buffer.getvalue()


def export_filename(data: ExportData) -> str:
    return f"exportctl-decisions-{data.exported_at:%Y%m%d-%H%M%S}.xlsx"
