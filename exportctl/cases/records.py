"""Read-only snapshots of cases handed to the app, the CLI and the Excel export.

The repository never hands out live ORM objects: pages rerun often and sessions are short, so
callers get plain frozen dataclasses and name a record's ``version`` when they save a change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from exportctl.cases.vocabulary import ATAS_DECISIONS, CASE_STATUSES, DECISIONS


@dataclass(frozen=True)
class SuggestionRecord:
    id: int
    case_id: int
    rank: int | None
    code: str
    entry: str
    list_name: str
    title: str
    score: float | None
    reason: str
    evidence: tuple[dict[str, Any], ...]
    thresholds: tuple[dict[str, Any], ...]
    related: tuple[str, ...]
    source: str  # "suggested" | "officer"
    status: str  # "pending" | "confirmed" | "rejected"
    note: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    version: int


@dataclass(frozen=True)
class AnswerRecord:
    key: str
    question: str
    answer: str
    comment: str | None
    answered_by: str
    answered_at: datetime


@dataclass(frozen=True)
class CaseRecord:
    id: int
    external_id: str | None
    title: str
    abstract: str
    source_name: str | None
    researcher: str
    researcher_name: str
    created_by: str
    partner_country: str | None
    visitor_nationality: str | None
    visitor_level: str | None
    status: str
    decision: str | None
    atas_decision: str | None
    decision_note: str | None
    officer: str | None
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    updated_at: datetime
    list_version: str
    rules_version: str | None
    atas_summary: str | None
    result: dict[str, Any]
    version: int
    suggestions: tuple[SuggestionRecord, ...] = ()
    answers: tuple[AnswerRecord, ...] = ()

    @property
    def ref(self) -> str:
        """The case reference shown to users, e.g. ``C-00042``."""
        return case_ref(self.id)

    @property
    def status_label(self) -> str:
        return CASE_STATUSES.get(self.status, self.status)

    @property
    def decision_label(self) -> str:
        return DECISIONS.get(self.decision or "", "") if self.decision else ""

    @property
    def atas_decision_label(self) -> str:
        return ATAS_DECISIONS.get(self.atas_decision or "", "") if self.atas_decision else ""

    @property
    def confirmed_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.suggestions if s.status == "confirmed")

    @property
    def pending_count(self) -> int:
        return sum(1 for s in self.suggestions if s.status == "pending")


@dataclass(frozen=True)
class AuditRecord:
    id: int
    case_id: int | None
    at: datetime
    actor: str
    actor_role: str
    action: str
    target: str | None
    detail: dict[str, Any]
    list_version: str | None
    rules_version: str | None

    @property
    def detail_text(self) -> str:
        return json.dumps(self.detail, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class ExportData:
    """Everything the decisions workbook holds."""

    exported_at: datetime
    exported_by: str
    cases: tuple[CaseRecord, ...] = ()
    audit: tuple[AuditRecord, ...] = field(default_factory=tuple)


def case_ref(case_id: int) -> str:
    return f"C-{case_id:05d}"


def parse_case_ref(text: str) -> int | None:
    """``C-00042``, ``c42`` or ``42`` -> 42; anything else -> None."""
    cleaned = text.strip().upper().removeprefix("C").lstrip("-")
    return int(cleaned) if cleaned.isdigit() else None
