"""The case store: every read and change of a case goes through :class:`CaseRepository`.

Rules kept here, so that no page or command can go around them:

- researchers see and submit only their own cases; only officers review, add entries, decide
  and export;
- every change writes an :class:`~exportctl.cases.models.AuditRow` in the same transaction
  (who, when, what, list and rules versions), and audit rows are never changed;
- a change names the version of the record it was made from; if another officer saved first the
  change is refused with :class:`ConcurrentEditError` and nothing is overwritten. Changes to
  different records of one case (two officers confirming two suggestions) both succeed.

SQLite is opened in WAL mode and every writing transaction starts with ``BEGIN IMMEDIATE``, so
two writers queue instead of failing half-way; PostgreSQL's row locks do the same there. Reads
run in deferred transactions and never wait for, or hold up, a writer.

Lists are paged summaries (:meth:`CaseRepository.list_case_summaries`); a case's suggestions,
answers and screening result are loaded only when that case is opened, and exports stream case
by case (:meth:`CaseRepository.export_stream`), so an office with 10,000 cases stays fast.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    Select,
    create_engine,
    event,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy import case as sql_case
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, defer, selectinload, sessionmaker

from exportctl.auth import User, require_officer
from exportctl.cases import audit_chain
from exportctl.cases.errors import (
    CaseInputError,
    CaseNotFoundError,
    CaseStoreError,
    ConcurrentEditError,
    DuplicateExternalIdError,
)
from exportctl.cases.json_sql import json_text
from exportctl.cases.models import (
    AmendmentReviewRow,
    AnswerRow,
    AuditRow,
    CaseRow,
    MetaRow,
    SuggestionRow,
)
from exportctl.cases.records import (
    AmendmentReview,
    AnswerRecord,
    AuditRecord,
    CaseFacts,
    CaseFilter,
    CasePage,
    CaseRecord,
    CaseSummary,
    ConfirmedEntry,
    ExportData,
    ExportStream,
    OverviewData,
    SuggestionRecord,
    action_label,
    case_ref,
    evidence_summary,
    parse_case_ref,
)
from exportctl.cases.schema import ensure_schema
from exportctl.cases.vocabulary import (
    ANSWERS,
    ATAS_DECISIONS,
    CASE_SORTS,
    CASE_STATUSES,
    DECISIONS,
    LISTED_DECISIONS,
    SUGGESTION_STATUSES,
)
from exportctl.lists.store import normalise_code
from exportctl.suggest.precedents import Precedent, PrecedentBook, decode_vector
from exportctl.suggest.result import SuggestionResult

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 500
MAX_EXTERNAL_ID_CHARS = 200
#: Rows per page of a case list, unless the caller asks for another size.
DEFAULT_PAGE_SIZE = 50
#: Cases read per round trip while exporting.
EXPORT_CHUNK = 500
#: How many top-ranked suggested codes a case summary carries.
SUMMARY_CODES = 3
#: Meta key: the list version cases were last checked against.
LIST_IN_USE_KEY = "list_in_use"
#: An engine execution option: transactions begin deferred (SQLite), without the write lock.
READ_ONLY_OPTION = "exportctl_read_only"


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


def make_engine(url: str, *, busy_timeout: float = 30) -> Engine:
    """An engine for ``url``; SQLite files get WAL, a busy timeout (seconds a writer waits
    for the write lock) and immediate transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Reads take a snapshot without the write lock; writes queue for it at once.
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class CaseRepository:
    """Cases, suggestions, answers, decisions and the audit trail in one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False
        )

    @classmethod
    def open(cls, url: str) -> CaseRepository:
        """Connect to ``url``, making the schema in an empty database. A database made by an
        earlier exportctl is refused (:class:`~exportctl.cases.schema.SchemaOutdatedError`)
        until ``exportctl cases upgrade`` has brought it up to date."""
        engine = make_engine(url)
        try:
            ensure_schema(engine)
        except OperationalError as error:
            engine.dispose()
            raise CaseStoreError(
                f"Cannot open the case database {engine.url.render_as_string()}: {error.orig}. "
                "Check EXPORTCTL_DATABASE_URL."
            ) from error
        except CaseStoreError:
            engine.dispose()
            raise
        return cls(engine)

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

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A read-only transaction: one consistent snapshot, no write lock."""
        try:
            with self._read_sessions.begin() as session:
                yield session
        except OperationalError as error:
            raise CaseStoreError(
                f"The case database is busy or unavailable ({error.orig}). Try again."
            ) from error

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
        external_id = " ".join((external_id or "").split())[:MAX_EXTERNAL_ID_CHARS] or None
        now = utcnow()
        atas_summary, rules_version = summarise_atas(result)
        with self._transaction() as session:
            if external_id is not None:
                existing = self._external_ids(session, [external_id])
                if existing:
                    raise DuplicateExternalIdError(
                        f"A case with the id '{external_id}' already exists "
                        f"({case_ref(existing[external_id])}); nothing was created.",
                        existing=existing,
                    )
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
                result_json=_result_json(result),
                version=1,
            )
            case.suggestions.extend(_suggestion_rows(result))
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
            try:
                session.flush()
            except IntegrityError as error:
                raise DuplicateExternalIdError(
                    f"A case with the id '{external_id}' was just created by someone else; "
                    "nothing was created.",
                    existing={},
                ) from error
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
        """Every case the user may see, complete, newest first (researchers: their own).

        Loads every suggestion of every case: for scripts and tests. Pages use
        :meth:`list_case_summaries`."""
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
        with self._read() as session:
            rows = list(session.scalars(query))
            reviews = _amendment_reviews(session, [row.id for row in rows])
            return [_case_record(row, reviews=reviews.get(row.id, ())) for row in rows]

    def list_case_summaries(
        self,
        actor: User,
        case_filter: CaseFilter | None = None,
        *,
        sort: str = "newest",
        offset: int = 0,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> CasePage:
        """One page of the cases the user may see, filtered and sorted, and how many match.

        Only list columns are read, plus the top suggested and the confirmed codes of the cases
        on the page; nothing of the other cases' suggestions or results."""
        case_filter = case_filter or CaseFilter()
        if sort not in CASE_SORTS:
            raise CaseInputError(f"Unknown order '{sort}'; use one of {list(CASE_SORTS)}.")
        offset, limit = max(0, int(offset)), max(1, int(limit))
        columns = select(*_SUMMARY_COLUMNS)
        query = _ordered(
            self._filtered(columns, actor, case_filter), sort, flagged_first=actor.is_officer
        )
        count = self._filtered(select(func.count(CaseRow.id)), actor, case_filter)
        with self._read() as session:
            total = session.scalar(count) or 0
            if offset >= total > 0:
                offset = (total - 1) // limit * limit  # the last page, not an empty one
            rows = session.execute(query.offset(offset).limit(limit)).all()
            codes = self._summary_codes(session, [row.id for row in rows])
        items = tuple(
            CaseSummary(
                **row._asdict(),
                suggested=tuple(codes.get(row.id, {}).get("suggested", ())),
                confirmed=tuple(codes.get(row.id, {}).get("confirmed", ())),
            )
            for row in rows
        )
        return CasePage(items=items, total=total, offset=offset, limit=limit)

    def case_summary(self, actor: User, case_id: int) -> CaseSummary:
        """The list row of one case (e.g. the open case, when it is not on the current page)."""
        query = select(*_SUMMARY_COLUMNS).where(CaseRow.id == case_id)
        if not actor.is_officer:
            query = query.where(CaseRow.researcher == actor.username)
        with self._read() as session:
            row = session.execute(query).first()
            if row is None:
                raise CaseNotFoundError(f"No case {case_ref(case_id)} that you can see.")
            codes = self._summary_codes(session, [case_id]).get(case_id, {})
        return CaseSummary(
            **row._asdict(),
            suggested=tuple(codes.get("suggested", ())),
            confirmed=tuple(codes.get("confirmed", ())),
        )

    def count_by_status(self, actor: User, case_filter: CaseFilter | None = None) -> dict[str, int]:
        """Cases per status (every status listed), within ``case_filter`` but for its
        statuses: the counts beside a list's status choice."""
        case_filter = case_filter or CaseFilter()
        without_status = replace(case_filter, statuses=())
        query = self._filtered(
            select(CaseRow.status, func.count(CaseRow.id)), actor, without_status
        ).group_by(CaseRow.status)
        with self._read() as session:
            counts = {status: count for status, count in session.execute(query).all()}
        return {status: counts.get(status, 0) for status in CASE_STATUSES}

    def count_awaiting_rereview(self, actor: User, case_filter: CaseFilter | None = None) -> int:
        """Cases awaiting re-review after a list amendment, within ``case_filter`` but for its
        statuses (they may be decided or open)."""
        case_filter = replace(case_filter or CaseFilter(), statuses=(), awaiting_rereview=True)
        query = self._filtered(select(func.count(CaseRow.id)), actor, case_filter)
        with self._read() as session:
            return session.scalar(query) or 0

    def researchers(self, actor: User) -> list[tuple[str, str]]:
        """(user name, name) of everyone who has a case, for a list filter (officers)."""
        require_officer(actor, "list the researchers with cases")
        query = (
            select(CaseRow.researcher, func.max(CaseRow.researcher_name))
            .group_by(CaseRow.researcher)
            .order_by(CaseRow.researcher)
        )
        with self._read() as session:
            return [(username, name) for username, name in session.execute(query).all()]

    def external_ids(self, actor: User, external_ids: Sequence[str]) -> dict[str, int]:
        """Which of these external ids already name a case: id -> case id (officers)."""
        require_officer(actor, "look up cases by external id")
        with self._read() as session:
            return self._external_ids(session, external_ids)

    def get_case(self, actor: User, case_id: int) -> CaseRecord:
        with self._read() as session:
            row = self._load_case(session, actor, case_id)
            reviews = _amendment_reviews(session, [case_id]).get(case_id, ())
            return _case_record(row, reviews=reviews)

    def last_change(self, actor: User, case_id: int) -> AuditRecord | None:
        """The latest audit event of a case (who changed it last, and when)."""
        with self._read() as session:
            self._load_case(session, actor, case_id, load_parts=False)
            row = session.scalars(
                select(AuditRow)
                .where(AuditRow.case_id == case_id)
                .order_by(AuditRow.id.desc())
                .limit(1)
            ).first()
            return _audit_record(row) if row is not None else None

    def audit_trail(self, actor: User, case_id: int | None = None) -> list[AuditRecord]:
        """The audit events of one case (its researcher or any officer) or of all (officers)."""
        query = select(AuditRow).order_by(AuditRow.id)
        with self._read() as session:
            if case_id is None:
                require_officer(actor, "read the whole audit trail")
            else:
                self._load_case(session, actor, case_id, load_parts=False)
                query = query.where(AuditRow.case_id == case_id)
            return [_audit_record(row) for row in session.scalars(query)]

    def decisions_version(self) -> tuple[int, str]:
        """Changes whenever a case is decided or re-decided: (decided cases, latest decision
        time), so a cached book of precedents knows when to be read again."""
        with self._read() as session:
            count, latest = session.execute(
                select(func.count(CaseRow.id), func.max(CaseRow.decided_at)).where(
                    CaseRow.status == "decided"
                )
            ).one()
        return int(count or 0), str(latest or "")

    def precedents(self) -> PrecedentBook:
        """Every decided case as a precedent for new screenings: its abstract's meaning
        vector (stored with its screening), the entries its officer confirmed or added and
        those rejected, the decision and note. Who may see which is the caller's filter."""
        with self._read() as session:
            cases = session.execute(
                select(
                    CaseRow.id,
                    CaseRow.researcher,
                    CaseRow.title,
                    CaseRow.decision,
                    CaseRow.decision_note,
                    json_text(CaseRow.result_json, "meaning_vector").label("vector"),
                ).where(CaseRow.status == "decided")
            ).all()
            reviewed: dict[int, dict[str, list[str]]] = {}
            for row in session.execute(
                select(SuggestionRow.case_id, SuggestionRow.entry, SuggestionRow.status)
                .join(CaseRow, CaseRow.id == SuggestionRow.case_id)
                .where(CaseRow.status == "decided")
                .where(SuggestionRow.status.in_(("confirmed", "rejected")))
                .order_by(SuggestionRow.id)
            ):
                entries = reviewed.setdefault(row.case_id, {"confirmed": [], "rejected": []})
                entries[row.status].append(row.entry)
        precedents = []
        for case in cases:
            vector = decode_vector(case.vector)
            if vector is None:
                continue
            entries = reviewed.get(case.id, {"confirmed": [], "rejected": []})
            confirmed = tuple(dict.fromkeys(entries["confirmed"]))
            precedents.append(
                Precedent(
                    ref=case_ref(case.id),
                    vector=vector,
                    confirmed=confirmed,
                    # an entry confirmed under one clause and rejected under another stands
                    rejected=tuple(
                        e for e in dict.fromkeys(entries["rejected"]) if e not in confirmed
                    ),  # fmt: skip
                    decision=case.decision,
                    note=case.decision_note,
                    owner=case.researcher,
                    title=case.title,
                )
            )
        return PrecedentBook(precedents)

    def overview(self, actor: User, case_filter: CaseFilter | None = None) -> OverviewData:
        """The fields of every matching case the Overview charts count (officers)."""
        require_officer(actor, "see the overview of all cases")
        case_filter = case_filter or CaseFilter()
        facts = self._filtered(
            select(
                CaseRow.id,
                CaseRow.status,
                CaseRow.decision,
                CaseRow.atas_decision,
                CaseRow.atas_summary,
                CaseRow.submitted_at,
                CaseRow.decided_at,
            ),
            actor,
            case_filter,
        )
        confirmed = self._filtered(
            select(
                SuggestionRow.case_id,
                SuggestionRow.code,
                SuggestionRow.entry,
                SuggestionRow.list_name,
            )
            .join(CaseRow, CaseRow.id == SuggestionRow.case_id)
            .where(SuggestionRow.status == "confirmed"),
            actor,
            case_filter,
        )
        with self._read() as session:
            return OverviewData(
                cases=tuple(CaseFacts(**row._asdict()) for row in session.execute(facts)),
                confirmed=tuple(
                    ConfirmedEntry(**row._asdict()) for row in session.execute(confirmed)
                ),
            )

    def export_stream(self, actor: User, case_filter: CaseFilter | None = None) -> ExportStream:
        """The cases matching ``case_filter`` with their suggestions and answers, and their
        audit trail up to the chain head read now, read in chunks when the workbook is
        written. Nothing is written: once the workbook is complete, :meth:`record_export`
        records it in the audit trail (with the file's hash), so that a failed or abandoned
        export leaves no record of an export that never happened."""
        require_officer(actor, "export decisions")
        case_filter = case_filter or CaseFilter()
        everything = case_filter == CaseFilter()
        scope = case_filter.describe()
        ids_query = self._filtered(select(CaseRow.id), actor, case_filter)
        now = utcnow()
        with self._read() as session:
            case_count = session.scalar(select(func.count()).select_from(ids_query.subquery()))
            head = audit_chain.chain_head(session)
            audit_query = select(AuditRow).where(AuditRow.id <= head.record_id)
            if not everything:
                audit_query = audit_query.where(
                    or_(AuditRow.case_id.in_(ids_query), AuditRow.action == "decisions_exported")
                )
            audit_count = session.scalar(select(func.count()).select_from(audit_query.subquery()))

        def cases() -> Iterator[CaseRecord]:
            # Plain rows, not ORM objects: an export reads every case, and building mapped
            # objects for 100,000 suggestions costs more than writing them.
            last = 0
            while True:
                with self._read() as session:
                    rows = session.execute(
                        self._filtered(select(*_EXPORT_CASE_COLUMNS), actor, case_filter)
                        .where(CaseRow.id > last)
                        .order_by(CaseRow.id)
                        .limit(EXPORT_CHUNK)
                    ).all()
                    records = _export_records(session, rows)
                if not records:
                    return
                yield from records
                last = records[-1].id

        def audit() -> Iterator[AuditRecord]:
            last = 0
            while True:
                with self._read() as session:
                    rows = session.scalars(
                        audit_query.where(AuditRow.id > last)
                        .order_by(AuditRow.id)
                        .limit(EXPORT_CHUNK * 4)
                    ).all()
                    records = [_audit_record(row) for row in rows]
                if not records:
                    return
                yield from records
                last = records[-1].id

        return ExportStream(
            exported_at=now,
            exported_by=actor.username,
            case_count=case_count or 0,
            audit_count=audit_count or 0,
            scope=scope,
            cases=cases,
            audit=audit,
            chain_head=head,
        )

    def record_export(
        self, actor: User, stream: ExportStream, *, file_name: str, sha256: str, size: int
    ) -> AuditRecord:
        """Record in the audit trail that the workbook of ``stream`` was written, naming the
        file, its SHA-256 and the chain head it holds. Called once the file is complete."""
        require_officer(actor, "export decisions")
        with self._transaction() as session:
            row = self._audit(
                session,
                actor,
                None,
                "decisions_exported",
                detail={
                    "cases": stream.case_count,
                    "scope": stream.scope,
                    "file": file_name,
                    "sha256": sha256,
                    "bytes": size,
                    "chain_head": str(stream.chain_head) if stream.chain_head else None,
                },
                at=utcnow(),
            )
            return _audit_record(row)

    def record_event(
        self,
        *,
        actor: str,
        role: str,
        action: str,
        target: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditRecord:
        """Record an event that concerns no case (a sign-in, a backup, an upgrade) in the
        audit trail. ``actor`` may be a user name nobody has (a failed sign-in)."""
        with self._transaction() as session:
            row = audit_chain.append(
                session,
                case_id=None,
                at=utcnow(),
                actor=actor,
                actor_role=role,
                action=action,
                target=target,
                detail_json=json.dumps(detail or {}, ensure_ascii=False, default=str),
                list_version=None,
                rules_version=None,
            )
            return _audit_record(row)

    def export_data(self, actor: User, case_filter: CaseFilter | None = None) -> ExportData:
        """All matching cases, their suggestions and the audit trail, in memory (small stores
        and tests; the app and the command stream with :meth:`export_stream`)."""
        stream = self.export_stream(actor, case_filter)
        return ExportData(
            exported_at=stream.exported_at,
            exported_by=stream.exported_by,
            cases=tuple(stream.cases()),
            audit=tuple(stream.audit()),
            chain_head=stream.chain_head,
        )

    def _filtered(self, query: Select, actor: User, case_filter: CaseFilter) -> Select:
        """``query`` over cases restricted to what ``actor`` may see and ``case_filter``."""
        f = case_filter
        if not actor.is_officer:
            query = query.where(CaseRow.researcher == actor.username)
        if f.statuses:
            query = query.where(CaseRow.status.in_(f.statuses))
        if f.decisions:
            query = query.where(CaseRow.decision.in_(f.decisions))
        if f.researcher:
            query = query.where(CaseRow.researcher == f.researcher)
        if f.entry and f.entry.strip():
            code = normalise_code(f.entry)
            query = query.where(
                exists(
                    select(SuggestionRow.id).where(
                        SuggestionRow.case_id == CaseRow.id,
                        or_(
                            SuggestionRow.entry == code,
                            SuggestionRow.code == code,
                            SuggestionRow.code.startswith(code + ".", autoescape=True),
                        ),
                    )
                )
            )
        if f.submitted_from:
            query = query.where(CaseRow.submitted_at >= datetime.combine(f.submitted_from, time()))
        if f.submitted_to:
            until = datetime.combine(f.submitted_to, time()) + timedelta(days=1)
            query = query.where(CaseRow.submitted_at < until)
        if f.awaiting_rereview:
            query = query.where(_AWAITING)
        if f.text and f.text.strip():
            text = " ".join(f.text.split())
            matches = [
                func.lower(CaseRow.title).contains(text.lower(), autoescape=True),
                CaseRow.external_id == text,
            ]
            ref = parse_case_ref(text)
            if ref is not None:
                matches.append(CaseRow.id == ref)
            query = query.where(or_(*matches))
        return query

    @staticmethod
    def _summary_codes(session: Session, case_ids: Sequence[int]) -> dict[int, dict[str, list]]:
        if not case_ids:
            return {}
        rows = session.execute(
            select(
                SuggestionRow.case_id, SuggestionRow.code, SuggestionRow.rank, SuggestionRow.status
            )
            .where(SuggestionRow.case_id.in_(case_ids))
            .where(or_(SuggestionRow.rank <= SUMMARY_CODES, SuggestionRow.status == "confirmed"))
            .order_by(SuggestionRow.case_id, SuggestionRow.rank, SuggestionRow.id)
        ).all()
        codes: dict[int, dict[str, list]] = {}
        for case_id, code, rank, status in rows:
            parts = codes.setdefault(case_id, {"suggested": [], "confirmed": []})
            if rank is not None and rank <= SUMMARY_CODES:
                parts["suggested"].append(code)
            if status == "confirmed":
                parts["confirmed"].append(code)
        return codes

    @staticmethod
    def _external_ids(session: Session, external_ids: Sequence[str]) -> dict[str, int]:
        wanted = sorted({i for i in external_ids if i})
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for external_id, case_id in session.execute(
                select(CaseRow.external_id, CaseRow.id).where(CaseRow.external_id.in_(chunk))
            ):
                found.setdefault(external_id, case_id)
        return found

    # -- changes by the researcher or an officer ------------------------------------------

    def set_answer(
        self, actor: User, case_id: int, key: str, value: AnswerInput, *, expected_version: int
    ) -> int:
        """Record or change an answer to an exemption or end-use question; returns the case's
        new version. A researcher may change answers until an officer starts the review."""
        _check_answers({key: value})
        now = utcnow()
        with self._transaction() as session:
            case = self._load_case(session, actor, case_id, lock=True)
            if not actor.is_officer and case.status == "decided":
                raise CaseInputError(
                    f"{case_ref(case_id)} is decided; ask an officer to reopen it first."
                )
            if not actor.is_officer and case.status != "submitted":
                raise CaseInputError(
                    f"{case_ref(case_id)} is {CASE_STATUSES[case.status].lower()}: answers can "
                    "only be changed before an officer starts the review. Ask the officer."
                )
            version = self._bump_case(session, case, expected_version, now)
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
            return version

    def update_case(
        self,
        actor: User,
        case_id: int,
        *,
        expected_version: int,
        title: str | None = None,
        partner_country: str | None = None,
        visitor_nationality: str | None = None,
        visitor_level: str | None = None,
        abstract: str | None = None,
        result: SuggestionResult | None = None,
    ) -> int:
        """The researcher corrects their case before an officer starts the review: title,
        partner and visitor details, or the abstract with its new screening (which replaces
        the suggestions; none has been reviewed yet). ``None`` keeps a field, ``""`` clears
        it. Returns the case's new version."""
        if (abstract is None) != (result is None):
            raise CaseInputError("A changed abstract needs its new screening result.")
        now = utcnow()
        with self._transaction() as session:
            case = self._load_case(session, actor, case_id, lock=True)
            if case.researcher != actor.username:
                raise CaseInputError(
                    f"Only the researcher who owns {case_ref(case_id)} can change it."
                )
            if case.status != "submitted":
                raise CaseInputError(
                    f"{case_ref(case_id)} is {CASE_STATUSES[case.status].lower()}: it can only "
                    "be changed before an officer starts the review. Ask the officer."
                )
            values: dict[str, Any] = {}
            if title is not None:
                title = " ".join(title.split())[:MAX_TITLE_CHARS]
                if not title:
                    raise CaseInputError("Give the case a title.")
                values["title"] = title
            for name, value in (
                ("partner_country", partner_country),
                ("visitor_nationality", visitor_nationality),
                ("visitor_level", visitor_level),
            ):
                if value is not None:
                    values[name] = value or None
            if abstract is not None and result is not None:
                if not abstract.strip():
                    raise CaseInputError("The abstract is empty.")
                atas_summary, rules_version = summarise_atas(result)
                values.update(
                    abstract=abstract,
                    result_json=_result_json(result),
                    list_version=result.list_version,
                    atas_summary=atas_summary,
                    rules_version=rules_version,
                )
            changed = sorted(k for k, v in values.items() if getattr(case, k) != v)
            if not changed:
                return case.version
            version = self._bump_case(session, case, expected_version, now, values=values)
            if abstract is not None and result is not None:
                for row in list(case.suggestions):
                    session.delete(row)
                session.flush()
                for row in _suggestion_rows(result):
                    row.case_id = case.id
                    session.add(row)
            self._audit(
                session,
                actor,
                case,
                "case_updated",
                target=case_ref(case_id),
                detail={
                    "changed": [c for c in changed if c != "result_json"],
                    **{k: values[k] for k in changed if k not in ("abstract", "result_json")},
                },
                at=now,
            )
            return version

    def withdraw(self, actor: User, case_id: int, *, reason: str, expected_version: int) -> int:
        """The researcher withdraws their case before it is decided; returns its new version."""
        reason = reason.strip()
        if not reason:
            raise CaseInputError("Say why the case is withdrawn.")
        now = utcnow()
        with self._transaction() as session:
            case = self._load_case(session, actor, case_id, lock=True)
            if case.researcher != actor.username:
                raise CaseInputError(
                    f"Only the researcher who owns {case_ref(case_id)} can withdraw it."
                )
            if case.status not in ("submitted", "in_review"):
                raise CaseInputError(
                    f"{case_ref(case_id)} is {CASE_STATUSES[case.status].lower()}; only a case "
                    "waiting for review can be withdrawn."
                )
            version = self._bump_case(
                session, case, expected_version, now, values={"status": "withdrawn"}
            )
            self._audit(
                session,
                actor,
                case,
                "case_withdrawn",
                target=case_ref(case_id),
                detail={"reason": reason, "status_was": case.status},
                at=now,
            )
            return version

    # -- officer actions ------------------------------------------------------------------

    def review_suggestion(
        self,
        actor: User,
        suggestion_id: int,
        *,
        status: str,
        note: str | None,
        expected_version: int,
    ) -> tuple[int, int]:
        """Confirm or reject one suggested entry (a rejection needs a note); returns the new
        versions of the suggestion and of its case."""
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
                    f"{case_ref(case.id)} {self._decided_by(case)}; nothing was "
                    "changed. Reload the case, and reopen it before changing its entries."
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
                raise self._changed_error(session, case.id, row.code, f"{row.code} on ")
            case_version = self._touch_case(session, case, now, status_if_submitted="in_review")
            self._audit(
                session,
                actor,
                case,
                f"suggestion_{status}",
                target=row.code,
                detail={"before": before, "after": status, "note": note, "list": row.list_name},
                at=now,
            )
            return expected_version + 1, case_version

    def add_entry(
        self,
        actor: User,
        case_id: int,
        entry: NewEntry,
        *,
        note: str | None,
        expected_version: int | None = None,
    ) -> int:
        """Add an entry the suggestions missed, confirmed by the officer adding it; returns
        the new suggestion's id. With ``expected_version``, the case must not have changed
        since the officer opened it."""
        require_officer(actor, "add entries to a case")
        now = utcnow()
        with self._transaction() as session:
            case = self._load_case(session, actor, case_id, lock=True)
            if case.status == "decided":
                raise CaseInputError(
                    f"{case_ref(case_id)} {self._decided_by(case)}; nothing was "
                    "changed. Reload the case, and reopen it before changing its entries."
                )
            if any(s.code == entry.code for s in case.suggestions):
                raise CaseInputError(
                    f"{entry.code} is already on {case_ref(case_id)}; confirm it there."
                )
            if expected_version is not None and case.version != expected_version:
                raise self._changed_error(session, case.id)
            row = SuggestionRow(
                case_id=case.id,
                rank=None,
                code=entry.code,
                entry=entry.entry,
                list_name=entry.list_name,
                title=entry.title,
                score=None,
                reason="Added by an officer",
                evidence_text="",
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
        list_version: str | None = None,
    ) -> int:
        """Record the officer's decision on the case, made under ``list_version`` (the list in
        use; by default the one the case was screened against); returns its new version. A
        case awaiting re-review after a list amendment is settled by the new decision."""
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
            if case.version != expected_version:
                # Changed since the officer opened it: say by whom, before judging the decision
                # against entries the officer has not seen.
                raise self._changed_error(session, case.id)
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
            if case.status == "withdrawn":
                raise CaseInputError(f"{case_ref(case_id)} was withdrawn by the researcher.")
            before = {"decision": case.decision, "atas_decision": case.atas_decision}
            if list_version is None:
                # a case awaiting re-review is decided under the version that touched it
                list_version = session.scalar(
                    select(AmendmentReviewRow.to_version)
                    .where(
                        AmendmentReviewRow.case_id == case.id,
                        AmendmentReviewRow.resolved_at.is_(None),
                    )
                    .order_by(AmendmentReviewRow.id.desc())
                    .limit(1)
                )
            version = self._bump_case(
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
                    "decision_list_version": list_version or case.list_version,
                },
            )
            decided_under = list_version or case.list_version
            self._settle_amendments(
                session,
                actor,
                case,
                now,
                resolution="redecided",
                note=note,
                decision=decision,
                list_version=decided_under,
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
                    "list_version": decided_under,
                },
                at=now,
                list_version=decided_under,
            )
            return version

    def reopen(self, actor: User, case_id: int, *, reason: str, expected_version: int) -> int:
        """Take a decided case back into review; the earlier decision stays in the audit trail.
        Returns the case's new version."""
        require_officer(actor, "reopen cases")
        reason = reason.strip()
        if not reason:
            raise CaseInputError("Say why the case is reopened.")
        now = utcnow()
        with self._transaction() as session:
            case = self._load_case(session, actor, case_id, lock=True)
            if case.version != expected_version:
                raise self._changed_error(session, case.id)
            if case.status != "decided":
                raise CaseInputError(f"{case_ref(case_id)} is not decided.")
            version = self._bump_case(
                session, case, expected_version, now, values={"status": "in_review"}
            )
            self._audit(
                session,
                actor,
                case,
                "case_reopened",
                target=case_ref(case_id),
                detail={"reason": reason, "decision_was": case.decision},
                at=now,
            )
            return version

    # -- list amendments ---------------------------------------------------------------------

    def list_in_use(self) -> str | None:
        """The list version cases were last checked against (None before the first check)."""
        with self._read() as session:
            row = session.get(MetaRow, LIST_IN_USE_KEY)
            return row.value if row is not None else None

    def set_list_in_use(self, version: str) -> None:
        with self._transaction() as session:
            row = session.get(MetaRow, LIST_IN_USE_KEY)
            if row is None:
                session.add(MetaRow(key=LIST_IN_USE_KEY, value=version))
            else:
                row.value = version

    def list_versions_of_cases(self, actor: User) -> dict[str, int]:
        """How many cases (not withdrawn) stand under each list version: the one they were
        decided under, or screened against while undecided (officers)."""
        require_officer(actor, "check cases against a list version")
        query = (
            select(_STANDS_UNDER, func.count(CaseRow.id))
            .where(CaseRow.status != "withdrawn")
            .group_by(_STANDS_UNDER)
        )
        with self._read() as session:
            return {version: count for version, count in session.execute(query).all()}

    def codes_under(self, actor: User, list_version: str) -> dict[int, tuple[str, ...]]:
        """The codes on every case (not withdrawn) that stands under ``list_version``: its
        suggestions, confirmed, rejected or not reviewed, and the entries officers added."""
        require_officer(actor, "check cases against a list version")
        query = (
            select(SuggestionRow.case_id, SuggestionRow.code)
            .join(CaseRow, CaseRow.id == SuggestionRow.case_id)
            .where(CaseRow.status != "withdrawn", _STANDS_UNDER == list_version)
            .order_by(SuggestionRow.case_id, SuggestionRow.id)
        )
        codes: dict[int, list[str]] = {}
        with self._read() as session:
            ids = session.scalars(
                select(CaseRow.id).where(
                    CaseRow.status != "withdrawn", _STANDS_UNDER == list_version
                )
            ).all()
            for case_id in ids:
                codes[case_id] = []
            for case_id, code in session.execute(query):
                codes[case_id].append(code)
        return {case_id: tuple(found) for case_id, found in codes.items()}

    def flag_amendment(
        self,
        actor: User,
        case_id: int,
        *,
        from_version: str,
        to_version: str,
        codes: Sequence[str],
        changes: Sequence[Mapping[str, Any]],
        summaries: Sequence[str] = (),
    ) -> int | None:
        """Mark a case as awaiting re-review because ``to_version`` changed clauses its entries
        stand on; ``changes`` is that part of the diff. Its decision is left as it is. Returns
        the review's id, or None when the case was already flagged for ``to_version``."""
        require_officer(actor, "flag cases for re-review")
        now = utcnow()
        with self._transaction() as session:
            case = self._load_case(session, actor, case_id, load_parts=False)
            already = session.scalar(
                select(AmendmentReviewRow.id).where(
                    AmendmentReviewRow.case_id == case_id,
                    AmendmentReviewRow.to_version == to_version,
                )
            )
            if already is not None:
                return None
            row = AmendmentReviewRow(
                case_id=case_id,
                from_version=from_version,
                to_version=to_version,
                flagged_at=now,
                flagged_by=actor.username,
                codes=",".join(codes),
                changes_json=json.dumps(list(changes), ensure_ascii=False, default=str),
                decision_was=case.decision,
                decided_under=(case.decision_list_version or case.list_version)
                if case.decision
                else None,
            )
            try:
                with session.begin_nested():
                    session.add(row)
                    session.flush()
            except IntegrityError:
                return None  # flagged by another process a moment ago
            self._audit(
                session,
                actor,
                case,
                "amendment_flagged",
                target=case_ref(case_id),
                detail={
                    "from_version": from_version,
                    "to_version": to_version,
                    "codes": list(codes),
                    "changes": list(summaries)[:50],
                    "decision": case.decision,
                },
                at=now,
            )
            return row.id

    def record_rescreen(
        self, actor: User, *, from_version: str, to_version: str, checked: int, flagged: int
    ) -> None:
        """An audit record of one check of the cases against a new list version."""
        require_officer(actor, "check cases against a list version")
        with self._transaction() as session:
            self._audit(
                session,
                actor,
                None,
                "list_rescreened",
                detail={
                    "from_version": from_version,
                    "to_version": to_version,
                    "checked": checked,
                    "flagged": flagged,
                },
                at=utcnow(),
            )

    def store_amendment_result(
        self, actor: User, review_id: int, result: SuggestionResult
    ) -> AmendmentReview:
        """Keep the suggestions under the new list version with the review (once: the first
        screening stays); returns the review."""
        require_officer(actor, "screen a case again")
        with self._transaction() as session:
            row = session.get(AmendmentReviewRow, review_id)
            if row is None:
                raise CaseNotFoundError(f"No amendment review {review_id}.")
            if result.list_version != row.to_version:
                raise CaseInputError(
                    f"The screening was made under {result.list_version}, not {row.to_version}."
                )
            if row.result_json is None:
                row.result_json = _result_json(result, with_evidence=True)
            session.flush()
            return _amendment_record(row)

    def reconfirm(
        self,
        actor: User,
        case_id: int,
        *,
        review_id: int,
        note: str | None,
        expected_version: int,
    ) -> int:
        """The officer has read what changed and keeps the decision under the new version:
        recorded as made under it, and audited with the decision, the versions and the note.
        Returns the case's new version. To change the decision, reopen the case instead."""
        require_officer(actor, "re-confirm decisions")
        note = (note or "").strip() or None
        now = utcnow()
        with self._transaction() as session:
            case = self._load_case(session, actor, case_id, lock=True, load_parts=False)
            review = session.get(AmendmentReviewRow, review_id)
            if review is None or review.case_id != case_id:
                raise CaseNotFoundError(f"No amendment review {review_id} on {case_ref(case_id)}.")
            if review.resolved_at is not None:
                raise ConcurrentEditError(
                    f"{case_ref(case_id)} was already re-reviewed by {review.resolved_by} at "
                    f"{review.resolved_at:%Y-%m-%d %H:%M} UTC.",
                    changed_by=review.resolved_by,
                    changed_at=review.resolved_at,
                )
            if case.status != "decided" or case.decision is None:
                raise CaseInputError(
                    f"{case_ref(case_id)} is not decided: decide it under {review.to_version}."
                )
            decided_under = case.decision_list_version or case.list_version
            version = self._bump_case(
                session,
                case,
                expected_version,
                now,
                values={"decision_list_version": review.to_version},
            )
            review.resolved_at = now
            review.resolved_by = actor.username
            review.resolution = "reconfirmed"
            review.note = note
            self._audit(
                session,
                actor,
                case,
                "decision_reconfirmed",
                target=case_ref(case_id),
                detail={
                    "from_version": review.from_version,
                    "to_version": review.to_version,
                    "decided_under_before": decided_under,
                    "decision": case.decision,
                    "atas_decision": case.atas_decision,
                    "codes": [c for c in review.codes.split(",") if c],
                    "note": note,
                },
                at=now,
                list_version=review.to_version,
            )
            return version

    def _settle_amendments(
        self,
        session: Session,
        actor: User,
        case: CaseRow,
        now: datetime,
        *,
        resolution: str,
        note: str | None,
        decision: str,
        list_version: str,
    ) -> None:
        """Close the case's open amendment reviews: a new decision settles them."""
        reviews = session.scalars(
            select(AmendmentReviewRow).where(
                AmendmentReviewRow.case_id == case.id, AmendmentReviewRow.resolved_at.is_(None)
            )
        ).all()
        for review in reviews:
            review.resolved_at = now
            review.resolved_by = actor.username
            review.resolution = resolution
            review.note = note
            self._audit(
                session,
                actor,
                case,
                "amendment_redecided",
                target=case_ref(case.id),
                detail={
                    "from_version": review.from_version,
                    "to_version": review.to_version,
                    "decision_was": review.decision_was,
                    "decision": decision,
                    "codes": [c for c in review.codes.split(",") if c],
                },
                at=now,
                list_version=list_version,
            )

    # -- helpers ----------------------------------------------------------------------------

    def _load_case(
        self,
        session: Session,
        actor: User,
        case_id: int,
        *,
        lock: bool = False,
        load_parts: bool = True,
    ) -> CaseRow:
        """The case, if ``actor`` may see it; ``lock`` holds its row until the transaction ends
        (PostgreSQL; SQLite's immediate transactions already hold the database)."""
        options = [selectinload(CaseRow.suggestions), selectinload(CaseRow.answers)]
        case = session.get(
            CaseRow,
            case_id,
            options=options if load_parts else [defer(CaseRow.result_json)],
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
    ) -> int:
        """Change the case if it is still at ``expected_version``; its new version."""
        changed = session.execute(
            update(CaseRow)
            .where(CaseRow.id == case.id)
            .where(CaseRow.version == expected_version)
            .values(updated_at=now, version=CaseRow.version + 1, **(values or {}))
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed != 1:
            raise self._changed_error(session, case.id)
        return expected_version + 1

    def _touch_case(
        self, session: Session, case: CaseRow, now: datetime, *, status_if_submitted: str
    ) -> int:
        """Record that a part of the case changed (no version check: parts lock themselves);
        the case's new version."""
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
        return session.scalar(select(CaseRow.version).where(CaseRow.id == case.id)) or 0

    @staticmethod
    def _decided_by(case: CaseRow) -> str:
        """``was decided by olu at 2026-01-05 10:12 UTC`` (who decided the case last)."""
        if case.officer is None or case.decided_at is None:
            return "is decided"
        return f"was decided by {case.officer} at {case.decided_at:%Y-%m-%d %H:%M} UTC"

    @staticmethod
    def _changed_error(
        session: Session, case_id: int, target: str | None = None, what: str = ""
    ) -> ConcurrentEditError:
        """The refusal of a stale save, naming who changed the record first and when."""
        query = select(AuditRow).where(AuditRow.case_id == case_id)
        if target is not None:
            query = query.where(AuditRow.target == target)
        last = session.scalars(query.order_by(AuditRow.id.desc()).limit(1)).first()
        if last is None:
            who = "someone else"
        else:
            who = (
                f"{last.actor} at {last.at:%Y-%m-%d %H:%M} UTC "
                f"({action_label(last.action).lower()})"
            )
        return ConcurrentEditError(
            f"{what}{case_ref(case_id)} was changed by {who} after you opened it. Nothing was "
            "overwritten: reload the case to see the change, then save again.",
            changed_by=last.actor if last is not None else None,
            changed_at=last.at if last is not None else None,
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
        list_version: str | None = None,
    ) -> AuditRow:
        """Append an audit record. Its list version is the one the case stands under: the
        version its decision was made under, or else the one it was screened against;
        ``list_version`` names it when the action itself changes it (a decision, a
        re-confirmation), since the case row read earlier does not show the change yet."""
        if list_version is None and case is not None:
            list_version = case.decision_list_version or case.list_version
        return audit_chain.append(
            session,
            case_id=case.id if case is not None else None,
            at=at,
            actor=actor.username,
            actor_role=actor.role,
            action=action,
            target=target,
            detail_json=json.dumps(detail or {}, ensure_ascii=False, default=str),
            list_version=list_version,
            rules_version=case.rules_version if case is not None else None,
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


def _result_json(result: SuggestionResult, *, with_evidence: bool = False) -> str:
    """The screening result as stored with the case. Each candidate's evidence and threshold
    checks are stored once, on its suggestion row, not again here (``with_evidence`` keeps
    them: a re-screening has no suggestion rows of its own)."""
    data = result.to_dict()
    if with_evidence:
        return json.dumps(data, ensure_ascii=False, default=str)
    data["controls"] = [
        {k: v for k, v in candidate.items() if k not in ("evidence", "thresholds")}
        for candidate in data.get("controls") or ()
    ]
    return json.dumps(data, ensure_ascii=False, default=str)


def _suggestion_rows(result: SuggestionResult) -> list[SuggestionRow]:
    return [
        _suggestion_row(rank, candidate, [e.to_dict() for e in candidate.evidence])
        for rank, candidate in enumerate(result.controls, start=1)
    ]


def _suggestion_row(rank: int, candidate: Any, evidence: list[dict[str, Any]]) -> SuggestionRow:
    return SuggestionRow(
        rank=rank,
        code=candidate.code,
        entry=candidate.entry,
        list_name=candidate.list_name,
        title=candidate.title,
        score=float(candidate.score),
        reason=candidate.reason,
        evidence_json=json.dumps(evidence, ensure_ascii=False),
        evidence_text=evidence_summary(evidence),
        thresholds_json=json.dumps([t.to_dict() for t in candidate.thresholds], ensure_ascii=False),
        related=",".join(candidate.related),
        source="suggested",
        status="pending",
        version=1,
    )


_EXPORT_CASE_COLUMNS = (
    *(column for column in CaseRow.__table__.columns if column.name != "result_json"),
    json_text(CaseRow.result_json, "screening", "verdict").label("screening_verdict"),
)
_SUGGESTION_COLUMNS = (
    *(c for c in SuggestionRow.__table__.columns if c.name != "evidence_json"),
    # The evidence itself only where its words were not stored (rows from before).
    sql_case(
        (SuggestionRow.evidence_text.is_(None), SuggestionRow.evidence_json), else_=None
    ).label("evidence_json"),
)
_ANSWER_COLUMNS = tuple(AnswerRow.__table__.columns)


def _export_records(session: Session, rows: Sequence[Any]) -> list[CaseRecord]:
    """Case records (without the stored screening result) for rows of ``_EXPORT_CASE_COLUMNS``,
    with their suggestions and answers read in two queries."""
    ids = [row.id for row in rows]
    if not ids:
        return []
    suggestions: dict[int, list[SuggestionRecord]] = {i: [] for i in ids}
    for s in session.execute(
        select(*_SUGGESTION_COLUMNS)
        .where(SuggestionRow.case_id.in_(ids))
        .order_by(
            SuggestionRow.case_id,
            SuggestionRow.rank.is_(None),
            SuggestionRow.rank,
            SuggestionRow.id,
        )
    ):
        suggestions[s.case_id].append(_suggestion_record(s))
    answers: dict[int, list[AnswerRecord]] = {i: [] for i in ids}
    for a in session.execute(
        select(*_ANSWER_COLUMNS).where(AnswerRow.case_id.in_(ids)).order_by(AnswerRow.id)
    ):
        answers[a.case_id].append(_answer_record(a))
    reviews = _amendment_reviews(session, ids, details=False)
    return [
        CaseRecord(
            **row._asdict(),
            result={},
            suggestions=tuple(suggestions[row.id]),
            answers=tuple(answers[row.id]),
            amendment_reviews=reviews.get(row.id, ()),
        )
        for row in rows
    ]


def _amendment_reviews(
    session: Session, case_ids: Sequence[int], *, details: bool = True
) -> dict[int, tuple[AmendmentReview, ...]]:
    """The amendment reviews of these cases, oldest first; without ``details`` (exports), not
    the changes and suggestions they hold."""
    if not case_ids:
        return {}
    query = select(AmendmentReviewRow).where(AmendmentReviewRow.case_id.in_(case_ids))
    if not details:
        query = query.options(
            defer(AmendmentReviewRow.changes_json), defer(AmendmentReviewRow.result_json)
        )
    found: dict[int, list[AmendmentReview]] = {}
    for row in session.scalars(query.order_by(AmendmentReviewRow.id)):
        found.setdefault(row.case_id, []).append(_amendment_record(row, details=details))
    return {case_id: tuple(rows) for case_id, rows in found.items()}


def _amendment_record(row: AmendmentReviewRow, *, details: bool = True) -> AmendmentReview:
    return AmendmentReview(
        id=row.id,
        case_id=row.case_id,
        from_version=row.from_version,
        to_version=row.to_version,
        flagged_at=row.flagged_at,
        flagged_by=row.flagged_by,
        codes=tuple(code for code in (row.codes or "").split(",") if code),
        changes=tuple(_loads(row.changes_json, [])) if details else (),
        decision_was=row.decision_was,
        decided_under=row.decided_under,
        result=_loads(row.result_json, None) if details else None,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        resolution=row.resolution,
        note=row.note,
    )


#: The list version a case stands under: the one it was decided under, else screened against.
_STANDS_UNDER = func.coalesce(CaseRow.decision_list_version, CaseRow.list_version)
#: Whether a case awaits re-review after a list amendment (an open amendment review).
_AWAITING = exists(
    select(AmendmentReviewRow.id).where(
        AmendmentReviewRow.case_id == CaseRow.id, AmendmentReviewRow.resolved_at.is_(None)
    )
)

_SUMMARY_COLUMNS = (
    CaseRow.id,
    CaseRow.external_id,
    CaseRow.title,
    CaseRow.researcher,
    CaseRow.researcher_name,
    CaseRow.status,
    CaseRow.decision,
    CaseRow.atas_decision,
    CaseRow.officer,
    CaseRow.submitted_at,
    CaseRow.decided_at,
    CaseRow.updated_at,
    CaseRow.version,
    _AWAITING.label("awaiting_rereview"),
)


def _ordered(query: Select, sort: str, *, flagged_first: bool = False) -> Select:
    """``query`` in the chosen order; with ``flagged_first``, cases a newer list version
    touches (awaiting re-review) come before all others."""
    orders = {
        "newest": (CaseRow.id.desc(),),
        "oldest": (CaseRow.id.asc(),),
        "updated": (CaseRow.updated_at.desc(), CaseRow.id.desc()),
        "title": (func.lower(CaseRow.title), CaseRow.id.desc()),
        "researcher": (CaseRow.researcher_name, CaseRow.id.desc()),
    }
    first = (sql_case((_AWAITING, 0), else_=1),) if flagged_first else ()
    return query.order_by(*first, *orders[sort])


def _suggestion_record(row: Any) -> SuggestionRecord:
    """From a mapped suggestion row or a plain row of its columns (exports)."""
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
        evidence_text=row.evidence_text,
    )


def _case_record(
    row: CaseRow, *, with_result: bool = True, reviews: Sequence[AmendmentReview] = ()
) -> CaseRecord:
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
        decision_list_version=row.decision_list_version,
        amendment_reviews=tuple(reviews),
        rules_version=row.rules_version,
        atas_summary=row.atas_summary,
        result=_loads(row.result_json, {}) if with_result else {},
        version=row.version,
        suggestions=tuple(_suggestion_record(s) for s in suggestions),
        answers=tuple(_answer_record(a) for a in row.answers),
    )


def _answer_record(row: Any) -> AnswerRecord:
    """From a mapped answer row or a plain row of its columns (exports)."""
    return AnswerRecord(
        key=row.key,
        question=row.question,
        answer=row.answer,
        comment=row.comment,
        answered_by=row.answered_by,
        answered_at=row.answered_at,
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
        record_hash=row.record_hash,
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
