"""Pieces shared by several pages: the disclaimer, a suggested entry with its evidence, the
ATAS section, case filters and the case picker. All user text goes through
:func:`exportctl.webapp.display.plain` or :func:`~exportctl.webapp.display.highlight_html`
(escaped), never straight into Markdown."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from exportctl.auth import User
from exportctl.cases.records import CaseFilter, CasePage, CaseSummary
from exportctl.cases.vocabulary import CASE_SORTS, DECISIONS
from exportctl.errors import UnknownCodeError
from exportctl.lists.model import LIST_NAMES
from exportctl.lists.store import ControlList
from exportctl.suggest.result import DISCLAIMER
from exportctl.webapp.display import (
    clause_path_html,
    clause_title,
    clause_words,
    evidence_spans,
    highlight_html,
    note_html,
    plain,
    shorten,
    threshold_label,
)


def disclaimer() -> None:
    st.warning(f"**Suggestion only — an export-control officer decides.** {DISCLAIMER}", icon="⚖️")


def screening_verdict(screening: Mapping[str, Any] | None) -> None:
    """The suggestion engine's overall verdict (likely listed / possibly listed / no close
    match) with its reason, when the result carries one."""
    if not screening or not screening.get("verdict"):
        return
    from exportctl.suggest.verdict import VERDICT_LABELS

    verdict = str(screening["verdict"])
    # Never green: "no close match" is not a "not controlled" finding.
    show = st.warning if verdict == "likely_listed" else st.info
    show(
        f"**Screening: {plain(VERDICT_LABELS.get(verdict, verdict))}.** "
        f"{plain(screening.get('reason') or '')}"
    )


def text_block(text: str) -> None:
    """Untrusted text shown as text (escaped), keeping line breaks."""
    st.html(highlight_html(text, []))


def highlighted_abstract(abstract: str, evidence: Sequence[Mapping[str, Any]]) -> None:
    st.html(highlight_html(abstract, evidence_spans(abstract, evidence)))


def candidate_label(rank: int | None, candidate: Mapping[str, Any], extra: str = "") -> str:
    score = candidate.get("score")
    score_text = f" · score {score:.2f}" if isinstance(score, int | float) else ""
    prefix = f"{rank}. " if rank is not None else ""
    title = plain(shorten(str(candidate.get("title", "")), 120))
    return f"{prefix}{plain(candidate['code'])} — {title}{score_text}{extra}"


def candidate_details(
    candidate: Mapping[str, Any], abstract: str, clist: ControlList | None
) -> None:
    """One suggested entry: reason, the abstract and the clause with matched words marked,
    thresholds, notes, definitions and related software/technology entries."""
    evidence = list(candidate.get("evidence") or ())
    list_name = str(candidate.get("list_name", ""))
    st.caption(
        plain(
            f"{LIST_NAMES.get(list_name, list_name)} · entry {candidate.get('entry', '')}"
            + (f" · brought in by {candidate['via']}" if candidate.get("via") else "")
        )
    )
    if candidate.get("reason"):
        text_block(f"Why: {candidate['reason']}")
    st.markdown("**Matched words in the abstract**")
    if evidence:
        highlighted_abstract(abstract, evidence)
    else:
        st.caption("No single words to show.")
    clause = _clause(clist, str(candidate["code"]))
    if clause is not None and clist is not None:
        st.markdown("**The clause with its parents**")
        nodes = [(c.code, c.depth, c.text) for c in [*clist.ancestors(clause.code), clause]]
        st.html(clause_path_html(nodes, clause_words(evidence)))
    thresholds = list(candidate.get("thresholds") or ())
    if thresholds:
        st.markdown("**Threshold checks**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Clause": t.get("clause_code"),
                        "Condition": t.get("condition"),
                        "Status": threshold_label(str(t.get("status"))),
                        "In the abstract": t.get("observed") or "",
                        "Question to answer": t.get("question") or "",
                    }
                    for t in thresholds
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        if any(t.get("status") == "unknown" for t in thresholds):
            st.caption("unknown: the abstract does not say; answer the question to settle it.")
    if clause is not None and clist is not None:
        _notes_and_definitions(clause.code, clist)
    related = list(candidate.get("related") or ())
    if related:
        st.markdown("**Related software and technology entries**")
        for code in related:
            related_clause = _clause(clist, code)
            title = clause_title(related_clause.text) if related_clause is not None else ""
            st.markdown(f"- `{plain(code)}` {plain(title)}")


def _notes_and_definitions(code: str, clist: ControlList) -> None:
    clause = clist.get(code)
    notes = [(c.code, n) for c in [*clist.ancestors(code), clause] for n in c.notes]
    if notes:
        st.markdown("**Notes**")
        st.html(
            "".join(
                note_html(note.heading, owner, note.text, decontrol=note.decontrol)
                for owner, note in notes
            )
        )
    definitions = clist.definitions_for(code)
    if definitions:
        st.markdown("**Definitions**")
        for definition in definitions:
            st.markdown(f'- **"{plain(definition.term)}"**: {plain(definition.text)}')


def _clause(clist: ControlList | None, code: str):
    if clist is None:
        return None
    try:
        return clist.get(code)
    except UnknownCodeError:
        return None


def atas_section(subjects: Sequence[Mapping[str, Any]], atas: Mapping[str, Any] | None) -> None:
    st.subheader("ATAS")
    if subjects:
        st.markdown("**Suggested CAH3 subjects**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "CAH3": s.get("cah3"),
                        "Subject": s.get("label"),
                        "Area": s.get("cah1_label") or s.get("cah1"),
                        "Score": round(float(s.get("score", 0.0)), 3),
                    }
                    for s in subjects
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("No CAH3 subject suggested.")
    if not atas:
        st.info("Give the visitor's nationality and level of study for an ATAS assessment.")
        return
    outcome = str(atas.get("result", ""))
    show = {"required": st.error, "check": st.warning}.get(outcome, st.success)
    show(
        f"ATAS assessment: **{plain(outcome)}** "
        f"(rules version {plain(atas.get('rules_version', '?'))})"
    )
    for reason in atas.get("reasons") or ():
        st.markdown(f"- {plain(reason)}")
    if atas.get("caveat"):
        st.caption(plain(atas["caveat"]))


# -- case lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListState:
    """What a case list shows: its filter, order and page."""

    case_filter: CaseFilter
    sort: str
    offset: int
    limit: int


def reset_list_page(key: str) -> None:
    """Back to the first page of the case list ``key`` (its filter changed)."""
    st.session_state[f"{key}_offset"] = 0


def _move(key: str, step: int) -> None:
    st.session_state[f"{key}_offset"] = max(0, st.session_state.get(f"{key}_offset", 0) + step)


def case_filter_controls(
    *,
    key: str,
    researchers: Sequence[tuple[str, str]] | None,
    statuses: tuple[str, ...] = (),
    page_size: int = 50,
) -> ListState:
    """Filter and order widgets of a case list (decision, researcher, entry, dates, words);
    ``statuses`` comes from the caller's own status choice. Changing any of them goes back
    to the first page."""
    active = any(
        st.session_state.get(f"{key}_f_{name}")
        for name in ("decision", "researcher", "entry", "from", "to", "text")
    )
    with st.expander("Filter and sort", expanded=active, key=f"{key}_filters"):
        first, second, third = st.columns(3)
        with first:
            text = st.text_input(
                "Case, id or title words",
                key=f"{key}_f_text",
                placeholder="e.g. C-00012 or laser",
                on_change=reset_list_page,
                args=(key,),
            )
            entry = st.text_input(
                "Entry suggested or confirmed",
                key=f"{key}_f_entry",
                placeholder="e.g. 6A005",
                on_change=reset_list_page,
                args=(key,),
            )
        with second:
            decisions = st.multiselect(
                "Decision",
                options=list(DECISIONS),
                format_func=DECISIONS.__getitem__,
                key=f"{key}_f_decision",
                on_change=reset_list_page,
                args=(key,),
            )
            researcher = None
            if researchers is not None:
                names = dict(researchers)
                researcher = st.selectbox(
                    "Researcher",
                    options=list(names),
                    format_func=lambda u: f"{names[u]} ({u})" if names[u] != u else u,
                    index=None,
                    placeholder="Anyone",
                    key=f"{key}_f_researcher",
                    on_change=reset_list_page,
                    args=(key,),
                )
        with third:
            submitted_from = st.date_input(
                "Submitted from",
                value=None,
                key=f"{key}_f_from",
                on_change=reset_list_page,
                args=(key,),
            )
            submitted_to = st.date_input(
                "Submitted up to",
                value=None,
                key=f"{key}_f_to",
                on_change=reset_list_page,
                args=(key,),
            )
            sort = st.selectbox(
                "Order",
                options=list(CASE_SORTS),
                format_func=CASE_SORTS.__getitem__,
                key=f"{key}_sort",
                on_change=reset_list_page,
                args=(key,),
            )
    case_filter = CaseFilter(
        statuses=statuses,
        decisions=tuple(decisions or ()),
        researcher=researcher,
        entry=(entry or "").strip() or None,
        submitted_from=submitted_from if isinstance(submitted_from, date) else None,
        submitted_to=submitted_to if isinstance(submitted_to, date) else None,
        text=(text or "").strip() or None,
    )
    return ListState(
        case_filter=case_filter,
        sort=sort or "newest",
        offset=st.session_state.get(f"{key}_offset", 0),
        limit=page_size,
    )


def case_table(page: CasePage, rows: Sequence[Mapping[str, Any]], *, key: str) -> None:
    """One page of cases as a table (plain text cells), with the pager under it."""
    st.dataframe(pd.DataFrame(list(rows)), hide_index=True, width="stretch", key=f"{key}_table")
    if page.total <= page.limit and page.offset == 0:
        st.caption(f"{page.total:,} case" + ("" if page.total == 1 else "s"))
        return
    first = page.offset + 1 if page.total else 0
    last = min(page.offset + page.limit, page.total)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button(
            "‹ Previous",
            key=f"{key}_prev",
            disabled=page.offset == 0,
            on_click=_move,
            args=(key, -page.limit),
        )
        st.caption(f"Cases {first:,}–{last:,} of {page.total:,} · page {page.page} of {page.pages}")
        st.button(
            "Next ›",
            key=f"{key}_next",
            disabled=last >= page.total,
            on_click=_move,
            args=(key, page.limit),
        )


def case_choice_label(case: CaseSummary) -> str:
    """How a case is named in a picker (plain text: select options are not Markdown)."""
    return f"{case.ref} — {shorten(case.title, 70)}"


def unsaved_guard(unsaved: bool, run: int) -> None:
    """Ask before the tab is reloaded or closed while this page holds unsaved edits, or while
    a text box holds typing not yet applied (Streamlit then shows 'Press Enter to apply').

    ``run`` counts the session's script runs; the browser keeps it as
    ``window.__exportctlRuns``, so a test can wait for a rerun to finish instead of sleeping."""
    st.html(
        "<script>"
        f"window.__exportctlUnsaved = {'true' if unsaved else 'false'};"
        f"window.__exportctlRuns = {int(run)};"
        "if (!window.__exportctlGuard) { window.__exportctlGuard = true;"
        " window.addEventListener('beforeunload', function (event) {"
        "  const typing = document.querySelector('[data-testid=\"InputInstructions\"]');"
        "  if (window.__exportctlUnsaved || (typing && typing.textContent.trim())) {"
        "   event.preventDefault(); event.returnValue = ''; return ''; } }); }"
        "</script>",
        unsafe_allow_javascript=True,
        width=1,
    )


def facts_table(facts: Mapping[str, str], *, key: str | None = None) -> None:
    """A small two-column table of labels and (escaped) values."""
    rows = "".join(
        f'<tr><th style="text-align: left; padding: 2px 12px 2px 0; font-weight: 600; '
        f'vertical-align: top; white-space: nowrap">{html.escape(label)}</th>'
        f'<td style="padding: 2px 0">{html.escape(str(value))}</td></tr>'
        for label, value in facts.items()
    )
    css_class = f' class="facts-{html.escape(key)}"' if key else ""
    st.html(f'<table{css_class} style="border-collapse: collapse">{rows}</table>')


def similar_decided_cases(user: User, meaning_vector: str | None, *, exclude: str = "") -> None:
    """Up to three decided cases closest in meaning (researchers: their own only), each with
    its decision, confirmed entries and the officer's note, and a link to it."""
    from exportctl.suggest.precedents import decode_vector
    from exportctl.webapp import engines

    vector = decode_vector(meaning_vector)
    if vector is None:
        return
    neighbours = engines.precedents().nearest(
        vector,
        k=4,
        visible=lambda p: p.ref != exclude and (user.is_officer or p.owner == user.username),
    )[:3]
    with st.expander(f"Similar decided cases ({len(neighbours)})", expanded=bool(neighbours)):
        if not neighbours:
            st.caption(
                "No decided case is close to this one"
                + ("" if user.is_officer else " among your own cases")
                + "."
            )
        for neighbour in neighbours:
            case = neighbour.precedent
            decision = DECISIONS.get(case.decision or "", case.decision or "")
            confirmed = ", ".join(case.confirmed) or "none"
            st.markdown(
                f"[{case.ref}](?case={case.ref}) · {plain(case.title)} · "
                f"{plain(decision)} · entries confirmed: {plain(confirmed)} · "
                f"similarity {neighbour.similarity:.2f}"
            )
            if case.note:
                text_block(f"Officer's note: {case.note}")
