"""Read-only snapshots of cases handed to the app, the CLI and the Excel export.

The repository never hands out live ORM objects: pages rerun often and sessions are short, so
callers get plain frozen dataclasses and name a record's ``version`` when they save a change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from exportctl.cases.audit_chain import ChainHead
from exportctl.cases.vocabulary import (
    AMENDMENT_RESOLUTIONS,
    ANSWERS,
    ATAS_DECISIONS,
    CASE_STATUSES,
    DECISIONS,
    SUGGESTION_STATUSES,
)


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
    # The evidence in words (see evidence_summary), stored beside it so that an export of
    # every case need not decode every evidence list; None for rows stored before it was.
    evidence_text: str | None = None

    @property
    def evidence_words(self) -> str:
        return (
            self.evidence_text
            if self.evidence_text is not None
            else evidence_summary(self.evidence)
        )


@dataclass(frozen=True)
class AnswerRecord:
    key: str
    question: str
    answer: str
    comment: str | None
    answered_by: str
    answered_at: datetime


@dataclass(frozen=True)
class AmendmentReview:
    """A case that a newer list version touches, and how an officer settled it."""

    id: int
    case_id: int
    from_version: str
    to_version: str
    flagged_at: datetime
    flagged_by: str
    codes: tuple[str, ...]  # the case's codes the changes bear on
    changes: tuple[dict[str, Any], ...]  # the relevant part of the diff (Change.to_dict())
    decision_was: str | None  # the decision when the case was flagged (None: undecided)
    decided_under: str | None  # the list version that decision was made under
    result: dict[str, Any] | None = None  # the suggestions under to_version, once screened
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution: str | None = None  # "reconfirmed" | "redecided"
    note: str | None = None

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    @property
    def decision_was_label(self) -> str:
        return DECISIONS.get(self.decision_was or "", "") if self.decision_was else ""

    @property
    def resolution_label(self) -> str:
        return AMENDMENT_RESOLUTIONS.get(self.resolution or "", self.resolution or "")


class _CaseLabels:
    """A case's reference and its status and decisions in words, for any record of a case."""

    id: int
    status: str
    decision: str | None
    atas_decision: str | None

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


@dataclass(frozen=True)
class CaseRecord(_CaseLabels):
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
    decision_list_version: str | None = None  # None: decided before it was recorded
    amendment_reviews: tuple[AmendmentReview, ...] = ()  # oldest first
    #: the screening verdict, when the case was read without its whole result (exports)
    screening_verdict: str | None = None

    @property
    def verdict(self) -> str | None:
        """The screening verdict: likely_listed, possibly_listed or no_close_match."""
        screening = (self.result or {}).get("screening") or {}
        return screening.get("verdict") or self.screening_verdict

    @property
    def confirmed_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.suggestions if s.status == "confirmed")

    @property
    def pending_count(self) -> int:
        return sum(1 for s in self.suggestions if s.status == "pending")

    @property
    def decided_under(self) -> str | None:
        """The list version the decision was made under (None while undecided)."""
        if self.decision is None:
            return None
        return self.decision_list_version or self.list_version

    @property
    def open_amendment(self) -> AmendmentReview | None:
        """The newest amendment review still waiting for an officer, if any."""
        return next((r for r in reversed(self.amendment_reviews) if r.open), None)

    @property
    def awaiting_rereview(self) -> bool:
        return self.open_amendment is not None


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
    record_hash: str | None = None  # its link in the audit chain (exportctl.cases.audit_chain)

    @property
    def detail_text(self) -> str:
        return json.dumps(self.detail, ensure_ascii=False, sort_keys=True)

    @property
    def summary(self) -> str:
        """What happened, in words (the raw details stay in :attr:`detail_text`)."""
        return audit_summary(self.action, self.target, self.detail)


