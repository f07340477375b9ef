"""Export: officers download every case, suggestion and audit event as an Excel workbook."""

from __future__ import annotations

import streamlit as st

from exportctl.cases.repository import utcnow
from exportctl.export_excel import XLSX_MIME, workbook_bytes
from exportctl.webapp import engines
from exportctl.webapp.session import require_officer_page, require_user


def render() -> None:
    user = require_user()
    require_officer_page(user)
    repo = engines.repository()
    st.title("Export decisions")
    counts = repo.count_by_status(user)
    columns = st.columns(len(counts))
    for column, (status, count) in zip(columns, counts.items(), strict=True):
        column.metric(status.replace("_", " ").capitalize(), count)
    st.write(
        "One workbook with a sheet of cases (one row each), a sheet of every suggestion with "
        "its score, evidence and review, and the full audit trail. The export itself is "
        "recorded in the audit trail."
    )

    def build() -> bytes:
        # Runs when the button is clicked, so the file holds the cases as they are then.
        return workbook_bytes(repo.export_data(user))

    st.download_button(
        "Download decisions (.xlsx)",
        data=build,
        file_name=f"exportctl-decisions-{utcnow():%Y%m%d-%H%M}.xlsx",
        mime=XLSX_MIME,
        key="export_download",
        type="primary",
        on_click="ignore",
    )
    st.caption("Command line: `exportctl export --output decisions.xlsx`")
