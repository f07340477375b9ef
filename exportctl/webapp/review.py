"""Review: officers work through the queue, confirm or reject each suggestion with a note, add
entries the tool missed, and record the decision. Every save is checked against the version the
officer was looking at, so two officers never silently overwrite each other."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from exportctl.auth import User
from exportctl.cases.records import CaseRecord, SuggestionRecord
from exportctl.cases.repository import NewEntry
from exportctl.cases.vocabulary import (
    ANSWERS,
    ATAS_DECISIONS,
    CASE_STATUSES,
    DECISIONS,
    SUGGESTION_SOURCES,
    SUGGESTION_STATUSES,
)
from exportctl.errors import ExportctlError
from exportctl.webapp import components, engines
from exportctl.webapp.display import md_escape, shorten
from exportctl.webapp.session import require_officer_page, require_user

FLASH_KEY = "review_flash"
FLASH_ERROR_KEY = "review_flash_error"
_ALL = "all"
_OPEN = "open"


def _flash(message: str) -> None:
    st.session_state[FLASH_KEY] = message


def _flash_error(error: ExportctlError) -> None:
    st.session_state[FLASH_ERROR_KEY] = error.message


# Save actions run as button callbacks: their arguments are bound when the page is drawn, so a
# save names the version of the record the officer was looking at, and a change saved by
# someone else in between is refused instead of overwritten.


def _on_review(user: User, suggestion_id: int, code: str, version: int, prefix: str) -> None:
    choice = st.session_state[f"{prefix}_status"]
    try:
        engines.repository().review_suggestion(
            user,
            suggestion_id,
            status=choice,
            note=st.session_state.get(f"{prefix}_note"),
            expected_version=version,
        )
    except ExportctlError as error:
        _flash_error(error)
    else:
        _flash(f"{code}: {SUGGESTION_STATUSES[choice].lower()}.")


def _on_add(user: User, case_id: int) -> None:
    code = st.session_state.get(f"review_add_code_{case_id}")
    if not code:
        return
    try:
        clause = engines.control_list().get(code)
        engines.repository().add_entry(
            user,
            case_id,
            NewEntry(
                code=clause.code,
                entry=clause.entry,
                list_name=clause.list_name,
                title=shorten(clause.text, 200),
            ),
            note=st.session_state.get(f"review_add_note_{case_id}"),
        )
    except ExportctlError as error:
        _flash_error(error)
    else:
        _flash(f"{clause.code} added and confirmed.")


def _on_decide(user: User, case_id: int, ref: str, version: int) -> None:
    decision = st.session_state[f"review_decision_{case_id}"]
    try:
        engines.repository().decide(
            user,
            case_id,
            decision=decision,
            atas_decision=st.session_state[f"review_atas_{case_id}"],
            note=st.session_state.get(f"review_note_{case_id}"),
            expected_version=version,
        )
    except ExportctlError as error:
        _flash_error(error)
    else:
        _flash(f"{ref}: {DECISIONS[decision]}.")


def _on_reopen(user: User, case_id: int, ref: str, version: int) -> None:
    try:
        engines.repository().reopen(
            user,
            case_id,
            reason=st.session_state.get(f"review_reopen_reason_{case_id}") or "",
            expected_version=version,
        )
    except ExportctlError as error:
        _flash_error(error)
    else:
        _flash(f"{ref} reopened.")


def render() -> None:
    user = require_user()
    require_officer_page(user)
    repo = engines.repository()
    st.title("Review cases")
    if st.session_state.get(FLASH_KEY):
        st.success(st.session_state.pop(FLASH_KEY))
    if st.session_state.get(FLASH_ERROR_KEY):
        st.error(st.session_state.pop(FLASH_ERROR_KEY))
    counts = repo.count_by_status(user)
    queues = {
        _OPEN: ("Open", ("submitted", "in_review")),
        "submitted": ("Submitted", ("submitted",)),
        "in_review": ("In review", ("in_review",)),
        "decided": ("Decided", ("decided",)),
        _ALL: ("All", tuple(CASE_STATUSES)),
    }
    queue = st.segmented_control(
        "Queue",
        options=list(queues),
        default=_OPEN,
        format_func=lambda q: f"{queues[q][0]} ({sum(counts[s] for s in queues[q][1])})",
        key="review_status",
    )
    statuses = queues[queue or _ALL][1]
    cases = [c for c in repo.list_cases(user) if c.status in statuses]
    if not cases:
        st.info("No cases in this queue.")
        return
    rows = [
        {
            "Case": c.ref,
            "Title": c.title,
            "Researcher": c.researcher_name,
            "Status": c.status_label,
            "Suggested": ", ".join(s.code for s in c.suggestions[:3]),
            "Decision": c.decision_label,
            "Submitted (UTC)": c.submitted_at,
        }
        for c in cases
    ]
    case_id = components.case_picker(cases, rows, key="review_case")
    if case_id is None:
        return
    case = repo.get_case(user, case_id)
    _case(user, case)


def _case(user: User, case: CaseRecord) -> None:
    clist = engines.control_list()
    st.header(f"{case.ref}: {md_escape(case.title)}")
    st.caption(
        f"Researcher {md_escape(case.researcher_name)} ({md_escape(case.researcher)}) · "
        f"{case.status_label} · "
        f"list {case.list_version} · submitted {case.submitted_at:%Y-%m-%d %H:%M} UTC"
    )
    components.disclaimer()
    details = {
        "Partner country": case.partner_country or "—",
        "Visitor nationality": case.visitor_nationality or "—",
        "Visitor level": case.visitor_level or "—",
        "ATAS (suggested)": case.atas_summary or "—",
        "Source file": case.source_name or "—",
    }
    st.dataframe(
        pd.DataFrame({"About the case": list(details), "": list(details.values())}),
        hide_index=True,
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
    decided = case.status == "decided"
    for suggestion in case.suggestions:
        _suggestion(user, case, suggestion, clist, decided)
    if not decided:
        _add_entry(user, case, clist)
    _decision(user, case)
    with st.expander("Audit trail of this case"):
        trail = engines.repository().audit_trail(user, case.id)
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "When (UTC)": e.at,
                        "Who": e.actor,
                        "Role": e.actor_role,
                        "Action": e.action,
                        "Target": e.target or "",
                        "Details": e.detail_text,
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


def _suggestion(user: User, case: CaseRecord, s: SuggestionRecord, clist, decided: bool) -> None:
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
    with st.expander(components.candidate_label(s.rank, candidate, f" · **{status}**{origin}")):
        components.candidate_details(candidate, case.abstract, clist)
        if s.reviewed_by:
            st.caption(
                f"{status} by {s.reviewed_by} on {s.reviewed_at:%Y-%m-%d %H:%M} UTC"
                + (f": {s.note}" if s.note else "")
            )
        if decided:
            return
        prefix = f"review_s{s.id}"
        st.radio(
            "Review",
            options=list(SUGGESTION_STATUSES),
            format_func=SUGGESTION_STATUSES.__getitem__,
            index=list(SUGGESTION_STATUSES).index(s.status),
            horizontal=True,
            key=f"{prefix}_status",
        )
        st.text_input("Note (required to reject)", value=s.note or "", key=f"{prefix}_note")
        st.button(
            "Save review",
            key=f"{prefix}_save",
            on_click=_on_review,
            args=(user, s.id, s.code, s.version, prefix),
        )


def _add_entry(user: User, case: CaseRecord, clist) -> None:
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
    if case.status == "decided":
        st.success(
            f"**{case.decision_label}** · {case.atas_decision_label} — by {case.officer} on "
            f"{case.decided_at:%Y-%m-%d %H:%M} UTC"
        )
        if case.decision_note:
            components.text_block(case.decision_note)
        st.text_input("Reason to reopen", key=f"review_reopen_reason_{case.id}")
        st.button(
            "Reopen the case",
            key=f"review_reopen_{case.id}",
            on_click=_on_reopen,
            args=(user, case.id, case.ref, case.version),
        )
        return
    if case.pending_count:
        st.caption(f"{case.pending_count} suggested entries are not reviewed yet.")
    if case.confirmed_codes:
        st.caption(f"Confirmed: {', '.join(case.confirmed_codes)}")
    st.selectbox(
        "Export-control decision",
        options=list(DECISIONS),
        format_func=DECISIONS.__getitem__,
        key=f"review_decision_{case.id}",
    )
    st.selectbox(
        "ATAS decision",
        options=list(ATAS_DECISIONS),
        format_func=ATAS_DECISIONS.__getitem__,
        key=f"review_atas_{case.id}",
    )
    st.text_area("Decision note", key=f"review_note_{case.id}")
    st.button(
        "Save decision",
        key=f"review_decide_{case.id}",
        type="primary",
        on_click=_on_decide,
        args=(user, case.id, case.ref, case.version),
    )
