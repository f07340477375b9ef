"""My cases: a researcher follows their own cases and the officers' decisions, and until an
officer starts the review can correct the case (title, partner and visitor, answers and
comments, the abstract itself) or withdraw it."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from exportctl.atas import LEVELS
from exportctl.auth import User
from exportctl.cases.errors import CaseNotFoundError
from exportctl.cases.records import CaseFilter, CaseRecord, parse_case_ref
from exportctl.cases.repository import AnswerInput, CaseRepository
from exportctl.cases.vocabulary import ANSWERS, CASE_STATUSES, SUGGESTION_STATUSES
from exportctl.errors import ExportctlError
from exportctl.webapp import components, engines
from exportctl.webapp.display import plain
from exportctl.webapp.screen import COUNTRIES, country_label, level_label
from exportctl.webapp.session import require_user

OPEN_KEY = "mycases_open"
PICKER_KEY = "mycases_case"
FLASH_KEY = "mycases_flash"
FLASH_ERROR_KEY = "mycases_flash_error"
UNSAVED_KEY = "page_unsaved"
PAGE_SIZE = 25
_COUNTRY_CODE = re.compile(r"\(([A-Z]{2})\)")


@dataclass
class OpenedCase:
    case_id: int
    version: int


def _codes(label: str | None) -> list[str]:
    """Country codes in a stored label such as ``China (CN), Iran (IR)``."""
    return [c for c in _COUNTRY_CODE.findall(label or "") if c in COUNTRIES]


def form_values(case: CaseRecord) -> dict[str, object]:
    """The edit form of ``case`` as stored: widget key -> value."""
    partner = _codes(case.partner_country)
    values: dict[str, object] = {
        f"mycases_title_{case.id}": case.title,
        f"mycases_partner_{case.id}": partner[0] if partner else "",
        f"mycases_nationality_{case.id}": _codes(case.visitor_nationality),
        f"mycases_level_{case.id}": case.visitor_level or "",
        f"mycases_abstract_{case.id}": case.abstract,
        f"mycases_withdraw_reason_{case.id}": "",
    }
    for answer in case.answers:
        values[f"mycases_answer_{case.id}_{answer.key}"] = answer.answer
        values[f"mycases_comment_{case.id}_{answer.key}"] = answer.comment or ""
    return values


def open_case(case: CaseRecord) -> None:
    st.session_state[OPEN_KEY] = OpenedCase(case.id, case.version)
    for key, value in form_values(case).items():
        st.session_state[key] = value
    st.session_state[PICKER_KEY] = case.id
    st.query_params["case"] = case.ref


def _opened() -> OpenedCase | None:
    opened = st.session_state.get(OPEN_KEY)
    return opened if isinstance(opened, OpenedCase) else None


def _done(message: str) -> None:
    st.session_state[FLASH_KEY] = message


def _failed(error: ExportctlError) -> None:
    st.session_state[FLASH_ERROR_KEY] = error.message


def _reload(user: User, case_id: int) -> None:
    open_case(engines.repository().get_case(user, case_id))


def _on_open(user: User) -> None:
    case_id = st.session_state.get(PICKER_KEY)
    if case_id is not None:
        try:
            _reload(user, case_id)
        except ExportctlError as error:
            _failed(error)


def _on_save_details(user: User, case_id: int) -> None:
    opened = _opened()
    if opened is None:
        return
    state = st.session_state
    partner = state.get(f"mycases_partner_{case_id}") or ""
    nationalities = list(state.get(f"mycases_nationality_{case_id}") or ())
    level = state.get(f"mycases_level_{case_id}") or ""
    abstract = (state.get(f"mycases_abstract_{case_id}") or "").strip()
    repo = engines.repository()
    try:
        case = repo.get_case(user, case_id)
        rescreen = (
            abstract != case.abstract.strip()
            or nationalities != _codes(case.visitor_nationality)
            or level != (case.visitor_level or "")
        )
        result = None
        if rescreen:
            result = engines.suggester_with_precedents().suggest(
                abstract, nationalities=nationalities or None, level=level or None
            )
        opened.version = repo.update_case(
            user,
            case_id,
            expected_version=opened.version,
            title=state.get(f"mycases_title_{case_id}") or "",
            partner_country=country_label(partner) if partner else "",
            visitor_nationality=", ".join(country_label(c) for c in nationalities),
            visitor_level=level,
            abstract=abstract if rescreen else None,
            result=result,
        )
        _reload(user, case_id)
    except ExportctlError as error:
        _failed(error)
    else:
        _done(
            "Saved. The abstract was screened again with the new details." if rescreen else "Saved."
        )


def _on_save_answers(user: User, case: CaseRecord) -> None:
    opened = _opened()
    if opened is None:
        return
    repo = engines.repository()
    changed = 0
    try:
        for answer in case.answers:
            value = st.session_state.get(f"mycases_answer_{case.id}_{answer.key}")
            comment = (
                st.session_state.get(f"mycases_comment_{case.id}_{answer.key}") or ""
            ).strip()
            if value == answer.answer and comment == (answer.comment or ""):
                continue
            opened.version = repo.set_answer(
                user,
                case.id,
                answer.key,
                AnswerInput(answer.question, value, comment or None),
                expected_version=opened.version,
            )
            changed += 1
        _reload(user, case.id)
    except ExportctlError as error:
        _failed(error)
    else:
        _done(f"Saved {changed} changed answers." if changed else "No answer was changed.")


def _on_withdraw(user: User, case_id: int) -> None:
    opened = _opened()
    if opened is None:
        return
    try:
        opened.version = engines.repository().withdraw(
            user,
            case_id,
            reason=st.session_state.get(f"mycases_withdraw_reason_{case_id}") or "",
            expected_version=opened.version,
        )
        _reload(user, case_id)
    except ExportctlError as error:
        _failed(error)
    else:
        _done("The case is withdrawn.")


def render() -> None:
    user = require_user()
    repo = engines.repository()
    st.title("My cases")
    with st.container(key="mycases_messages"):
        if st.session_state.get(FLASH_KEY):
            st.success(plain(st.session_state.pop(FLASH_KEY)))
        if st.session_state.get(FLASH_ERROR_KEY):
            st.error(plain(st.session_state.pop(FLASH_ERROR_KEY)))
    _deep_link(user, repo)
    state = components.case_filter_controls(key="mycases", researchers=None, page_size=PAGE_SIZE)
    page = repo.list_case_summaries(
        user,
        state.case_filter,
        sort=state.sort,
        offset=state.offset,
        limit=state.limit,
    )
    if not page.items and _opened() is None:
        if page.total == 0 and state.case_filter == CaseFilter():
            st.info("You have no cases yet. Screen an abstract and submit it for review.")
        else:
            st.info("No case matches the filter.")
        return
    rows = [
        {
            "Case": c.ref,
            "Title": c.title,
            "Status": c.status_label,
            "Decision": c.decision_label,
            "Entries confirmed": ", ".join(c.confirmed),
            "ATAS": c.atas_decision_label,
            "Submitted (UTC)": c.submitted_at,
        }
        for c in page.items
    ]
    components.case_table(page, rows, key="mycases")
    if _opened() is None and page.items:
        open_case(repo.get_case(user, page.items[0].id))
    opened = _opened()
    if opened is None:
        return
    labels = {c.id: components.case_choice_label(c) for c in page.items}
    if opened.case_id not in labels:
        try:
            summary = repo.case_summary(user, opened.case_id)
        except CaseNotFoundError:
            st.session_state.pop(OPEN_KEY, None)
            return
        labels = {opened.case_id: components.case_choice_label(summary), **labels}
    st.selectbox(
        "Open case",
        options=list(labels),
        format_func=labels.__getitem__,
        key=PICKER_KEY,
        on_change=_on_open,
        args=(user,),
    )
    _case(user, repo.get_case(user, opened.case_id), opened)


def _deep_link(user: User, repo: CaseRepository) -> None:
    wanted = st.query_params.get("case")
    if not wanted:
        return
    case_id = parse_case_ref(wanted)
    opened = _opened()
    if opened is not None and opened.case_id == case_id:
        return
    try:
        if case_id is None:
            raise CaseNotFoundError(f"'{wanted}' in the address is not a case reference.")
        open_case(repo.get_case(user, case_id))
    except CaseNotFoundError as error:
        st.error(plain(error.message))
        del st.query_params["case"]


def _case(user: User, case: CaseRecord, opened: OpenedCase) -> None:
    for key, value in form_values(case).items():
        st.session_state.setdefault(key, value)
    st.header(f"{case.ref}: {plain(case.title)}")
    st.caption(plain(f"{case.status_label} · list {case.list_version}"))
    if case.version != opened.version:
        st.warning("This case was changed since you opened it (by an officer).")
        st.button(
            "Reload the case",
            key=f"mycases_reload_{case.id}",
            on_click=_reload,
            args=(user, case.id),
        )
    if case.status == "decided":
        decided = f"{case.decided_at:%Y-%m-%d}" if case.decided_at else ""
        st.success(
            f"Decision: **{case.decision_label}** · {case.atas_decision_label} "
            f"(officer {plain(case.officer or '')}, {decided})"
        )
        if case.decision_note:
            components.text_block(case.decision_note)
    elif case.status == "withdrawn":
        st.info("You withdrew this case.")
    else:
        components.disclaimer()
    components.facts_table(
        {
            "Partner country": case.partner_country or "—",
            "Visitor nationality": case.visitor_nationality or "—",
            "Visitor level": level_label(case.visitor_level) if case.visitor_level else "—",
            "ATAS (suggested)": case.atas_summary or "—",
            "Uploaded file": case.source_name or "—",
        },
        key="mycases_details",
    )
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
            ],
            columns=["Code", "Title", "Review", "Note"],
        ),
        hide_index=True,
        width="stretch",
    )
    editable = case.status == "submitted"
    if case.answers:
        st.subheader("Your answers")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Question": a.question,
                        "Answer": ANSWERS.get(a.answer, a.answer),
                        "Your comment": a.comment or "",
                    }
                    for a in case.answers
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    if editable:
        _edit(user, case)
    elif case.status != "withdrawn" and case.status != "decided":
        st.caption(
            f"{CASE_STATUSES[case.status]}: an officer has started the review, so the case can "
            "no longer be changed here. You can still withdraw it."
        )
    if case.status in ("submitted", "in_review"):
        _withdraw(user, case)
    stored = form_values(case)
    st.session_state[UNSAVED_KEY] = any(
        st.session_state.get(k) != v for k, v in stored.items() if k in st.session_state
    )


def _edit(user: User, case: CaseRecord) -> None:
    with st.expander("Correct the case before review", key=f"mycases_edit_{case.id}"):
        st.text_input("Title", key=f"mycases_title_{case.id}")
        st.selectbox(
            "Partner country",
            options=["", *COUNTRIES],
            format_func=country_label,
            key=f"mycases_partner_{case.id}",
        )
        st.multiselect(
            "Visitor's or student's nationality (for ATAS)",
            options=list(COUNTRIES),
            format_func=country_label,
            key=f"mycases_nationality_{case.id}",
        )
        st.selectbox(
            "Their level of study or work (for ATAS)",
            options=["", *LEVELS],
            format_func=lambda level: level_label(level) if level else "—",
            key=f"mycases_level_{case.id}",
        )
        st.text_area("Abstract", key=f"mycases_abstract_{case.id}", height=180)
        st.caption(
            "A changed abstract, nationality or level is screened again: the suggestions and "
            "the ATAS assessment are replaced."
        )
        st.button(
            "Save changes",
            key=f"mycases_save_{case.id}",
            type="primary",
            on_click=_on_save_details,
            args=(user, case.id),
        )
        if case.answers:
            st.markdown("**Answers**")
            for answer in case.answers:
                st.radio(
                    plain(answer.question),
                    options=list(ANSWERS),
                    format_func=ANSWERS.__getitem__,
                    horizontal=True,
                    key=f"mycases_answer_{case.id}_{answer.key}",
                )
                st.text_input(
                    "Comment",
                    key=f"mycases_comment_{case.id}_{answer.key}",
                    placeholder="Comment (optional)",
                    label_visibility="collapsed",
                )
            st.button(
                "Save answers",
                key=f"mycases_save_answers_{case.id}",
                on_click=_on_save_answers,
                args=(user, case),
            )


def _withdraw(user: User, case: CaseRecord) -> None:
    with st.expander("Withdraw the case", key=f"mycases_withdraw_{case.id}"):
        st.text_input("Why", key=f"mycases_withdraw_reason_{case.id}")
        st.button(
            "Withdraw",
            key=f"mycases_withdraw_button_{case.id}",
            on_click=_on_withdraw,
            args=(user, case.id),
        )
