"""Batch: screen a CSV or Excel file of abstracts, review the suggestions as a table, and create
a case for each row. Nothing is stored until 'Create cases' is pressed.

The file is not trusted: the text, id and title columns are found by their names or chosen,
never taken from their position; an id that already names a case is refused (never a second
case with the same id); a researcher must be a known researcher's user name. Every refused row
is listed with its row number.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from exportctl.appconfig import MAX_BATCH_BYTES, MAX_BATCH_ROWS
from exportctl.auth import User
from exportctl.cases.records import case_ref
from exportctl.errors import ExportctlError
from exportctl.suggest.result import SuggestionResult
from exportctl.uploads import (
    BatchRow,
    UploadError,
    batch_rows,
    check_batch,
    guess_columns,
    read_table,
)
from exportctl.webapp import components, engines
from exportctl.webapp.display import plain
from exportctl.webapp.session import (
    is_researcher,
    known_researchers,
    require_officer_page,
    require_user,
)

RUN_KEY = "batch_run"
DONE_KEY = "batch_done"
UNSAVED_KEY = "page_unsaved"
_NONE = ""


@dataclass(frozen=True)
class BatchRun:
    file_name: str
    file_size: int
    rows: tuple[tuple[BatchRow, SuggestionResult], ...]
    owners: dict[str, User]  # row id -> the researcher the case will belong to
    problems: tuple[str, ...]


def render() -> None:
    user = require_user()
    require_officer_page(user)
    st.title("Batch screening")
    components.disclaimer()
    if st.session_state.get(DONE_KEY):
        st.success(plain(st.session_state.pop(DONE_KEY)))
    uploaded = st.file_uploader(
        f"CSV or Excel (.xlsx) file of abstracts, one per row (at most {MAX_BATCH_ROWS:,} rows "
        f"and {MAX_BATCH_BYTES // 1_048_576} MB)",
        type=["csv", "xlsx"],
        key="batch_file",
        max_upload_size=MAX_BATCH_BYTES // 1_048_576,
    )
    if uploaded is None:
        st.session_state.pop(RUN_KEY, None)
        st.caption(
            "The first row must hold column names. The abstract column is found by its name "
            "(abstract, text, summary, description) or you choose it."
        )
        return
    try:
        frame = read_table(uploaded.name, uploaded.getvalue())
    except UploadError as error:
        st.session_state.pop(RUN_KEY, None)
        st.error(plain(error.message))
        return
    columns = [str(c) for c in frame.columns]
    guessed = guess_columns(columns)
    choices = [_NONE, *columns]

    def pick(label: str, key: str, guess: str | None, none: str) -> str | None:
        value = st.selectbox(
            label,
            options=choices,
            index=choices.index(guess) if guess in choices else 0,
            key=key,
            format_func=lambda c: c or none,
        )
        return value or None

    left, right = st.columns(2)
    with left:
        text_column = pick("Abstract text column", "batch_text_col", guessed["text"], "— choose —")
        id_column = pick("Id column", "batch_id_col", guessed["id"], "— none —")
    with right:
        title_column = pick("Title column", "batch_title_col", guessed["title"], "— none —")
        owner_column = pick(
            "Researcher (user name) column", "batch_researcher_col", None, "— none —"
        )
    st.caption(
        plain(f"{len(frame):,} rows in {uploaded.name}. First rows:")
        + ("" if owner_column else " Without a researcher column the cases are yours.")
    )
    st.dataframe(frame.head(5), hide_index=True, width="stretch")
    if text_column is None:
        st.warning(
            "No column is named like an abstract (abstract, text, summary, description): "
            "choose the column that holds the text."
        )
    if st.button(
        "Run suggestions", key="batch_run_button", type="primary", disabled=text_column is None
    ):
        _prepare_and_run(
            user,
            uploaded.name,
            uploaded.size,
            frame,
            text_column,
            id_column,
            title_column,
            owner_column,
        )
    run: BatchRun | None = st.session_state.get(RUN_KEY)
    if run is not None and (run.file_name, run.file_size) == (uploaded.name, uploaded.size):
        _results(user, run)
        st.session_state[UNSAVED_KEY] = bool(run.rows)


def _prepare_and_run(
    user: User,
    file_name: str,
    file_size: int,
    frame: pd.DataFrame,
    text_column: str | None,
    id_column: str | None,
    title_column: str | None,
    owner_column: str | None,
) -> None:
    if text_column is None:
        return
    try:
        table = batch_rows(
            frame,
            text_column=text_column,
            id_column=id_column,
            title_column=title_column,
            owner_column=owner_column,
        )
    except UploadError as error:
        st.error(plain(error.message))
        return
    repo = engines.repository()
    existing = {
        external_id: case_ref(case_id)
        for external_id, case_id in repo.external_ids(
            user, [r.external_id for r in table.rows if r.external_id]
        ).items()
    }
    researchers = known_researchers() if owner_column else None
    plan = check_batch(
        table,
        existing=existing,
        is_researcher=((lambda name: is_researcher(name, researchers)) if owner_column else None),
    )
    owners: dict[str, User] = {}
    for row in plan.rows:
        if owner_column and row.owner:
            known = (researchers or {}).get(row.owner)
            owners[row.id] = known or User(username=row.owner, name=row.owner, role="researcher")
    _run(file_name, file_size, plan.rows, (*table.skipped, *plan.refused), owners)


def _run(
    file_name: str,
    file_size: int,
    rows: tuple[BatchRow, ...],
    problems: tuple[str, ...],
    owners: dict[str, User],
) -> None:
    suggester = engines.suggester_with_precedents() if rows else None
    done: list[tuple[BatchRow, SuggestionResult]] = []
    problems_list = list(problems)
    progress = st.progress(0.0, text="Screening…")
    for index, row in enumerate(rows, start=1):
        try:
            done.append((row, suggester.suggest(row.text, text_id=row.id)))
        except ExportctlError as error:
            problems_list.append(f"row {row.row} ({row.id}): {error.message}")
        progress.progress(index / len(rows), text=f"Screened {index} of {len(rows)}")
    progress.empty()
    st.session_state[RUN_KEY] = BatchRun(
        file_name, file_size, tuple(done), owners, tuple(problems_list)
    )


def _results(user: User, run: BatchRun) -> None:
    st.subheader(f"Suggestions for {len(run.rows)} abstracts")
    for problem in run.problems:
        st.warning(plain(f"Left out: {problem}"))
    if run.rows:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Row": row.row,
                        "Id": row.id,
                        "Title": row.title,
                        "Researcher": run.owners[row.id].username
                        if row.id in run.owners
                        else user.username,
                        "Top entries": ", ".join(c.code for c in result.controls[:3]),
                        "Top score": round(result.controls[0].score, 3)
                        if result.controls
                        else None,
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
        progress = st.progress(0.0, text="Creating cases…")
        for index, (row, result) in enumerate(run.rows, start=1):
            try:
                created.append(
                    repo.create_case(
                        user,
                        title=row.title,
                        abstract=row.text,
                        result=result,
                        external_id=row.external_id,
                        source_name=run.file_name,
                        researcher=run.owners.get(row.id),
                    )
                )
            except ExportctlError as error:  # e.g. the id was just used by someone else
                failed.append(f"row {row.row} ({row.id}): {error.message}")
            progress.progress(index / len(run.rows), text=f"Created {index} of {len(run.rows)}")
        st.session_state.pop(RUN_KEY, None)
        st.session_state[DONE_KEY] = (
            f"Created {len(created)} cases; they are in the review queue."
            + (f" Not created: {'; '.join(failed)}" if failed else "")
        )
        st.rerun()
