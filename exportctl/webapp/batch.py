"""Batch: screen a CSV or Excel file of abstracts, review the suggestions as a table, and create
a case for each row. Nothing is stored until 'Create cases' is pressed."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from exportctl.appconfig import MAX_BATCH_ROWS
from exportctl.auth import User
from exportctl.errors import ExportctlError
from exportctl.suggest.result import SuggestionResult
from exportctl.uploads import BatchRow, UploadError, batch_rows, guess_columns, read_table
from exportctl.webapp import components, engines
from exportctl.webapp.session import require_officer_page, require_user

RUN_KEY = "batch_run"
DONE_KEY = "batch_done"
_NONE = ""


@dataclass(frozen=True)
class BatchRun:
    file_name: str
    rows: tuple[tuple[BatchRow, SuggestionResult], ...]
    researchers: dict[str, str]  # row id -> researcher user name, when a column was chosen
    problems: tuple[str, ...]


def render() -> None:
    user = require_user()
    require_officer_page(user)
    st.title("Batch screening")
    components.disclaimer()
    if st.session_state.get(DONE_KEY):
        st.success(st.session_state.pop(DONE_KEY))
    uploaded = st.file_uploader(
        f"CSV or Excel (.xlsx) file of abstracts, one per row (at most {MAX_BATCH_ROWS:,} rows)",
        type=["csv", "xlsx"],
        key="batch_file",
    )
    if uploaded is None:
        st.session_state.pop(RUN_KEY, None)
        st.caption("The first row must hold column names; you choose which columns to use.")
        return
    try:
        frame = read_table(uploaded.name, uploaded.getvalue())
    except UploadError as error:
        st.session_state.pop(RUN_KEY, None)
        st.error(error.message)
        return
    columns = [str(c) for c in frame.columns]
    guessed = guess_columns(columns)
    choices = [_NONE, *columns]

    def pick(label: str, key: str, guess: str | None, *, optional: bool = True) -> str | None:
        options = choices if optional else columns
        index = options.index(guess) if guess in options else 0
        value = st.selectbox(
            label,
            options=options,
            index=index,
            key=key,
            format_func=lambda c: c or "— none —",
        )
        return value or None

    left, right = st.columns(2)
    with left:
        text_column = pick(
            "Abstract text column", "batch_text_col", guessed["text"], optional=False
        )
        id_column = pick("Id column", "batch_id_col", guessed["id"])
    with right:
        title_column = pick("Title column", "batch_title_col", guessed["title"])
        researcher_column = pick("Researcher (user name) column", "batch_researcher_col", None)
    st.caption(f"{len(frame):,} rows in {uploaded.name}. First rows:")
    st.dataframe(frame.head(5), hide_index=True, width="stretch")
    if st.button("Run suggestions", key="batch_run_button", type="primary"):
        try:
            table = batch_rows(
                frame, text_column=text_column, id_column=id_column, title_column=title_column
            )
        except UploadError as error:
            st.error(error.message)
            return
        researchers = {}
        if researcher_column:
            for row in table.rows:
                value = str(frame.iloc[row.row - 1][researcher_column]).strip()
                if value:
                    researchers[row.id] = value
        _run(uploaded.name, table.rows, table.skipped, researchers)
    run: BatchRun | None = st.session_state.get(RUN_KEY)
    if run is not None and run.file_name == uploaded.name:
        _results(user, run)


def _run(
    file_name: str, rows: tuple[BatchRow, ...], skipped: tuple[str, ...], researchers: dict
) -> None:
    suggester = engines.suggester()
    done: list[tuple[BatchRow, SuggestionResult]] = []
    problems = list(skipped)
    progress = st.progress(0.0, text="Screening…")
    for index, row in enumerate(rows, start=1):
        try:
            done.append((row, suggester.suggest(row.text, text_id=row.id)))
        except ExportctlError as error:
            problems.append(f"{row.id}: {error.message}")
        progress.progress(index / len(rows), text=f"Screened {index} of {len(rows)}")
    progress.empty()
    st.session_state[RUN_KEY] = BatchRun(file_name, tuple(done), researchers, tuple(problems))


def _results(user: User, run: BatchRun) -> None:
    st.subheader(f"Suggestions for {len(run.rows)} abstracts")
    for problem in run.problems:
        st.warning(f"Left out: {problem}")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Id": row.id,
                    "Title": row.title,
                    "Researcher": run.researchers.get(row.id, user.username),
                    "Top entries": ", ".join(c.code for c in result.controls[:3]),
                    "Top score": round(result.controls[0].score, 3) if result.controls else None,
                    "Entries suggested": len(result.controls),
                    "CAH3 subjects": ", ".join(
                        str(getattr(s, "cah3", "")) for s in result.subjects[:2]
                    ),
                }
                for row, result in run.rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    if not run.rows:
        return
    if st.button(f"Create {len(run.rows)} cases", key="batch_create", type="primary"):
        repo = engines.repository()
        created: list[int] = []
        failed: list[str] = []
        for row, result in run.rows:
            owner = run.researchers.get(row.id)
            researcher = User(username=owner, name=owner, role="researcher") if owner else None
            try:
                created.append(
                    repo.create_case(
                        user,
                        title=row.title,
                        abstract=row.text,
                        result=result,
                        external_id=row.id,
                        source_name=run.file_name,
                        researcher=researcher,
                    )
                )
            except ExportctlError as error:
                failed.append(f"{row.id} ({error.message})")
        st.session_state.pop(RUN_KEY, None)
        st.session_state[DONE_KEY] = (
            f"Created {len(created)} cases; they are in the review queue."
            + (f" Not created: {'; '.join(failed)}" if failed else "")
        )
        st.rerun()
