"""Export: officers download cases, suggestions and the audit trail as an Excel workbook (all
cases or a filtered selection), written case by case with a progress bar."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import streamlit as st

from exportctl.cases.records import CaseFilter
from exportctl.cases.vocabulary import CASE_STATUSES
from exportctl.export_excel import XLSX_MIME, export_filename, workbook_bytes
from exportctl.webapp import components, engines
from exportctl.webapp.display import plain
from exportctl.webapp.session import require_officer_page, require_user

READY_KEY = "export_ready"


@dataclass(frozen=True)
class PreparedExport:
    case_filter: CaseFilter
    file_name: str
    data: bytes
    cases: int
    audit: int


def render() -> None:
    user = require_user()
    require_officer_page(user)
    repo = engines.repository()
    st.title("Export decisions")
    st.write(
        "One workbook with a sheet of cases (one row each), a sheet of every suggestion with "
        "its score, evidence and review, and the audit trail of those cases with its chain "
        "head. The export is recorded in the audit trail once the workbook is made."
    )
    statuses = st.multiselect(
        "Status",
        options=list(CASE_STATUSES),
        format_func=CASE_STATUSES.__getitem__,
        key="export_f_status",
        placeholder="Any status",
    )
    state = components.case_filter_controls(key="export", researchers=repo.researchers(user))
    case_filter = replace(state.case_filter, statuses=tuple(statuses))
    counts = repo.count_by_status(user, case_filter)
    selected = sum(counts[s] for s in (case_filter.statuses or CASE_STATUSES))
    columns = st.columns(len(counts))
    for column, (status, count) in zip(columns, counts.items(), strict=True):
        column.metric(CASE_STATUSES[status], count)
    st.caption(plain(f"Selected: {selected:,} cases ({case_filter.describe()})."))
    if st.button(
        f"Prepare the workbook ({selected:,} cases)",
        key="export_prepare",
        type="primary",
        disabled=selected == 0,
    ):
        progress = st.progress(0.0, text="Reading cases…")
        stream = repo.export_stream(user, case_filter)

        def report(done: int, total: int) -> None:
            progress.progress(done / max(total, 1), text=f"Written {done:,} of {total:,} cases")

        data = workbook_bytes(stream, progress=report)
        file_name = export_filename(stream)
        # The export is recorded once the workbook is complete, with its SHA-256.
        repo.record_export(
            user,
            stream,
            file_name=file_name,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
        )
        progress.empty()
        st.session_state[READY_KEY] = PreparedExport(
            case_filter=case_filter,
            file_name=file_name,
            data=data,
            cases=stream.case_count,
            audit=stream.audit_count,
        )
    ready: PreparedExport | None = st.session_state.get(READY_KEY)
    if ready is not None and ready.case_filter != case_filter:
        st.session_state.pop(READY_KEY)  # made for another selection
        ready = None
    if ready is not None:
        st.success(
            f"Ready: {ready.cases:,} cases and {ready.audit:,} audit events, "
            f"{len(ready.data) / 1_048_576:.1f} MB."
        )
        st.download_button(
            "Download decisions (.xlsx)",
            data=ready.data,
            file_name=ready.file_name,
            mime=XLSX_MIME,
            key="export_download",
            type="primary",
            on_click="ignore",
        )
    st.caption(
        "Command line: `exportctl export --output decisions.xlsx` (with `--status`, "
        "`--decision`, `--researcher`, `--entry`, `--submitted-from`, `--submitted-to`)."
    )
