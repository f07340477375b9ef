"""The case store: every read and change of a case goes through :class:`CaseRepository`.

Rules kept here, so that no page or command can go around them:

- researchers see and submit only their own cases; only officers review, add entries, decide
  and export;
- every change writes an :class:`~exportctl.cases.models.AuditRow` in the same transaction
  (who, when, what, list and rules versions), and audit rows are never changed;
- a change names the version of the record it was made from; if another officer saved first the
  change is refused with :class:`ConcurrentEditError` and nothing is overwritten. Changes to
  different records of one case (two officers confirming two suggestions) both succeed.

SQLite is opened in WAL mode and every transaction starts with ``BEGIN IMMEDIATE``, so two
writers queue instead of failing half-way; PostgreSQL's row locks do the same there.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from exportctl.auth import User, require_officer
from exportctl.cases.errors import (
    CaseInputError,
    CaseNotFoundError,
    CaseStoreError,
    ConcurrentEditError,
)
from exportctl.cases.models import (
    SCHEMA_VERSION,
    AnswerRow,
    AuditRow,
    Base,
    CaseRow,
    MetaRow,
    SuggestionRow,
)
from exportctl.cases.records import (
    AnswerRecord,
    AuditRecord,
    CaseRecord,
    ExportData,
    SuggestionRecord,
    case_ref,
)
from exportctl.cases.vocabulary import (
    ANSWERS,
    ATAS_DECISIONS,
    CASE_STATUSES,
    DECISIONS,
    LISTED_DECISIONS,
    SUGGESTION_STATUSES,
)
from exportctl.suggest.result import SuggestionResult

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 500


def utcnow() -> datetime:
    """Now in UTC, without time zone (the form stored and exported)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class AnswerInput:
    """An answer to one exemption or end-use question."""

    question: str
    answer: str  # a key of ANSWERS
    comment: str | None = None


