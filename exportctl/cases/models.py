"""Database tables of the case store (SQLAlchemy 2 declarative).

Times are stored as naive UTC datetimes: SQLite keeps no time zone, and Excel has none either.
``cases.version`` and ``suggestions.version`` are optimistic-lock counters: a save names the
version it was made from and fails cleanly if someone else saved first. ``audit_events`` is
append-only, enforced by database triggers on SQLite and PostgreSQL, and a hash chain that
shows any change made behind the app's back.

Indexes serve the paged, filtered case lists of an office with tens of thousands of cases.

These classes describe the tables as the code reads and writes them; the tables themselves are
made and changed only by the migrations in ``migrations/versions/`` (see
:mod:`exportctl.cases.schema`), which also hold the audit trail's triggers. A test checks that
the two agree: a change here needs a migration.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class CaseRow(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    abstract: Mapped[str] = mapped_column(Text)
    source_name: Mapped[str | None] = mapped_column(String(300))
    researcher: Mapped[str] = mapped_column(String(200), index=True)
    researcher_name: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(200))
    partner_country: Mapped[str | None] = mapped_column(String(200))
    visitor_nationality: Mapped[str | None] = mapped_column(String(200))
    visitor_level: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), index=True)
    decision: Mapped[str | None] = mapped_column(String(50))
    atas_decision: Mapped[str | None] = mapped_column(String(50))
    decision_note: Mapped[str | None] = mapped_column(Text)
    officer: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    list_version: Mapped[str] = mapped_column(String(100))
    # The list version the decision was made under (added after the first release: empty on
    # cases decided before, which were decided under their list_version).
    decision_list_version: Mapped[str | None] = mapped_column(String(100))
    rules_version: Mapped[str | None] = mapped_column(String(100))
    atas_summary: Mapped[str | None] = mapped_column(Text)
    result_json: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    suggestions: Mapped[list[SuggestionRow]] = relationship(
        back_populates="case", order_by="SuggestionRow.id"
    )
    answers: Mapped[list[AnswerRow]] = relationship(back_populates="case", order_by="AnswerRow.id")

    __table_args__ = (
        # An external id (grant or project reference) names one case in the organisation.
        Index("uq_cases_external_id", "external_id", unique=True),
        Index("ix_cases_submitted_at", "submitted_at"),
        Index("ix_cases_updated_at", "updated_at"),
        Index("ix_cases_decision", "decision"),
        Index("ix_cases_status_id", "status", "id"),
    )


class SuggestionRow(Base):
    __tablename__ = "suggestions"
    __table_args__ = (
        UniqueConstraint("case_id", "code", name="uq_suggestion_case_code"),
        Index("ix_suggestions_entry", "entry"),
        Index("ix_suggestions_code", "code"),
        Index("ix_suggestions_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    rank: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(100))
    entry: Mapped[str] = mapped_column(String(50))
    list_name: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence_json: Mapped[str] = mapped_column(Text, default="[]")
    # The evidence in words, as the export shows it (added after the first release: empty on
    # rows stored before, which are summarised from evidence_json when read).
    evidence_text: Mapped[str | None] = mapped_column(Text)
    thresholds_json: Mapped[str] = mapped_column(Text, default="[]")
    related: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[CaseRow] = relationship(back_populates="suggestions")


class AnswerRow(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("case_id", "key", name="uq_answer_case_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    key: Mapped[str] = mapped_column(String(50))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str] = mapped_column(String(200))
    answered_at: Mapped[datetime] = mapped_column(DateTime)

    case: Mapped[CaseRow] = relationship(back_populates="answers")


class AmendmentReviewRow(Base):
    """A case that a newer list version touches: the changes that bear on its entries, its
    decision as it stood, the suggestions under the new version, and how an officer settled
    it. While ``resolved_at`` is empty the case awaits re-review."""

    __tablename__ = "amendment_reviews"
    __table_args__ = (
        UniqueConstraint("case_id", "to_version", name="uq_amendment_case_version"),
        Index("ix_amendment_open", "resolved_at", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_version: Mapped[str] = mapped_column(String(100))
    to_version: Mapped[str] = mapped_column(String(100))
    flagged_at: Mapped[datetime] = mapped_column(DateTime)
    flagged_by: Mapped[str] = mapped_column(String(200))
    codes: Mapped[str] = mapped_column(Text)  # the case's codes the changes bear on, comma-joined
    changes_json: Mapped[str] = mapped_column(Text)  # the relevant part of the list diff
    decision_was: Mapped[str | None] = mapped_column(String(50))
    decided_under: Mapped[str | None] = mapped_column(String(100))
    result_json: Mapped[str | None] = mapped_column(Text)  # the suggestions under to_version
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolution: Mapped[str | None] = mapped_column(String(30))  # "reconfirmed" | "redecided"
    note: Mapped[str | None] = mapped_column(Text)


class AuditRow(Base):
    """One change, never updated or deleted. ``record_hash`` covers the record's content and
    ``prev_hash``, the hash of the record before it (see :mod:`exportctl.cases.audit_chain`);
    both are set for every record (nullable only because records from before the chain were
    given theirs by a migration)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str | None] = mapped_column(String(200))
    detail_json: Mapped[str] = mapped_column(Text, default="{}")
    list_version: Mapped[str | None] = mapped_column(String(100))
    rules_version: Mapped[str | None] = mapped_column(String(100))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    record_hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainRow(Base):
    """The head of the audit chain, one row (``id`` 1): the last record's id and hash. Writers
    lock it to append, so the chain never forks; triggers refuse its deletion."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class SignInSessionRow(Base):
    """A local sign-in, so that a reload keeps it: the browser holds a signed token naming the
    session; the session ends on sign-out or after the configured idle time."""

    __tablename__ = "sign_in_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(200), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str | None] = mapped_column(String(50))


class SignInThrottleRow(Base):
    """Failed sign-ins of one user name (as typed, folded to lower case), known or not: the
    count since the last success, the attempts in progress (their passwords being checked),
    and how long the name is locked. Shared by every app server of the database."""

    __tablename__ = "sign_in_throttle"

    username: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    pending: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failure_at: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)


class MetaRow(Base):
    """``schema_version`` is kept so that releases from before migrations refuse a database
    upgraded since (they know only version 1)."""

    __tablename__ = "exportctl_meta"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
