"""Review: officers work through the queue, confirm or reject each suggestion with a note, add
entries the tool missed, and record the decision.

The queue is a page of case summaries (filtered and sorted in the database); only the case an
officer opens is loaded with its suggestions. Opening a case starts an edit: the versions of the
case and of each suggestion the officer sees are kept until they reload the case, and every save
names them. If another officer saved first, the save is refused with who changed what and when,
and nothing is overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from exportctl.auth import User
from exportctl.cases.errors import CaseNotFoundError
from exportctl.cases.records import CaseRecord, SuggestionRecord, parse_case_ref
from exportctl.cases.repository import CaseRepository, NewEntry, utcnow
from exportctl.cases.vocabulary import (
    ANSWERS,
    ATAS_DECISIONS,
    CASE_STATUSES,
    DECISIONS,
    OPEN_STATUSES,
    SUGGESTION_SOURCES,
    SUGGESTION_STATUSES,
)
from exportctl.errors import ExportctlError
from exportctl.lists.store import ControlList
from exportctl.webapp import components, engines
from exportctl.webapp.display import plain, shorten
from exportctl.webapp.session import require_officer_page, require_user

FLASH_KEY = "review_flash"
FLASH_ERROR_KEY = "review_flash_error"
OPEN_KEY = "review_open"
SECTIONS_KEY = "review_sections"  # suggestion id -> its section is open
PICKER_KEY = "review_case"
UNSAVED_KEY = "page_unsaved"
PAGE_SIZE = 50
_ALL = "all"
_OPEN = "open"

QUEUES: dict[str, tuple[str, tuple[str, ...]]] = {
    _OPEN: ("Open", OPEN_STATUSES),
    "submitted": ("Submitted", ("submitted",)),
    "in_review": ("In review", ("in_review",)),
    "decided": ("Decided", ("decided",)),
    "withdrawn": ("Withdrawn", ("withdrawn",)),
    _ALL: ("All", ()),
}


@dataclass
class OpenCase:
    """The case an officer is working on, as it was when they opened it."""

    case_id: int
    case_version: int
    suggestion_versions: dict[int, int] = field(default_factory=dict)
    opened_at: datetime = field(default_factory=utcnow)


def form_values(case: CaseRecord) -> dict[str, Any]:
    """The review form of ``case`` as stored: widget key -> value."""
    values: dict[str, Any] = {}
    for s in case.suggestions:
        values[f"review_s{s.id}_status"] = s.status
        values[f"review_s{s.id}_note"] = s.note or ""
    values[f"review_decision_{case.id}"] = case.decision
    values[f"review_atas_{case.id}"] = case.atas_decision
    values[f"review_note_{case.id}"] = case.decision_note or ""
    values[f"review_reopen_reason_{case.id}"] = ""
    values[f"review_add_note_{case.id}"] = ""
    return values


def open_case(case: CaseRecord) -> None:
    """Start working on ``case``: keep the versions the officer sees and show its stored
    review in the form (set through the session so that the browser shows it too)."""
    st.session_state[OPEN_KEY] = OpenCase(
        case_id=case.id,
        case_version=case.version,
        suggestion_versions={s.id: s.version for s in case.suggestions},
    )
    for key, value in form_values(case).items():
        st.session_state[key] = value
    st.session_state[PICKER_KEY] = case.id
    st.query_params["case"] = case.ref


def _opened() -> OpenCase | None:
    opened = st.session_state.get(OPEN_KEY)
    return opened if isinstance(opened, OpenCase) else None


def _flash(message: str) -> None:
    st.session_state[FLASH_KEY] = message


def _flash_error(error: ExportctlError) -> None:
    st.session_state[FLASH_ERROR_KEY] = error.message


def _after_case_save(opened: OpenCase, new_version: int) -> None:
    """Follow our own save: if nobody else changed the case since it was opened, the form is
    still current at the new version; otherwise keep the old one, so that a later save of
    the case is refused until the officer has seen the other change."""
    if new_version == opened.case_version + 1:
        opened.case_version = new_version


# Save actions run as button callbacks and name the versions kept when the case was opened.


def _on_open(user: User) -> None:
    case_id = st.session_state.get(PICKER_KEY)
    if case_id is None:
        return
    try:
        open_case(engines.repository().get_case(user, case_id))
    except ExportctlError as error:
        _flash_error(error)


def _on_go(user: User) -> None:
    text = st.session_state.get("review_goto") or ""
    case_id = parse_case_ref(text)
    if case_id is None:
        st.session_state[FLASH_ERROR_KEY] = f"'{text}' is not a case reference (e.g. C-00012)."
        return
    try:
        open_case(engines.repository().get_case(user, case_id))
    except ExportctlError as error:
        _flash_error(error)
    st.session_state["review_goto"] = ""


def _on_reload(user: User, case_id: int) -> None:
    try:
        open_case(engines.repository().get_case(user, case_id))
    except ExportctlError as error:
        _flash_error(error)
    else:
        _flash("Reloaded: the case as it is stored now. Your unsaved changes were dropped.")


def _on_toggle(suggestion_id: int) -> None:
    sections = st.session_state.setdefault(SECTIONS_KEY, {})
    sections[suggestion_id] = bool(st.session_state.get(f"review_x{suggestion_id}"))


def _on_review(user: User, suggestion_id: int, code: str) -> None:
    opened = _opened()
    if opened is None:
        return
    prefix = f"review_s{suggestion_id}"
    choice = st.session_state[f"{prefix}_status"]
    try:
        version, case_version = engines.repository().review_suggestion(
            user,
            suggestion_id,
            status=choice,
            note=st.session_state.get(f"{prefix}_note"),
            expected_version=opened.suggestion_versions.get(suggestion_id, 0),
        )
    except ExportctlError as error:
        _flash_error(error)
    else:
        opened.suggestion_versions[suggestion_id] = version
        _after_case_save(opened, case_version)
        _flash(f"{code}: {SUGGESTION_STATUSES[choice].lower()}.")


def _on_add(user: User, case_id: int) -> None:
    opened = _opened()
    code = st.session_state.get(f"review_add_code_{case_id}")
    if not code or opened is None:
        return
    try:
        clause = engines.control_list().get(code)
        suggestion_id = engines.repository().add_entry(
            user,
            case_id,
            NewEntry(
                code=clause.code,
                entry=clause.entry,
                list_name=clause.list_name,
                title=shorten(clause.text, 200),
            ),
            note=st.session_state.get(f"review_add_note_{case_id}"),
            expected_version=opened.case_version,
        )
    except ExportctlError as error:
        _flash_error(error)
    else:
        opened.suggestion_versions[suggestion_id] = 1
        opened.case_version += 1
        st.session_state[f"review_add_note_{case_id}"] = ""
        _flash(f"{clause.code} added and confirmed.")


def _on_decide(user: User, case_id: int, ref: str) -> None:
    opened = _opened()
    decision = st.session_state.get(f"review_decision_{case_id}")
    atas = st.session_state.get(f"review_atas_{case_id}")
    if opened is None:
        return
    if decision is None or atas is None:
        st.session_state[FLASH_ERROR_KEY] = "Choose the export-control and the ATAS decision."
        return
    try:
        version = engines.repository().decide(
            user,
            case_id,
            decision=decision,
            atas_decision=atas,
            note=st.session_state.get(f"review_note_{case_id}"),
            expected_version=opened.case_version,
        )
    except ExportctlError as error:
        _flash_error(error)
    else:
        _after_case_save(opened, version)
        _flash(f"{ref}: {DECISIONS[decision]}.")


def _on_reopen(user: User, case_id: int, ref: str) -> None:
    opened = _opened()
    if opened is None:
        return
    try:
        version = engines.repository().reopen(
            user,
            case_id,
            reason=st.session_state.get(f"review_reopen_reason_{case_id}") or "",
            expected_version=opened.case_version,
        )
    except ExportctlError as error:
        _flash_error(error)
    else:
        _after_case_save(opened, version)
        st.session_state[f"review_reopen_reason_{case_id}"] = ""
        _flash(f"{ref} reopened.")


# -- the page ----------------------------------------------------------------------------------


def render() -> None:
    user = require_user()
    require_officer_page(user)
    repo = engines.repository()
    st.title("Review cases")
    with st.container(key="review_messages"):
        # Always drawn, so that a message appearing or going does not move (and fold up)
        # the sections below it.
        if st.session_state.get(FLASH_KEY):
            st.success(plain(st.session_state.pop(FLASH_KEY)))
        if st.session_state.get(FLASH_ERROR_KEY):
            st.error(plain(st.session_state.pop(FLASH_ERROR_KEY)))
    _deep_link(user, repo)
    page = _queue(user, repo)
    opened = _opened()
    if opened is None and page.items:
        try:
            open_case(repo.get_case(user, page.items[0].id))
        except CaseNotFoundError:
            pass
        opened = _opened()
    _picker(user, repo, page, opened)
    if opened is None:
        return
    try:
        case = repo.get_case(user, opened.case_id)
    except CaseNotFoundError as error:
        st.error(plain(error.message))
        st.session_state.pop(OPEN_KEY, None)
        return
    _case(user, repo, case, opened)


def _deep_link(user: User, repo: CaseRepository) -> None:
    """``?case=C-00012`` opens that case (once: afterwards the address follows the case)."""
    wanted = st.query_params.get("case")
    if not wanted:
        return
    case_id = parse_case_ref(wanted)
    opened = _opened()
    if opened is not None and opened.case_id == case_id:
        return
    if case_id is None:
        st.error(f"'{plain(wanted)}' in the address is not a case reference (e.g. C-00012).")
        del st.query_params["case"]
        return
    try:
        open_case(repo.get_case(user, case_id))
    except CaseNotFoundError as error:
        st.error(plain(error.message))
        del st.query_params["case"]


def _queue(user: User, repo: CaseRepository):
    state = components.case_filter_controls(
        key="review", researchers=repo.researchers(user), page_size=PAGE_SIZE
    )
    counts = repo.count_by_status(user, state.case_filter)
    queue = st.segmented_control(
        "Queue",
        options=list(QUEUES),
        default=_OPEN,
        format_func=lambda q: (
            f"{QUEUES[q][0]} ({sum(counts[s] for s in (QUEUES[q][1] or CASE_STATUSES))})"
        ),
        key="review_status",
        on_change=components.reset_list_page,
        args=("review",),
    )
    statuses = QUEUES[queue or _ALL][1]
    case_filter = replace(state.case_filter, statuses=statuses)
    page = repo.list_case_summaries(
        user, case_filter, sort=state.sort, offset=state.offset, limit=state.limit
    )
    if not page.items:
        st.info("No cases in this queue.")
        return page
    rows = [
        {
            "Case": c.ref,
            "Title": c.title,
            "Researcher": c.researcher_name,
            "Status": c.status_label,
            "Suggested": ", ".join(c.suggested),
            "Confirmed": ", ".join(c.confirmed),
            "Decision": c.decision_label,
            "Submitted (UTC)": c.submitted_at,
        }
        for c in page.items
    ]
    components.case_table(page, rows, key="review")
    return page


def _picker(user: User, repo: CaseRepository, page, opened: OpenCase | None) -> None:
    """Open a case of this page, or any case by its reference. The open case stays in the
    choice even when it leaves the queue (after a decision), so the page does not jump."""
    labels = {c.id: components.case_choice_label(c) for c in page.items}
    if opened is not None and opened.case_id not in labels:
        try:
            labels = {
                opened.case_id: components.case_choice_label(
                    repo.case_summary(user, opened.case_id)
                ),
                **labels,
            }
        except CaseNotFoundError:
            pass
    if not labels:
        return
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    with left:
        st.selectbox(
            "Open case",
            options=list(labels),
            format_func=labels.__getitem__,
            key=PICKER_KEY,
            on_change=_on_open,
            args=(user,),
        )
    with right:
        st.text_input(
            "Go to case",
            key="review_goto",
            placeholder="C-00012",
            on_change=_on_go,
            args=(user,),
        )


def _changed_banner(user: User, repo: CaseRepository, case: CaseRecord, opened: OpenCase) -> None:
    """Say so when someone else changed the case since the officer opened it."""
    if case.version == opened.case_version:
        return
    last = repo.last_change(user, case.id)
    who = (
        f"{last.actor} at {last.at:%Y-%m-%d %H:%M} UTC: {last.summary}"
        if last is not None
        else "someone else"
    )
    with st.container(border=True, key="review_changed"):
        st.warning(
            f"This case was changed after you opened it, by {plain(who)}. Your unsaved changes "
            "are still in the form, but saving a changed record will be refused: reload to see "
            "the change."
        )
        st.button(
            "Reload the case",
            key=f"review_reload_{case.id}",
            on_click=_on_reload,
            args=(user, case.id),
        )


def _case(user: User, repo: CaseRepository, case: CaseRecord, opened: OpenCase) -> None:
    clist = engines.control_list()
    for key, value in form_values(case).items():
        # Widgets that were not drawn in the last run (e.g. after a decision) come back as
        # stored.
        st.session_state.setdefault(key, value)
    st.header(f"{case.ref}: {plain(case.title)}")
    submitted = f"{case.submitted_at:%Y-%m-%d %H:%M} UTC" if case.submitted_at else "—"
    st.caption(
        plain(
            f"Researcher {case.researcher_name} ({case.researcher}) · {case.status_label} · "
            f"list {case.list_version} · submitted {submitted}"
            + (f" · id {case.external_id}" if case.external_id else "")
        )
    )
    _changed_banner(user, repo, case, opened)
    components.disclaimer()
    components.facts_table(
        {
            "Partner country": case.partner_country or "—",
            "Visitor nationality": case.visitor_nationality or "—",
            "Visitor level": case.visitor_level or "—",
            "ATAS (suggested)": case.atas_summary or "—",
            "Source file": case.source_name or "—",
        },
        key="review_details",
    )
    st.markdown("**Abstract** (all suggested evidence marked)")
    components.highlighted_abstract(
        case.abstract, [e for s in case.suggestions for e in s.evidence]
    )
    if case.answers:
        st.markdown("**Researcher's answers**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Question": a.question,
                        "Answer": ANSWERS.get(a.answer, a.answer),
                        "Comment": a.comment or "",
                        "By": a.answered_by,
                    }
                    for a in case.answers
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    st.subheader("Suggested entries")
    components.screening_verdict(case.result.get("screening"))
    components.similar_decided_cases(user, case.result.get("meaning_vector"), exclude=case.ref)
    editable = case.status in OPEN_STATUSES
    for suggestion in case.suggestions:
        _suggestion(user, case, suggestion, clist, editable)
    if editable:
        _add_entry(user, case, clist)
    _decision(user, case)
    with st.expander("Audit trail of this case", key=f"review_audit_{case.id}"):
        trail = repo.audit_trail(user, case.id)
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "When (UTC)": e.at,
                        "Who": e.actor,
                        "Role": e.actor_role,
                        "What": e.summary,
                        "List version": e.list_version,
                    }
                    for e in trail
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    atas = case.result.get("atas")
    if atas or case.result.get("subjects"):
        components.atas_section(case.result.get("subjects") or [], atas)
    stored = form_values(case)
    st.session_state[UNSAVED_KEY] = any(
        st.session_state.get(key) != value
        for key, value in stored.items()
        if key in st.session_state and not key.startswith("review_reopen_reason_")
    )


def _suggestion(
    user: User, case: CaseRecord, s: SuggestionRecord, clist: ControlList, editable: bool
) -> None:
    status = SUGGESTION_STATUSES[s.status]
    origin = "" if s.source == "suggested" else f" · {SUGGESTION_SOURCES[s.source]}"
    candidate = {
        "code": s.code,
        "entry": s.entry,
        "list_name": s.list_name,
        "title": s.title,
        "score": s.score,
        "reason": s.reason,
        "evidence": list(s.evidence),
        "thresholds": list(s.thresholds),
        "related": list(s.related),
    }
    sections = st.session_state.setdefault(SECTIONS_KEY, {})
    # The section's open state is kept here, so it stays open when its label changes (a save
    # changes the status shown in it) or a message comes and goes.
    box = st.expander(
        components.candidate_label(s.rank, candidate, f" · **{status}**{origin}"),
        expanded=sections.get(s.id, False),
        key=f"review_x{s.id}",
        on_change=_on_toggle,
        args=(s.id,),
    )
    with box:
        if not box.open:
            return  # drawn only when open: a case with many suggestions stays quick
        if s.reviewed_by:
            reviewed = f"{s.reviewed_at:%Y-%m-%d %H:%M} UTC" if s.reviewed_at else ""
            st.caption(plain(f"{status} by {s.reviewed_by} on {reviewed}"))
            if s.note:
                components.text_block(f"Note: {s.note}")
        if editable:
            prefix = f"review_s{s.id}"
            st.radio(
                "Review",
                options=list(SUGGESTION_STATUSES),
                format_func=SUGGESTION_STATUSES.__getitem__,
                horizontal=True,
                key=f"{prefix}_status",
            )
            st.text_input("Note (required to reject)", key=f"{prefix}_note")
            st.button(
                "Save review",
                key=f"{prefix}_save",
                on_click=_on_review,
                args=(user, s.id, s.code),
            )
        components.candidate_details(candidate, case.abstract, clist)


def _add_entry(user: User, case: CaseRecord, clist: ControlList) -> None:
    st.markdown("**Add an entry the tool missed**")
    query = st.text_input(
        "Search the lists by code or words",
        key=f"review_add_query_{case.id}",
        placeholder="e.g. 6A005 or fibre laser",
    )
    matches = clist.search(query, limit=30) if query.strip() else []
    if query.strip() and not matches:
        st.caption("Nothing found; try fewer words or a code.")
    if not matches:
        return
    by_code = {c.code: c for c in matches}
    st.selectbox(
        "Entry",
        options=list(by_code),
        format_func=lambda c: f"{c} — {shorten(by_code[c].text, 90)}",
        key=f"review_add_code_{case.id}",
    )
    st.text_input("Why it applies", key=f"review_add_note_{case.id}")
    st.button(
        "Add entry", key=f"review_add_submit_{case.id}", on_click=_on_add, args=(user, case.id)
    )


def _decision(user: User, case: CaseRecord) -> None:
    st.subheader("Decision")
    if case.status == "withdrawn":
        st.info("The researcher withdrew this case; there is nothing to decide.")
        return
    if case.status == "decided":
        decided = f"{case.decided_at:%Y-%m-%d %H:%M} UTC" if case.decided_at else ""
        st.success(
            f"**{case.decision_label}** · {case.atas_decision_label} — by "
            f"{plain(case.officer or '')} on {decided}"
        )
        if case.decision_note:
            components.text_block(case.decision_note)
        st.text_input("Reason to reopen", key=f"review_reopen_reason_{case.id}")
        st.button(
            "Reopen the case",
            key=f"review_reopen_{case.id}",
            on_click=_on_reopen,
            args=(user, case.id, case.ref),
        )
        return
    if case.pending_count:
        st.caption(f"{case.pending_count} suggested entries are not reviewed yet.")
    if case.confirmed_codes:
        st.caption(plain(f"Confirmed: {', '.join(case.confirmed_codes)}"))
    st.selectbox(
        "Export-control decision",
        options=list(DECISIONS),
        format_func=DECISIONS.__getitem__,
        index=None,
        placeholder="Choose a decision",
        key=f"review_decision_{case.id}",
    )
    st.selectbox(
        "ATAS decision",
        options=list(ATAS_DECISIONS),
        format_func=ATAS_DECISIONS.__getitem__,
        index=None,
        placeholder="Choose the ATAS decision",
        key=f"review_atas_{case.id}",
    )
    st.text_area("Decision note", key=f"review_note_{case.id}")
    st.button(
        "Save decision",
        key=f"review_decide_{case.id}",
        type="primary",
        on_click=_on_decide,
        args=(user, case.id, case.ref),
    )