@dataclass(frozen=True)
class NewEntry:
    """An entry an officer adds because the suggestions missed it."""

    code: str
    entry: str
    list_name: str
    title: str


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, a busy timeout and immediate transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class CaseRepository:
    """Cases, suggestions, answers, decisions and the audit trail in one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> CaseRepository:
        """Connect to ``url``, creating the tables on first use."""
        engine = make_engine(url)
        try:
            Base.metadata.create_all(engine)
        except OperationalError as error:
            raise CaseStoreError(
                f"Cannot open the case database {engine.url.render_as_string()}: {error.orig}. "
                "Check EXPORTCTL_DATABASE_URL."
            ) from error
        repository = cls(engine)
        repository._check_schema()
        return repository

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        try:
            with self._sessions.begin() as session:
                yield session
        except OperationalError as error:
            raise CaseStoreError(
                f"The case database is busy or unavailable ({error.orig}); nothing was saved. "
                "Try again."
            ) from error

    def _check_schema(self) -> None:
        with self._transaction() as session:
            row = session.get(MetaRow, "schema_version")
            if row is None:
                session.add(MetaRow(key="schema_version", value=str(SCHEMA_VERSION)))
            elif row.value != str(SCHEMA_VERSION):
                raise CaseStoreError(
                    f"The case database has schema version {row.value}; this exportctl uses "
                    f"{SCHEMA_VERSION}. Use a matching exportctl or migrate the database."
                )

    # -- creating cases ---------------------------------------------------------------------

    def create_case(
        self,
        actor: User,
        *,
        title: str,
        abstract: str,
        result: SuggestionResult,
        answers: Mapping[str, AnswerInput] | None = None,
        partner_country: str | None = None,
        visitor_nationality: str | None = None,
        visitor_level: str | None = None,
        source_name: str | None = None,
        external_id: str | None = None,
        researcher: User | None = None,
    ) -> int:
        """Store a screened abstract as a case submitted for review; returns its id.

        A researcher always submits for themself; an officer (batch screening) may name the
        researcher the case belongs to.
        """
        if researcher is not None and researcher.username != actor.username:
            require_officer(actor, "create cases for someone else")
        owner = researcher or actor
        title = " ".join(title.split())[:MAX_TITLE_CHARS]
        if not title:
            raise CaseInputError("Give the case a title.")
        if not abstract.strip():
            raise CaseInputError("The abstract is empty.")
        answers = dict(answers or {})
        _check_answers(answers)
        now = utcnow()
        atas_summary, rules_version = summarise_atas(result)
        with self._transaction() as session:
            case = CaseRow(
                external_id=external_id,
                title=title,
                abstract=abstract,
                source_name=source_name,
                researcher=owner.username,
                researcher_name=owner.name,
                created_by=actor.username,
                partner_country=partner_country or None,
                visitor_nationality=visitor_nationality or None,
                visitor_level=visitor_level or None,
                status="submitted",
                created_at=now,
                submitted_at=now,
                updated_at=now,
                list_version=result.list_version,
                rules_version=rules_version,
                atas_summary=atas_summary,
                result_json=json.dumps(result.to_dict(), ensure_ascii=False, default=str),
                version=1,
            )
            for rank, candidate in enumerate(result.controls, start=1):
                case.suggestions.append(
                    SuggestionRow(
                        rank=rank,
                        code=candidate.code,
                        entry=candidate.entry,
                        list_name=candidate.list_name,
                        title=candidate.title,
                        score=float(candidate.score),
                        reason=candidate.reason,
                        evidence_json=json.dumps(
                            [e.to_dict() for e in candidate.evidence], ensure_ascii=False
                        ),
                        thresholds_json=json.dumps(
                            [t.to_dict() for t in candidate.thresholds], ensure_ascii=False
                        ),
                        related=",".join(candidate.related),
                        source="suggested",
                        status="pending",
                        version=1,
                    )
                )
            for key, value in answers.items():
                case.answers.append(
                    AnswerRow(
                        key=key,
                        question=value.question,
                        answer=value.answer,
                        comment=value.comment or None,
                        answered_by=actor.username,
                        answered_at=now,
                    )
                )
            session.add(case)
            session.flush()
            self._audit(
                session,
                actor,
                case,
                "case_submitted",
                target=case_ref(case.id),
                detail={
                    "title": title,
                    "researcher": owner.username,
                    "suggested": [c.code for c in result.controls],
                    "answers": {k: v.answer for k, v in answers.items()},
                    "external_id": external_id,
                    "source_name": source_name,
                },
                at=now,
            )
            return case.id

    # -- reading ----------------------------------------------------------------------------

    def list_cases(self, actor: User, *, status: str | None = None) -> list[CaseRecord]:
        """Cases the user may see, newest first; researchers see only their own."""
        if status is not None and status not in CASE_STATUSES:
            raise CaseInputError(f"Unknown status '{status}'; use one of {list(CASE_STATUSES)}.")
        query = select(CaseRow).options(
            selectinload(CaseRow.suggestions), selectinload(CaseRow.answers)
        )
        if not actor.is_officer:
            query = query.where(CaseRow.researcher == actor.username)
        if status is not None:
            query = query.where(CaseRow.status == status)
        query = query.order_by(CaseRow.id.desc())
        with self._transaction() as session:
            return [_case_record(row) for row in session.scalars(query)]

    def count_by_status(self, actor: User) -> dict[str, int]:
        query = select(CaseRow.status, func.count()).group_by(CaseRow.status)
        if not actor.is_officer:
            query = query.where(CaseRow.researcher == actor.username)
        with self._transaction() as session:
            counts = {status: count for status, count in session.execute(query).all()}
        return {status: counts.get(status, 0) for status in CASE_STATUSES}

    def get_case(self, actor: User, case_id: int) -> CaseRecord:
        with self._transaction() as session:
            return _case_record(self._load_case(session, actor, case_id))

    def audit_trail(self, actor: User, case_id: int | None = None) -> list[AuditRecord]:
        """The audit events of one case (its researcher or any officer) or of all (officers)."""
        query = select(AuditRow).order_by(AuditRow.id)
        with self._transaction() as session:
            if case_id is None:
                require_officer(actor, "read the whole audit trail")
            else:
                self._load_case(session, actor, case_id)
                query = query.where(AuditRow.case_id == case_id)
            return [_audit_record(row) for row in session.scalars(query)]

    def export_data(self, actor: User) -> ExportData:
        """All cases, their suggestions and the audit trail, for the decisions workbook."""
        require_officer(actor, "export decisions")
        now = utcnow()
        with self._transaction() as session:
            cases = session.scalars(
                select(CaseRow)
                .options(selectinload(CaseRow.suggestions), selectinload(CaseRow.answers))
                .order_by(CaseRow.id)
            ).all()
            self._audit(
                session,
                actor,
                None,
                "decisions_exported",
                detail={"cases": len(cases)},
                at=now,
            )
            session.flush()
            audit = session.scalars(select(AuditRow).order_by(AuditRow.id)).all()
            return ExportData(
                exported_at=now,
                exported_by=actor.username,
                cases=tuple(_case_record(row) for row in cases),
                audit=tuple(_audit_record(row) for row in audit),
            )

    # -- changes by the researcher or an officer ------------------------------------------

    def set_answer(
        self, actor: User, case_id: int, key: str, value: AnswerInput, *, expected_version: int
    ) -> None:
        """Record or change an answer to an exemption or end-use question."""
        _check_answers({key: value})
        now = utcnow()
        with self._transaction() as session:
            case = self._load_case(session, actor, case_id, lock=True)
            if case.status == "decided" and not actor.is_officer:
                raise CaseInputError(
                    f"{case_ref(case_id)} is decided; ask an officer to reopen it first."
                )
            self._bump_case(session, case, expected_version, now)
            existing = next((a for a in case.answers if a.key == key), None)
            before = existing.answer if existing else None
            if existing is None:
                session.add(
                    AnswerRow(
                        case_id=case.id,
                        key=key,
                        question=value.question,
                        answer=value.answer,
                        comment=value.comment or None,
                        answered_by=actor.username,
                        answered_at=now,
                    )
                )
            else:
                existing.answer = value.answer
                existing.comment = value.comment or None
                existing.answered_by = actor.username
                existing.answered_at = now
            self._audit(
                session,
                actor,
                case,
                "answer_set",
                target=key,
                detail={"before": before, "after": value.answer, "comment": value.comment},
                at=now,
            )

    # -- officer actions ------------------------------------------------------------------

    def review_suggestion(
        self,
        actor: User,
        suggestion_id: int,
        *,
        status: str,
        note: str | None,
        expected_version: int,
    ) -> None:
        """Confirm or reject one suggested entry (a rejection needs a note)."""
        require_officer(actor, "confirm or reject suggestions")
        if status not in ("confirmed", "rejected", "pending"):
            raise CaseInputError(f"Unknown review status '{status}'.")
        note = (note or "").strip() or None
        if status == "rejected" and not note:
            raise CaseInputError("Say why the entry does not apply: a rejection needs a note.")
        now = utcnow()
        with self._transaction() as session:
            row = session.get(SuggestionRow, suggestion_id)
            if row is None:
                raise CaseNotFoundError(f"No suggestion {suggestion_id}.")
            case = self._load_case(session, actor, row.case_id, lock=True)
            if case.status == "decided":
                raise CaseInputError(
                    f"{case_ref(case.id)} is decided; reopen it before changing its entries."
                )
            before = row.status
            changed = session.execute(
                update(SuggestionRow)
                .where(SuggestionRow.id == suggestion_id)
                .where(SuggestionRow.version == expected_version)
                .values(
                    status=status,
                    note=note,
                    reviewed_by=actor.username,
                    reviewed_at=now,
                    version=SuggestionRow.version + 1,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            if changed != 1:
                raise ConcurrentEditError(
                    f"{row.code} on {case_ref(case.id)} was changed by someone else while you "
                    "were looking at it. Nothing was overwritten; check it again and re-save."
                )
            self._touch_case(session, case, now, status_if_submitted="in_review")
            self._audit(
                session,
                actor,
                case,
                f"suggestion_{status}",
                target=row.code,
                detail={"before": before, "after": status, "note": note, "list": row.list_name},
                at=now,
            )

    def add_entry(self, actor: User, case_id: int, entry: NewEntry, *, note: str | None) -> int:
        """Add an entry the suggestions missed, confirmed by the officer adding it."""
        require_officer(actor, "add entries to a case")
        now = utcnow()
        with self._transaction() as session:
            case = self._load_case(session, actor, case_id, lock=True)
            if case.status == "decided":
                raise CaseInputError(
                    f"{case_ref(case_id)} is decided; reopen it before changing its entries."
                )
            if any(s.code == entry.code for s in case.suggestions):
                raise CaseInputError(
                    f"{entry.code} is already on {case_ref(case_id)}; confirm it there."
                )
            row = SuggestionRow(
                case_id=case.id,
                rank=None,
                code=entry.code,
                entry=entry.entry,
                list_name=entry.list_name,
                title=entry.title,
                score=None,
                reason="Added by an officer",
                source="officer",
                status="confirmed",
                note=(note or "").strip() or None,
                reviewed_by=actor.username,
                reviewed_at=now,
                version=1,
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError as error:
                raise ConcurrentEditError(
                    f"{entry.code} was just added to {case_ref(case_id)} by someone else."
                ) from error
            self._touch_case(session, case, now, status_if_submitted="in_review")
            self._audit(
                session,
                actor,
                case,
                "entry_added",
                target=entry.code,
                detail={"list": entry.list_name, "note": row.note},
                at=now,
            )
            return row.id

    def decide(
        self,
        actor: User,
        case_id: int,
        *,
        decision: str,
        atas_decision: str,
        note: str | None,
        expected_version: int,
    ) -> None:
        """Record the officer's decision on the case."""
        require_officer(actor, "decide cases")
        if decision not in DECISIONS:
            raise CaseInputError(f"Unknown decision '{decision}'; use one of {list(DECISIONS)}.")
        if atas_decision not in ATAS_DECISIONS:
            raise CaseInputError(
                f"Unknown ATAS decision '{atas_decision}'; use one of {list(ATAS_DECISIONS)}."
            )
        note = (note or "").strip() or None
        now = utcnow()
        with self._transaction() as session:
            case = self._load_case(session, actor, case_id, lock=True)
            confirmed = [s.code for s in case.suggestions if s.status == "confirmed"]
            if decision in LISTED_DECISIONS and not confirmed:
                raise CaseInputError(
                    f"'{DECISIONS[decision]}' needs the entry it is listed under: confirm a "
                    "suggestion or add the entry first."
                )
            if decision == "not_listed" and confirmed:
                raise CaseInputError(
                    f"Entries {', '.join(confirmed)} are confirmed on this case; reject them "
                    "or choose a 'listed' decision."
                )
            before = {"decision": case.decision, "atas_decision": case.atas_decision}
            self._bump_case(
                session,
                case,
                expected_version,
                now,
                values={
                    "decision": decision,
                    "atas_decision": atas_decision,
                    "decision_note": note,
                    "officer": actor.username,
                    "decided_at": now,
                    "status": "decided",
                },
            )
            self._audit(
                session,
                actor,
                case,
                "case_decided",
                target=case_ref(case_id),
                detail={
                    "before": before,
                    "decision": decision,
                    "atas_decision": atas_decision,
                    "note": note,
                    "confirmed": confirmed,
                    "pending": [s.code for s in case.suggestions if s.status == "pending"],
                },
                at=now,
            )

    def reopen(self, actor: User, case_id: int, *, reason: str, expected_version: int) -> None:
        """Take a decided case back into review; the earlier decision stays in the audit trail."""
        require_officer(actor, "reopen cases")
        reason = reason.strip()
        if not reason:
            raise CaseInputError("Say why the case is reopened.")
        now = utcnow()
        with self._transaction() as session:
            case = self._load_case(session, actor, case_id, lock=True)
            if case.status != "decided":
                raise CaseInputError(f"{case_ref(case_id)} is not decided.")
            self._bump_case(session, case, expected_version, now, values={"status": "in_review"})
            self._audit(
                session,
                actor,
                case,
                "case_reopened",
                target=case_ref(case_id),
                detail={"reason": reason, "decision_was": case.decision},
                at=now,
            )

    # -- helpers ----------------------------------------------------------------------------

    def _load_case(
        self, session: Session, actor: User, case_id: int, *, lock: bool = False
    ) -> CaseRow:
        """The case, if ``actor`` may see it; ``lock`` holds its row until the transaction ends
        (PostgreSQL; SQLite's immediate transactions already hold the database)."""
        case = session.get(
            CaseRow,
            case_id,
            options=[selectinload(CaseRow.suggestions), selectinload(CaseRow.answers)],
            with_for_update=lock,
        )
        if case is None or (not actor.is_officer and case.researcher != actor.username):
            # Same message either way: a researcher learns nothing about others' cases.
            raise CaseNotFoundError(f"No case {case_ref(case_id)} that you can see.")
        return case

    def _bump_case(
        self,
        session: Session,
        case: CaseRow,
        expected_version: int,
        now: datetime,
        *,
        values: dict[str, Any] | None = None,
    ) -> None:
        changed = session.execute(
            update(CaseRow)
            .where(CaseRow.id == case.id)
            .where(CaseRow.version == expected_version)
            .values(updated_at=now, version=CaseRow.version + 1, **(values or {}))
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed != 1:
            raise ConcurrentEditError(
                f"{case_ref(case.id)} was changed by someone else while you were looking at it. "
                "Nothing was overwritten; check the case again and re-save."
            )

    def _touch_case(
        self, session: Session, case: CaseRow, now: datetime, *, status_if_submitted: str
    ) -> None:
        """Record that a part of the case changed (no version check: parts lock themselves)."""
        values: dict[str, Any] = {"updated_at": now, "version": CaseRow.version + 1}
        session.execute(
            update(CaseRow)
            .where(CaseRow.id == case.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(CaseRow)
            .where(CaseRow.id == case.id)
            .where(CaseRow.status == "submitted")
            .values(status=status_if_submitted)
            .execution_options(synchronize_session=False)
        )

    @staticmethod
    def _audit(
        session: Session,
        actor: User,
        case: CaseRow | None,
        action: str,
        *,
        at: datetime,
        target: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        session.add(
            AuditRow(
                case_id=case.id if case is not None else None,
                at=at,
                actor=actor.username,
                actor_role=actor.role,
                action=action,
                target=target,
                detail_json=json.dumps(detail or {}, ensure_ascii=False, default=str),
                list_version=case.list_version if case is not None else None,
                rules_version=case.rules_version if case is not None else None,
            )
        )


def _check_answers(answers: Mapping[str, AnswerInput]) -> None:
    for key, value in answers.items():
        if value.answer not in ANSWERS:
            raise CaseInputError(
                f"Answer to '{key}' is {value.answer!r}; use one of {list(ANSWERS)}."
            )


def summarise_atas(result: SuggestionResult) -> tuple[str | None, str | None]:
    """A one-line ATAS result and the rules version it used, from a suggestion result."""
    atas = result.to_dict().get("atas")
    if not isinstance(atas, Mapping):
        return None, None
    rules_version = atas.get("rules_version")
    outcome = atas.get("result")
    if outcome is None:
        return None, (str(rules_version) if rules_version else None)
    reasons = [str(r) for r in atas.get("reasons") or ()]
    summary = f"ATAS {outcome}" + (f": {reasons[0]}" if reasons else "")
    return summary, (str(rules_version) if rules_version else None)


def _loads(text: str | None, default: Any) -> Any:
    return json.loads(text) if text else default


def _suggestion_record(row: SuggestionRow) -> SuggestionRecord:
    return SuggestionRecord(
        id=row.id,
        case_id=row.case_id,
        rank=row.rank,
        code=row.code,
        entry=row.entry,
        list_name=row.list_name,
        title=row.title,
        score=row.score,
        reason=row.reason or "",
        evidence=tuple(_loads(row.evidence_json, [])),
        thresholds=tuple(_loads(row.thresholds_json, [])),
        related=tuple(code for code in (row.related or "").split(",") if code),
        source=row.source,
        status=row.status,
        note=row.note,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        version=row.version,
    )


def _case_record(row: CaseRow) -> CaseRecord:
    suggestions: Sequence[SuggestionRow] = sorted(
        row.suggestions, key=lambda s: (s.rank is None, s.rank or 0, s.id)
    )
    return CaseRecord(
        id=row.id,
        external_id=row.external_id,
        title=row.title,
        abstract=row.abstract,
        source_name=row.source_name,
        researcher=row.researcher,
        researcher_name=row.researcher_name,
        created_by=row.created_by,
        partner_country=row.partner_country,
        visitor_nationality=row.visitor_nationality,
        visitor_level=row.visitor_level,
        status=row.status,
        decision=row.decision,
        atas_decision=row.atas_decision,
        decision_note=row.decision_note,
        officer=row.officer,
        created_at=row.created_at,
        submitted_at=row.submitted_at,
        decided_at=row.decided_at,
        updated_at=row.updated_at,
        list_version=row.list_version,
        rules_version=row.rules_version,
        atas_summary=row.atas_summary,
        result=_loads(row.result_json, {}),
        version=row.version,
        suggestions=tuple(_suggestion_record(s) for s in suggestions),
        answers=tuple(
            AnswerRecord(
                key=a.key,
                question=a.question,
                answer=a.answer,
                comment=a.comment,
                answered_by=a.answered_by,
                answered_at=a.answered_at,
            )
            for a in row.answers
        ),
    )


def _audit_record(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        case_id=row.case_id,
        at=row.at,
        actor=row.actor,
        actor_role=row.actor_role,
        action=row.action,
        target=row.target,
        detail=_loads(row.detail_json, {}),
        list_version=row.list_version,
        rules_version=row.rules_version,
    )


__all__ = [
    "AnswerInput",
    "CaseRepository",
    "NewEntry",
    "SUGGESTION_STATUSES",
    "make_engine",
    "summarise_atas",
    "utcnow",
]
