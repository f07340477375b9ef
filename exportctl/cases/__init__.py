"""Cases: screened abstracts, their suggestions, the officer's review and decision, and the
append-only audit trail, kept in a SQL database (SQLite by default, PostgreSQL by setting the
URL)."""

from exportctl.cases.errors import (
    CaseInputError,
    CaseNotFoundError,
    CaseStoreError,
    ConcurrentEditError,
)
from exportctl.cases.records import (
    AnswerRecord,
    AuditRecord,
    CaseRecord,
    ExportData,
    SuggestionRecord,
    case_ref,
)
from exportctl.cases.repository import AnswerInput, CaseRepository, NewEntry

__all__ = [
    "AnswerInput",
    "AnswerRecord",
    "AuditRecord",
    "CaseInputError",
    "CaseNotFoundError",
    "CaseRecord",
    "CaseRepository",
    "CaseStoreError",
    "ConcurrentEditError",
    "ExportData",
    "NewEntry",
    "SuggestionRecord",
    "case_ref",
]
