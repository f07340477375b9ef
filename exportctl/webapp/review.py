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
from exportctl.webapp.display import shorten
from exportctl.webapp.session import require_officer_page, require_user

FLASH_KEY = "review_flash"
_ALL = "all"


def _flash(message: str) -> None:
    st.session_state[FLASH_KEY] = message


def render() -> None:
    user = require_user()
    require_officer_page(user)
    repo = engines.repository()
    st.title("Review cases")
    if st.session_state.get(FLASH_KEY):
        st.success(st.session_state.pop(FLASH_KEY))
    counts = repo.count_by_status(user)
    options = [*CASE_STATUSES, _ALL]
    status = st.segmented_control(
        "Queue",
        options=options,
        default="submitted",
        format_func=lambda s: (
            f"All ({sum(counts.values())})"
            if s == _ALL
            else f"{CASE_STATUSES[s].split(',')[0]} ({counts.get(s, 0)})"
        ),
        key="review_status",
    )
    cases = repo.list_cases(user, status=None if status in (None, _ALL) else status)
    if not cases:
        st.info("No cases in this queue.")
        return
    st.dataframe(
        pd.DataFrame(
            [
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
        ),
        hide_index=True,
        width="stretch",
    )
    by_id = {c.id: c for c in cases}
    case_id = st.selectbox(
        "Open case",
        options=list(by_id),
        format_func=lambda i: f"{by_id[i].ref} — {shorten(by_id[i].title, 70)}",
        key="review_case",
    )
    if case_id is None:
        return
    case = repo.get_case(user, case_id)
    _case(user, case)


def _case(user: User, case: CaseRecord) -> None:
    clist = engines.control_list()
    st.header(f"{case.ref}: {case.title}")
    st.caption(
        f"Researcher {case.researcher_name} ({case.researcher}) · {case.status_label} · "
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
    st.table(pd.DataFrame({"": list(details.values())}, index=list(details)))
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
        choice = st.radio(
            "Review",
            options=list(SUGGESTION_STATUSES),
            format_func=SUGGESTION_STATUSES.__getitem__,
            index=list(SUGGESTION_STATUSES).index(s.status),
            horizontal=True,
            key=f"{prefix}_status",
        )
        note = st.text_input("Note (required to reject)", value=s.note or "", key=f"{prefix}_note")
        if st.button("Save review", key=f"{prefix}_save"):
            try:
                engines.repository().review_suggestion(
                    user, s.id, status=choice, note=note, expected_version=s.version
                )
            except ExportctlError as error:
                st.error(error.message)
            else:
                _flash(f"{s.code}: {SUGGESTION_STATUSES[choice].lower()}.")
                st.rerun()


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
    code = st.selectbox(
        "Entry",
        options=list(by_code),
        format_func=lambda c: f"{c} — {shorten(by_code[c].text, 90)}",
        key=f"review_add_code_{case.id}",
    )
    note = st.text_input("Why it applies", key=f"review_add_note_{case.id}")
    if st.button("Add entry", key=f"review_add_submit_{case.id}"):
        clause = by_code[code]
        try:
            engines.repository().add_entry(
                user,
                case.id,
                NewEntry(
                    code=clause.code,
                    entry=clause.entry,
                    list_name=clause.list_name,
                    title=shorten(clause.text, 200),
                ),
                note=note,
            )
        except ExportctlError as error:
            st.error(error.message)
        else:
            _flash(f"{clause.code} added and confirmed.")
            st.rerun()


def _decision(user: User, case: CaseRecord) -> None:
    st.subheader("Decision")
    if case.status == "decided":
        st.success(
            f"**{case.decision_label}** · {case.atas_decision_label} — by {case.officer} on "
            f"{case.decided_at:%Y-%m-%d %H:%M} UTC"
        )
        if case.decision_note:
            components.text_block(case.decision_note)
        reason = st.text_input("Reason to reopen", key=f"review_reopen_reason_{case.id}")
        if st.button("Reopen the case", key=f"review_reopen_{case.id}"):
            try:
                engines.repository().reopen(
                    user, case.id, reason=reason, expected_version=case.version
                )
            except ExportctlError as error:
                st.error(error.message)
            else:
                _flash(f"{case.ref} reopened.")
                st.rerun()
        return
    if case.pending_count:
        st.caption(f"{case.pending_count} suggested entries are not reviewed yet.")
    if case.confirmed_codes:
        st.caption(f"Confirmed: {', '.join(case.confirmed_codes)}")
    decision = st.selectbox(
        "Export-control decision",
        options=list(DECISIONS),
        format_func=DECISIONS.__getitem__,
        key=f"review_decision_{case.id}",
    )
    atas = st.selectbox(
        "ATAS decision",
        options=list(ATAS_DECISIONS),
        format_func=ATAS_DECISIONS.__getitem__,
        key=f"review_atas_{case.id}",
    )
    note = st.text_area("Decision note", key=f"review_note_{case.id}")
    if st.button("Save decision", key=f"review_decide_{case.id}", type="primary"):
        try:
            engines.repository().decide(
                user,
                case.id,
                decision=decision,
                atas_decision=atas,
                note=note,
                expected_version=case.version,
            )
        except ExportctlError as error:
            st.error(error.message)
        else:
            _flash(f"{case.ref}: {DECISIONS[decision]}.")
            st.rerun()
