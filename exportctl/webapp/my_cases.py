"""My cases: a researcher follows their own submitted cases and the officers' decisions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from exportctl.cases.vocabulary import ANSWERS, SUGGESTION_STATUSES
from exportctl.webapp import components, engines
from exportctl.webapp.display import md_escape
from exportctl.webapp.session import require_user


def render() -> None:
    user = require_user()
    repo = engines.repository()
    st.title("My cases")
    cases = [c for c in repo.list_cases(user) if c.researcher == user.username]
    if not cases:
        st.info("You have no cases yet. Screen an abstract and submit it for review.")
        return
    rows = [
        {
            "Case": c.ref,
            "Title": c.title,
            "Status": c.status_label,
            "Decision": c.decision_label,
            "Entries confirmed": ", ".join(c.confirmed_codes),
            "ATAS": c.atas_decision_label,
            "Submitted (UTC)": c.submitted_at,
        }
        for c in cases
    ]
    case_id = components.case_picker(cases, rows, key="mycases_case")
    if case_id is None:
        return
    case = repo.get_case(user, case_id)
    st.header(f"{case.ref}: {md_escape(case.title)}")
    st.caption(f"{case.status_label} · list {case.list_version}")
    if case.status == "decided":
        st.success(
            f"Decision: **{case.decision_label}** · {case.atas_decision_label} "
            f"(officer {case.officer}, {case.decided_at:%Y-%m-%d})"
        )
        if case.decision_note:
            components.text_block(case.decision_note)
    else:
        components.disclaimer()
    components.text_block(case.abstract)
    st.subheader("Entries")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Code": s.code,
                    "Title": s.title,
                    "Review": SUGGESTION_STATUSES[s.status],
                    "Note": s.note or "",
                }
                for s in case.suggestions
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    if case.answers:
        st.subheader("Your answers")
        for answer in case.answers:
            st.markdown(
                f"- {md_escape(answer.question)} **{ANSWERS.get(answer.answer, answer.answer)}**"
            )
