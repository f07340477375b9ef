"""Screen: a researcher pastes or uploads an abstract, sees what may apply, answers the exemption
and end-use questions and submits the case for an officer's review.

Each case is screened in a fresh form: the widgets' keys carry a form number that changes on
'New screening' and after a submission. (Streamlit keeps a widget's value in the browser, so
deleting stored values would not clear them, and a partner or visitor from one case would be
sent again with the next.) What will be sent is shown beside the Submit button.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

import pycountry
import streamlit as st

from exportctl.appconfig import MAX_DOCUMENT_BYTES
from exportctl.atas import LEVELS
from exportctl.auth import User
from exportctl.cases.records import case_ref
from exportctl.cases.repository import AnswerInput
from exportctl.cases.vocabulary import ANSWERS
from exportctl.errors import ExportctlError
from exportctl.suggest.result import SuggestionResult
from exportctl.uploads import UploadError, read_document
from exportctl.webapp import components, engines
from exportctl.webapp.display import plain, shorten
from exportctl.webapp.session import require_user

FORM_KEY = "screen_form"  # the number of the current form; part of every widget key
RUN_KEY = "screen_run"
SUBMITTED_KEY = "screen_submitted"
UPLOAD_ERROR_KEY = "screen_upload_error"
SOURCE_KEY = "screen_source"
AUTO_TITLE_KEY = "screen_auto_title"
UNSAVED_KEY = "page_unsaved"

COUNTRIES: dict[str, str] = dict(
    sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda item: item[1])
)

#: How the ATAS levels are offered: the words people type (PhD, MSc, postdoc) find them.
LEVEL_LABELS: dict[str, str] = {
    "undergraduate": "Undergraduate (bachelor's degree)",
    "integrated-masters": "Integrated master's (MEng, MSci, MPhys, MChem)",
    "taught-masters": "Taught master's (MSc, MA, PGT)",
    "research": "Research degree (PhD, doctorate, MPhil, MRes, PGR)",
    "other-postgraduate": "Other postgraduate (PGCert, PGDip)",
    "researcher-work-route": "Researcher on a work visa (postdoc, research staff)",
    "visiting-academic": "Visiting academic or researcher",
}


@dataclass(frozen=True)
class ScreenRun:
    """What was screened and what came back; kept across reruns until submitted."""

    form: int
    title: str
    text: str
    partner_country: str | None
    nationalities: tuple[str, ...]
    level: str | None
    source_name: str | None
    result: SuggestionResult


def widget_key(name: str, form: int) -> str:
    """The key of a Screen widget in form number ``form`` (e.g. ``screen_text_2``)."""
    return f"screen_{name}_{form}"


def _form() -> int:
    return int(st.session_state.setdefault(FORM_KEY, 1))


def _key(name: str) -> str:
    return widget_key(name, _form())


def country_label(code: str) -> str:
    return f"{COUNTRIES.get(code, code)} ({code})" if code else "—"


def level_label(level: str | None) -> str:
    return LEVEL_LABELS.get(level or "", level or "—")


def new_screening() -> None:
    """Start an empty form: new widget keys, nothing carried over from the last case."""
    old = _form()
    for key in list(st.session_state.keys()):
        if str(key).startswith("screen_") and str(key).rsplit("_", 1)[-1] == str(old):
            del st.session_state[key]
    for key in (RUN_KEY, SOURCE_KEY, UPLOAD_ERROR_KEY, AUTO_TITLE_KEY):
        st.session_state.pop(key, None)
    st.session_state[FORM_KEY] = old + 1


def _on_upload() -> None:
    """Read the uploaded file into the abstract box; on error keep the box as it was. The
    title follows the file unless the user typed one."""
    st.session_state.pop(UPLOAD_ERROR_KEY, None)
    uploaded = st.session_state.get(_key("file"))
    if uploaded is None:
        return
    try:
        document = read_document(uploaded.name, uploaded.getvalue())
    except UploadError as error:
        st.session_state[UPLOAD_ERROR_KEY] = error.message
        return
    st.session_state[_key("text")] = document.text
    st.session_state[SOURCE_KEY] = document.name
    title = st.session_state.get(_key("title")) or ""
    if not title.strip() or title == st.session_state.get(AUTO_TITLE_KEY):
        st.session_state[_key("title")] = PurePath(document.name).stem
        st.session_state[AUTO_TITLE_KEY] = PurePath(document.name).stem


def render() -> None:
    user = require_user()
    st.title("Screen an abstract")
    components.disclaimer()
    submitted = st.session_state.pop(SUBMITTED_KEY, None)
    if submitted:
        st.success(
            f"Submitted as case {submitted}. An export-control officer will review it; "
            "follow it under 'My cases'. The form below is empty for the next abstract."
        )
    _inputs()
    run: ScreenRun | None = st.session_state.get(RUN_KEY)
    if run is not None and run.form == _form():
        _results(user, run)
    st.session_state[UNSAVED_KEY] = bool(
        (st.session_state.get(_key("text")) or "").strip()
        or (st.session_state.get(_key("title")) or "").strip()
    )


def _details() -> tuple[str | None, tuple[str, ...], str | None]:
    """Partner country, visitor nationalities and level as currently chosen."""
    return (
        st.session_state.get(_key("partner")) or None,
        tuple(st.session_state.get(_key("nationality")) or ()),
        st.session_state.get(_key("level")) or None,
    )


def _details_text(partner: str | None, nationalities: tuple[str, ...], level: str | None) -> str:
    parts = []
    if partner:
        parts.append(f"partner {country_label(partner)}")
    if nationalities:
        parts.append("visitor " + ", ".join(country_label(c) for c in nationalities))
    if level:
        parts.append(level_label(level))
    return " · ".join(parts) or "none given"


def _inputs() -> None:
    st.text_input("Title", key=_key("title"), placeholder="Project or paper title")
    st.text_area(
        "Abstract",
        key=_key("text"),
        height=220,
        placeholder="Paste the abstract, project summary or description of what will be shared.",
    )
    st.file_uploader(
        f"…or upload the abstract (.txt, .pdf or .docx, at most "
        f"{MAX_DOCUMENT_BYTES // 1_048_576} MB)",
        type=["txt", "pdf", "docx"],
        key=_key("file"),
        on_change=_on_upload,
        max_upload_size=MAX_DOCUMENT_BYTES // 1_048_576,
    )
    if st.session_state.get(UPLOAD_ERROR_KEY):
        st.error(plain(st.session_state[UPLOAD_ERROR_KEY]))
    details = _details()
    with st.expander(
        f"Partner and visitor (optional): {plain(_details_text(*details))}",
        expanded=any(details),
    ):
        st.selectbox(
            "Partner country",
            options=["", *COUNTRIES],
            format_func=country_label,
            key=_key("partner"),
        )
        st.multiselect(
            "Visitor's or student's nationality (for ATAS)",
            options=list(COUNTRIES),
            format_func=country_label,
            key=_key("nationality"),
        )
        st.selectbox(
            "Their level of study or work (for ATAS)",
            options=["", *LEVELS],
            format_func=lambda level: level_label(level) if level else "—",
            key=_key("level"),
        )
    with st.container(horizontal=True):
        if st.button("Suggest entries", key="screen_suggest", type="primary"):
            _suggest()
        st.button("New screening", key="screen_new", on_click=new_screening)


def _suggest() -> None:
    text = (st.session_state.get(_key("text")) or "").strip()
    if not text:
        st.error("Paste an abstract or upload a file first.")
        return
    partner, nationalities, level = _details()
    try:
        with st.spinner("Screening the abstract…"):
            result = engines.suggester_with_precedents().suggest(
                text, nationalities=list(nationalities) or None, level=level
            )
    except ExportctlError as error:
        st.error(plain(error.message))
        return
    st.session_state[RUN_KEY] = ScreenRun(
        form=_form(),
        title=(st.session_state.get(_key("title")) or "").strip(),
        text=text,
        partner_country=partner,
        nationalities=nationalities,
        level=level,
        source_name=st.session_state.get(SOURCE_KEY),
        result=result,
    )


def _stale_reason(run: ScreenRun) -> str | None:
    """Why the shown suggestions no longer match the form, if they do not."""
    if (st.session_state.get(_key("text")) or "").strip() != run.text:
        return "The abstract has changed since it was screened"
    _, nationalities, level = _details()
    if nationalities != run.nationalities or level != run.level:
        return "The visitor's nationality or level has changed since the ATAS assessment"
    return None


def _results(user: User, run: ScreenRun) -> None:
    result = run.result
    data = result.to_dict()
    clist = engines.control_list()
    stale = _stale_reason(run)
    if stale:
        st.warning(f"{stale}: press 'Suggest entries' again.")
    for warning in result.warnings:
        st.warning(plain(warning))
    st.header("What may apply")
    components.screening_verdict(data.get("screening"))
    st.caption(f"Control list {plain(result.list_version)}. Ranked for recall: check every entry.")
    if not data["controls"]:
        st.info(
            "No control entry matched. That does not show the work is uncontrolled: answer the "
            "questions below and submit the case for an officer to check."
        )
    for rank, candidate in enumerate(data["controls"], start=1):
        with st.expander(components.candidate_label(rank, candidate), expanded=rank == 1):
            components.candidate_details(candidate, run.text, clist)
    components.similar_decided_cases(user, data.get("meaning_vector"))
    if data.get("quantities"):
        with st.expander("Technical quantities found in the abstract"):
            st.dataframe(data["quantities"], hide_index=True)
    answers = _questions(result)
    components.atas_section(data.get("subjects") or [], data.get("atas"))
    st.divider()
    _submit(user, run, answers, stale)


def _submit(user: User, run: ScreenRun, answers: dict[str, AnswerInput], stale: str | None) -> None:
    """The Submit button with everything it will send beside it."""
    st.subheader("Submit for review")
    title = (st.session_state.get(_key("title")) or "").strip() or shorten(run.text, 80)
    partner = st.session_state.get(_key("partner")) or None
    answered = sum(1 for a in answers.values() if a.answer != "unanswered")
    left, right = st.columns([3, 1], vertical_alignment="top")
    with left:
        st.caption("This is sent with the abstract; an export-control officer reviews it.")
        components.facts_table(
            {
                "Title": title,
                "Partner country": country_label(partner) if partner else "—",
                "Visitor nationality": ", ".join(country_label(c) for c in run.nationalities)
                or "—",
                "Visitor level": level_label(run.level) if run.level else "—",
                "Uploaded file": run.source_name or "—",
                "Answers": f"{answered} of {len(answers)} questions answered",
                "Entries suggested": str(len(run.result.controls)),
            },
            key="screen_summary",
        )
    with right:
        clicked = st.button(
            "Submit for review",
            key="screen_submit",
            type="primary",
            disabled=stale is not None,
            width="stretch",
        )
    if not clicked:
        return
    try:
        case_id = engines.repository().create_case(
            user,
            title=title,
            abstract=run.text,
            result=run.result,
            answers=answers,
            partner_country=country_label(partner) if partner else None,
            visitor_nationality=", ".join(country_label(c) for c in run.nationalities) or None,
            visitor_level=run.level,
            source_name=run.source_name,
        )
    except ExportctlError as error:
        st.error(plain(error.message))
        return
    new_screening()
    st.session_state[SUBMITTED_KEY] = case_ref(case_id)
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
            plain(question.text),
            options=list(ANSWERS),
            format_func=ANSWERS.__getitem__,
            horizontal=True,
            key=_key(f"answer_{question.key}"),
            help=plain(f"Source: {question.source}"),
        )
        comment = st.text_input(
            "Comment (optional)",
            key=_key(f"answer_{question.key}_comment"),
            label_visibility="collapsed",
            placeholder="Comment (optional)",
        )
        answers[question.key] = AnswerInput(question.text, answer, comment.strip() or None)
    return answers
