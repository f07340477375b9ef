"""Screen: a researcher pastes or uploads an abstract, sees what may apply, answers the exemption
and end-use questions and submits the case for an officer's review."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

import pycountry
import streamlit as st

from exportctl.atas import LEVELS
from exportctl.auth import User
from exportctl.cases.records import case_ref
from exportctl.cases.repository import AnswerInput
from exportctl.cases.vocabulary import ANSWERS
from exportctl.errors import ExportctlError
from exportctl.suggest.result import SuggestionResult
from exportctl.uploads import UploadError, read_document
from exportctl.webapp import components, engines
from exportctl.webapp.display import shorten
from exportctl.webapp.session import require_user

RUN_KEY = "screen_run"
RESET_KEY = "screen_reset"
SUBMITTED_KEY = "screen_submitted"
UPLOAD_ERROR_KEY = "screen_upload_error"
SOURCE_KEY = "screen_source"
_INPUT_KEYS = (
    "screen_title",
    "screen_text",
    "screen_partner",
    "screen_nationality",
    "screen_level",
    "screen_file",
)

COUNTRIES: dict[str, str] = dict(
    sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda item: item[1])
)


@dataclass(frozen=True)
class ScreenRun:
    """What was screened and what came back; kept across reruns until submitted."""

    title: str
    text: str
    partner_country: str | None
    nationalities: tuple[str, ...]
    level: str | None
    source_name: str | None
    result: SuggestionResult


def country_label(code: str) -> str:
    return f"{COUNTRIES.get(code, code)} ({code})" if code else "—"


def _on_upload() -> None:
    """Read the uploaded file into the abstract box; on error keep the box as it was."""
    st.session_state.pop(UPLOAD_ERROR_KEY, None)
    uploaded = st.session_state.get("screen_file")
    if uploaded is None:
        return
    try:
        document = read_document(uploaded.name, uploaded.getvalue())
    except UploadError as error:
        st.session_state[UPLOAD_ERROR_KEY] = error.message
        return
    st.session_state["screen_text"] = document.text
    st.session_state[SOURCE_KEY] = document.name
    if not st.session_state.get("screen_title"):
        st.session_state["screen_title"] = PurePath(document.name).stem


def _reset_inputs() -> None:
    for key in (*_INPUT_KEYS, RUN_KEY, SOURCE_KEY, UPLOAD_ERROR_KEY):
        st.session_state.pop(key, None)
    for key in [k for k in st.session_state.keys() if str(k).startswith("screen_answer_")]:
        del st.session_state[key]


def render() -> None:
    user = require_user()
    if st.session_state.pop(RESET_KEY, False):
        _reset_inputs()
    st.title("Screen an abstract")
    components.disclaimer()
    submitted = st.session_state.pop(SUBMITTED_KEY, None)
    if submitted:
        st.success(
            f"Submitted as case {submitted}. An export-control officer will review it; "
            "follow it under 'My cases'."
        )
    _inputs()
    run: ScreenRun | None = st.session_state.get(RUN_KEY)
    if run is not None:
        _results(user, run)


def _inputs() -> None:
    st.text_input("Title", key="screen_title", placeholder="Project or paper title")
    st.text_area(
        "Abstract",
        key="screen_text",
        height=220,
        placeholder="Paste the abstract, project summary or description of what will be shared.",
    )
    st.file_uploader(
        "…or upload the abstract (.txt, .pdf or .docx)",
        type=["txt", "pdf", "docx"],
        key="screen_file",
        on_change=_on_upload,
    )
    if st.session_state.get(UPLOAD_ERROR_KEY):
        st.error(st.session_state[UPLOAD_ERROR_KEY])
    with st.expander("Partner and visitor (optional)", expanded=False):
        st.selectbox(
            "Partner country",
            options=["", *COUNTRIES],
            format_func=country_label,
            key="screen_partner",
        )
        st.multiselect(
            "Visitor's or student's nationality (for ATAS)",
            options=list(COUNTRIES),
            format_func=country_label,
            key="screen_nationality",
        )
        st.selectbox(
            "Their level of study or work (for ATAS)",
            options=["", *LEVELS],
            format_func=lambda level: level.replace("-", " ") if level else "—",
            key="screen_level",
        )
    if st.button("Suggest entries", key="screen_suggest", type="primary"):
        _suggest()


def _suggest() -> None:
    text = (st.session_state.get("screen_text") or "").strip()
    if not text:
        st.error("Paste an abstract or upload a file first.")
        return
    nationalities = tuple(st.session_state.get("screen_nationality") or ())
    level = st.session_state.get("screen_level") or None
    try:
        with st.spinner("Screening the abstract…"):
            result = engines.suggester().suggest(
                text, nationalities=list(nationalities) or None, level=level
            )
    except ExportctlError as error:
        st.error(error.message)
        return
    st.session_state[RUN_KEY] = ScreenRun(
        title=(st.session_state.get("screen_title") or "").strip(),
        text=text,
        partner_country=st.session_state.get("screen_partner") or None,
        nationalities=nationalities,
        level=level,
        source_name=st.session_state.get(SOURCE_KEY),
        result=result,
    )


def _results(user: User, run: ScreenRun) -> None:
    result = run.result
    data = result.to_dict()
    clist = engines.control_list()
    stale = (st.session_state.get("screen_text") or "").strip() != run.text
    if stale:
        st.warning("The abstract has changed since it was screened: press 'Suggest entries' again.")
    for warning in result.warnings:
        st.warning(warning)
    st.header("What may apply")
    st.caption(f"Control list {result.list_version}. Ranked for recall: check every entry.")
    if not data["controls"]:
        st.info(
            "No control entry matched. That does not show the work is uncontrolled: answer the "
            "questions below and submit the case for an officer to check."
        )
    for rank, candidate in enumerate(data["controls"], start=1):
        with st.expander(components.candidate_label(rank, candidate), expanded=rank == 1):
            components.candidate_details(candidate, run.text, clist)
    if data.get("quantities"):
        with st.expander("Technical quantities found in the abstract"):
            st.dataframe(data["quantities"], hide_index=True)
    answers = _questions(result)
    components.atas_section(data.get("subjects") or [], data.get("atas"))
    st.divider()
    st.subheader("Submit for review")
    st.write("An export-control officer reviews every suggestion and records the decision.")
    if st.button("Submit for review", key="screen_submit", type="primary", disabled=stale):
        title = run.title or shorten(run.text, 80)
        try:
            case_id = engines.repository().create_case(
                user,
                title=title,
                abstract=run.text,
                result=result,
                answers=answers,
                partner_country=country_label(run.partner_country) if run.partner_country else None,
                visitor_nationality=", ".join(country_label(c) for c in run.nationalities) or None,
                visitor_level=run.level,
                source_name=run.source_name,
            )
        except ExportctlError as error:
            st.error(error.message)
            return
        st.session_state[SUBMITTED_KEY] = case_ref(case_id)
        st.session_state[RESET_KEY] = True
        st.rerun()


def _questions(result: SuggestionResult) -> dict[str, AnswerInput]:
    """The exemption and end-use questions; returns the answers as given so far."""
    answers: dict[str, AnswerInput] = {}
    if not result.questions:
        return answers
    st.subheader("Exemptions and end use")
    st.caption(
        "Your answers are saved with the case. Controls on technology do not apply to "
        "information in the public domain, to basic scientific research or to the minimum "
        "needed for a patent application. End-use controls can apply even to unlisted items: "
        "the tool can only ask."
    )
    for question in result.questions:
        answer = st.radio(
            question.text,
            options=list(ANSWERS),
            format_func=ANSWERS.__getitem__,
            horizontal=True,
            key=f"screen_answer_{question.key}",
            help=f"Source: {question.source}",
        )
        comment = st.text_input(
            "Comment (optional)",
            key=f"screen_answer_{question.key}_comment",
            label_visibility="collapsed",
            placeholder="Comment (optional)",
        )
        answers[question.key] = AnswerInput(question.text, answer, comment.strip() or None)
    return answers
