"""Pieces shared by several pages: the disclaimer, a suggested entry with its evidence, the
ATAS section. All user text goes through :mod:`exportctl.webapp.display` (escaped)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from exportctl.errors import UnknownCodeError
from exportctl.lists.model import LIST_NAMES
from exportctl.lists.store import ControlList
from exportctl.suggest.result import DISCLAIMER
from exportctl.webapp.display import (
    clause_path_html,
    clause_words,
    evidence_spans,
    highlight_html,
    md_escape,
    note_html,
    shorten,
    threshold_label,
)


def disclaimer() -> None:
    st.warning(f"**Suggestion only — an export-control officer decides.** {DISCLAIMER}", icon="⚖️")


def text_block(text: str) -> None:
    """Untrusted text shown as text (escaped), keeping line breaks."""
    st.html(highlight_html(text, []))


def highlighted_abstract(abstract: str, evidence: Sequence[Mapping[str, Any]]) -> None:
    st.html(highlight_html(abstract, evidence_spans(abstract, evidence)))


def candidate_label(rank: int | None, candidate: Mapping[str, Any], extra: str = "") -> str:
    score = candidate.get("score")
    score_text = f" · score {score:.2f}" if isinstance(score, int | float) else ""
    prefix = f"{rank}. " if rank is not None else ""
    return f"{prefix}{candidate['code']} — {candidate.get('title', '')}{score_text}{extra}"


def candidate_details(
    candidate: Mapping[str, Any], abstract: str, clist: ControlList | None
) -> None:
    """One suggested entry: reason, the abstract and the clause with matched words marked,
    thresholds, notes, definitions and related software/technology entries."""
    evidence = list(candidate.get("evidence") or ())
    list_name = str(candidate.get("list_name", ""))
    st.caption(
        f"{LIST_NAMES.get(list_name, list_name)} · entry {candidate.get('entry', '')}"
        + (f" · brought in by {candidate['via']}" if candidate.get("via") else "")
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
            title = related_clause.text if related_clause is not None else ""
            st.markdown(f"- `{code}` {md_escape(title[:160])}")


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
            st.markdown(f'- **"{md_escape(definition.term)}"**: {md_escape(definition.text)}')


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
    show(f"ATAS assessment: **{outcome}** (rules version {atas.get('rules_version', '?')})")
    for reason in atas.get("reasons") or ():
        st.markdown(f"- {md_escape(str(reason))}")
    if atas.get("caveat"):
        st.caption(str(atas["caveat"]))


def case_picker(cases: Sequence[Any], rows: Sequence[Mapping[str, Any]], *, key: str) -> int | None:
    """A table of cases (one row each, as given) and a picker to open one; its id or None."""
    st.dataframe(pd.DataFrame(list(rows)), hide_index=True, width="stretch")
    by_id = {case.id: case for case in cases}
    return st.selectbox(
        "Open case",
        options=list(by_id),
        format_func=lambda i: f"{by_id[i].ref} — {shorten(by_id[i].title, 70)}",
        key=key,
    )