@dataclass(frozen=True)
class CaseFilter:
    """Which cases a list, a chart or an export covers. Empty fields do not filter."""

    statuses: tuple[str, ...] = ()
    decisions: tuple[str, ...] = ()
    researcher: str | None = None  # user name, exactly
    entry: str | None = None  # an entry or clause code: cases with it suggested or added
    submitted_from: date | None = None
    submitted_to: date | None = None  # inclusive
    text: str | None = None  # a case reference, an external id, or words of the title
    awaiting_rereview: bool = False  # only cases a newer list version touches, not re-reviewed

    def describe(self) -> str:
        """The filter in words, for the export's About sheet and the audit trail."""
        parts = []
        if self.statuses:
            parts.append("status " + " or ".join(CASE_STATUSES.get(s, s) for s in self.statuses))
        if self.decisions:
            parts.append("decision " + " or ".join(DECISIONS.get(d, d) for d in self.decisions))
        if self.researcher:
            parts.append(f"researcher {self.researcher}")
        if self.entry:
            parts.append(f"entry {self.entry}")
        if self.submitted_from:
            parts.append(f"submitted from {self.submitted_from:%Y-%m-%d}")
        if self.submitted_to:
            parts.append(f"submitted to {self.submitted_to:%Y-%m-%d}")
        if self.text:
            parts.append(f"matching '{self.text}'")
        if self.awaiting_rereview:
            parts.append("awaiting re-review after a list amendment")
        return "; ".join(parts) or "all cases"


@dataclass(frozen=True)
class CaseSummary(_CaseLabels):
    """One row of a case list: no abstract, no suggestion details (those load on opening)."""

    id: int
    external_id: str | None
    title: str
    researcher: str
    researcher_name: str
    status: str
    decision: str | None
    atas_decision: str | None
    officer: str | None
    submitted_at: datetime | None
    decided_at: datetime | None
    updated_at: datetime
    version: int
    suggested: tuple[str, ...] = ()  # the top-ranked suggested codes
    confirmed: tuple[str, ...] = ()
    awaiting_rereview: bool = False  # a newer list version touches it (officers' lists)


@dataclass(frozen=True)
class CasePage:
    """One page of a filtered, sorted case list and the size of the whole list."""

    items: tuple[CaseSummary, ...]
    total: int
    offset: int
    limit: int

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1 if self.limit else 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit)) if self.limit else 1


@dataclass(frozen=True)
class CaseFacts:
    """The few fields of every case the Overview charts need."""

    id: int
    status: str
    decision: str | None
    atas_decision: str | None
    atas_summary: str | None
    submitted_at: datetime | None
    decided_at: datetime | None


@dataclass(frozen=True)
class ConfirmedEntry:
    case_id: int
    code: str
    entry: str
    list_name: str


@dataclass(frozen=True)
class OverviewData:
    cases: tuple[CaseFacts, ...]
    confirmed: tuple[ConfirmedEntry, ...]


@dataclass(frozen=True)
class ExportStream:
    """An export read case by case, so that 10,000 cases never sit in memory at once.

    ``cases()`` and ``audit()`` each start a fresh pass over the database."""

    exported_at: datetime
    exported_by: str
    case_count: int
    audit_count: int
    scope: str  # the filter in words
    cases: Callable[[], Iterator[CaseRecord]]
    audit: Callable[[], Iterator[AuditRecord]]
    chain_head: ChainHead | None = None  # the audit chain's last record included


@dataclass(frozen=True)
class ExportData:
    """Everything the decisions workbook holds."""

    exported_at: datetime
    exported_by: str
    cases: tuple[CaseRecord, ...] = ()
    audit: tuple[AuditRecord, ...] = field(default_factory=tuple)
    chain_head: ChainHead | None = None


def case_ref(case_id: int) -> str:
    return f"C-{case_id:05d}"


def parse_case_ref(text: str) -> int | None:
    """``C-00042``, ``c42`` or ``42`` -> 42; anything else -> None."""
    cleaned = text.strip().upper().removeprefix("C").lstrip("-")
    return int(cleaned) if cleaned.isdigit() and len(cleaned) < 10 else None


_ACTIONS: dict[str, str] = {
    "case_submitted": "Submitted",
    "case_updated": "Changed by the researcher",
    "case_withdrawn": "Withdrawn",
    "answer_set": "Answer changed",
    "suggestion_confirmed": "Confirmed",
    "suggestion_rejected": "Rejected",
    "suggestion_pending": "Set back to not reviewed",
    "entry_added": "Entry added",
    "case_decided": "Decided",
    "case_reopened": "Reopened",
    "decisions_exported": "Decisions exported",
    "amendment_flagged": "Flagged for re-review: the list changed",
    "decision_reconfirmed": "Decision re-confirmed after the list changed",
    "amendment_redecided": "Decided again after the list changed",
    "list_rescreened": "Cases checked against a new list version",
    "schema_upgraded": "Database upgraded",
    "database_backed_up": "Database backed up",
    "database_restored": "Database restored",
    "signed_in": "Signed in",
    "signed_out": "Signed out",
    "sign_in_failed": "Sign-in failed",
    "session_ended": "Session ended",
}


def evidence_summary(evidence: Iterable[Mapping[str, Any]]) -> str:
    """The words of the abstract that matched, each with how it matched and its weight (three
    decimals); matches without words of their own (character n-grams) summed on one item."""
    words: dict[tuple[str, str], float] = {}
    other: dict[str, float] = {}
    for e in evidence:
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


def action_label(action: str) -> str:
    return _ACTIONS.get(action, action.replace("_", " ").capitalize())


def audit_summary(action: str, target: str | None, detail: dict[str, Any]) -> str:
    """One audit event in words, e.g. ``Rejected 6E002 (was Not reviewed) — note: no tech``."""

    def label(table: dict[str, str], key: Any) -> str:
        return table.get(str(key), str(key)) if key is not None else "—"

    words = action_label(action)
    if target and action not in ("case_submitted", "case_decided", "case_reopened"):
        words += f" {target}"
    extra: list[str] = []
    if action.startswith("suggestion_") and detail.get("before"):
        extra.append(f"was {label(SUGGESTION_STATUSES, detail['before'])}")
    if action == "answer_set":
        extra.append(
            f"{label(ANSWERS, detail.get('before'))} → {label(ANSWERS, detail.get('after'))}"
        )
    if action == "case_decided":
        extra.append(label(DECISIONS, detail.get("decision")))
        extra.append(label(ATAS_DECISIONS, detail.get("atas_decision")))
        if detail.get("confirmed"):
            extra.append("entries " + ", ".join(map(str, detail["confirmed"])))
    if action == "case_submitted":
        if detail.get("suggested"):
            extra.append(f"{len(detail['suggested'])} entries suggested")
        if detail.get("external_id"):
            extra.append(f"id {detail['external_id']}")
        if detail.get("source_name"):
            extra.append(f"from {detail['source_name']}")
    if action == "case_updated" and detail.get("changed"):
        extra.append("changed " + ", ".join(map(str, detail["changed"])))
    if action in ("amendment_flagged", "decision_reconfirmed", "amendment_redecided"):
        extra.append(f"{detail.get('from_version')} → {detail.get('to_version')}")
        if detail.get("codes"):
            extra.append("entries " + ", ".join(map(str, detail["codes"])))
        if action == "decision_reconfirmed":
            extra.append(label(DECISIONS, detail.get("decision")))
    if action == "list_rescreened":
        extra.append(f"{detail.get('from_version')} → {detail.get('to_version')}")
        extra.append(f"{detail.get('flagged', 0)} of {detail.get('checked', 0)} cases flagged")
    if action == "decisions_exported":
        extra.append(f"{detail.get('cases', 0)} cases")
        if detail.get("scope") and detail["scope"] != "all cases":
            extra.append(str(detail["scope"]))
    for key in ("reason", "note", "comment"):
        if detail.get(key):
            extra.append(f"{key}: {detail[key]}")
    return words + (f" ({'; '.join(extra)})" if extra else "")
