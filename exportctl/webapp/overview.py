"""Overview: for officers, the office's cases at a glance. Cases by status and decisions over
time, the entries and categories most often confirmed, ATAS outcomes, and how long cases wait
from submission to decision (Altair charts, which Streamlit ships).

The tables behind the charts are plain functions of the case store's
:class:`~exportctl.cases.records.OverviewData`, so they are tested without a browser.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from exportctl.cases.records import OverviewData
from exportctl.cases.vocabulary import ATAS_DECISIONS, CASE_STATUSES, DECISIONS
from exportctl.lists.model import LIST_NAMES
from exportctl.webapp import components, engines
from exportctl.webapp.display import plain
from exportctl.webapp.session import require_officer_page, require_user

#: Categories of the Dual-Use List (Annex I), by the code's first digit.
DUAL_USE_CATEGORIES: dict[str, str] = {
    "0": "0 Nuclear materials, facilities and equipment",
    "1": "1 Special materials and related equipment",
    "2": "2 Materials processing",
    "3": "3 Electronics",
    "4": "4 Computers",
    "5": "5 Telecommunications and information security",
    "6": "6 Sensors and lasers",
    "7": "7 Navigation and avionics",
    "8": "8 Marine",
    "9": "9 Aerospace and propulsion",
}
TOP_ENTRIES = 15


def _weeks(values: pd.Series) -> pd.Series:
    """The Monday of each date's week."""
    dates = pd.to_datetime(values)
    return (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.normalize()


def cases_frame(data: OverviewData) -> pd.DataFrame:
    frame = pd.DataFrame(
        [c.__dict__ for c in data.cases],
        columns=[
            "id",
            "status",
            "decision",
            "atas_decision",
            "atas_summary",
            "submitted_at",
            "decided_at",
        ],
    )
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"])
    frame["decided_at"] = pd.to_datetime(frame["decided_at"])
    return frame


def submitted_by_week(frame: pd.DataFrame) -> pd.DataFrame:
    """Cases submitted per week, by their status now: week, status, cases."""
    rows = frame.dropna(subset=["submitted_at"])
    table = (
        rows.assign(week=_weeks(rows["submitted_at"]), status=rows["status"].map(CASE_STATUSES))
        .groupby(["week", "status"], as_index=False)
        .size()
        .rename(columns={"size": "cases"})
    )
    return table


def decided_by_week(frame: pd.DataFrame) -> pd.DataFrame:
    """Decisions per week by kind: week, decision, cases (decided cases only)."""
    rows = frame[(frame["status"] == "decided") & frame["decided_at"].notna()]
    return (
        rows.assign(week=_weeks(rows["decided_at"]), decision=rows["decision"].map(DECISIONS))
        .groupby(["week", "decision"], as_index=False)
        .size()
        .rename(columns={"size": "cases"})
    )


def category_of(list_name: str, entry: str) -> str:
    if list_name == "dual-use" and entry[:1] in DUAL_USE_CATEGORIES:
        return DUAL_USE_CATEGORIES[entry[:1]]
    return LIST_NAMES.get(list_name, list_name)


def confirmed_entries(data: OverviewData, top: int = TOP_ENTRIES) -> pd.DataFrame:
    """The entries most often confirmed: entry, cases (one count per case and entry)."""
    pairs = {(c.case_id, c.entry) for c in data.confirmed}
    frame = pd.DataFrame(sorted(pairs), columns=["case_id", "entry"])
    counts = frame.groupby("entry", as_index=False).size().rename(columns={"size": "cases"})
    return counts.sort_values(["cases", "entry"], ascending=[False, True]).head(top)


def confirmed_categories(data: OverviewData) -> pd.DataFrame:
    """Confirmed entries by category (dual-use category or list): category, cases."""
    pairs = {(c.case_id, category_of(c.list_name, c.entry)) for c in data.confirmed}
    frame = pd.DataFrame(sorted(pairs), columns=["case_id", "category"])
    counts = frame.groupby("category", as_index=False).size().rename(columns={"size": "cases"})
    return counts.sort_values(["cases", "category"], ascending=[False, True])


def atas_outcomes(frame: pd.DataFrame) -> pd.DataFrame:
    """ATAS as suggested by the tool and as decided by officers: source, outcome, cases."""
    suggested = frame["atas_summary"].fillna("").str.extract(r"^ATAS (\w[\w ]*?)(?::|$)")[0]
    suggested = suggested.fillna("not assessed").map(lambda s: f"Suggested: {s}")
    decided = frame.loc[frame["status"] == "decided", "atas_decision"].map(
        lambda d: ATAS_DECISIONS.get(d, "Not assessed") if isinstance(d, str) else "Not assessed"
    )
    table = pd.concat(
        [
            pd.DataFrame({"source": "Suggested by the tool", "outcome": suggested}),
            pd.DataFrame({"source": "Decided by an officer", "outcome": decided}),
        ]
    )
    return (
        table.groupby(["source", "outcome"], as_index=False)
        .size()
        .rename(columns={"size": "cases"})
    )


def days_to_decision(frame: pd.DataFrame) -> pd.Series:
    """Days from submission to decision of each decided case."""
    rows = frame[(frame["status"] == "decided") & frame["decided_at"].notna()]
    delta = rows["decided_at"] - rows["submitted_at"]
    return (delta.dt.total_seconds() / 86_400).round(2).rename("days")


#: Charts fill the column's width and keep their own height (Streamlit's default squeezes
#: axes, title and legend into it).
_FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


def _by_week(table: pd.DataFrame, colour: str, title: str) -> alt.Chart:
    """Stacked bars of cases per week, coloured by ``colour``."""
    table = table.assign(week=table["week"].dt.strftime("%Y-%m-%d"))
    return (
        alt.Chart(table, title=title)
        .mark_bar()
        .encode(
            x=alt.X("week:O", title="Week from", axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("cases:Q", title="Cases"),
            color=alt.Color(
                f"{colour}:N",
                title=None,
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=320),
            ),
            tooltip=[alt.Tooltip("week:O", title="Week from"), colour, "cases"],
        )
        .properties(height=220, autosize=_FIT_WIDTH)
    )


def _ranking(table: pd.DataFrame, label: str, title: str) -> alt.Chart:
    return (
        alt.Chart(table, title=title)
        .mark_bar()
        .encode(
            x=alt.X("cases:Q", title="Cases", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y(f"{label}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            tooltip=[label, "cases"],
        )
        .properties(height=alt.Step(24), autosize=_FIT_WIDTH)
    )


def render() -> None:
    user = require_user()
    require_officer_page(user)
    repo = engines.repository()
    st.title("Overview")
    state = components.case_filter_controls(key="overview", researchers=repo.researchers(user))
    data = repo.overview(user, state.case_filter)
    st.caption(plain(f"Cases: {state.case_filter.describe()}. Times are UTC."))
    frame = cases_frame(data)
    if frame.empty:
        st.info("No cases yet (or none matches the filter).")
        return
    days = days_to_decision(frame)
    columns = st.columns(5)
    columns[0].metric("Cases", f"{len(frame):,}")
    columns[1].metric(
        "Waiting for review", f"{int(frame['status'].isin(['submitted', 'in_review']).sum()):,}"
    )
    columns[2].metric("Decided", f"{int((frame['status'] == 'decided').sum()):,}")
    columns[3].metric("Median days to decision", f"{days.median():.1f}" if not days.empty else "—")
    columns[4].metric(
        "90% decided within (days)", f"{days.quantile(0.9):.1f}" if not days.empty else "—"
    )
    left, right = st.columns(2)
    with left:
        st.altair_chart(
            _by_week(submitted_by_week(frame), "status", "Submitted per week, by status now"),
            width="stretch",
        )
    with right:
        decided = decided_by_week(frame)
        if decided.empty:
            st.caption("No decisions yet.")
        else:
            st.altair_chart(_by_week(decided, "decision", "Decisions per week"), width="stretch")
    left, right = st.columns(2)
    with left:
        entries = confirmed_entries(data)
        if entries.empty:
            st.caption("No entry confirmed yet.")
        else:
            st.altair_chart(
                _ranking(entries, "entry", f"Most often confirmed entries (top {TOP_ENTRIES})"),
                width="stretch",
            )
    with right:
        categories = confirmed_categories(data)
        if not categories.empty:
            st.altair_chart(
                _ranking(categories, "category", "Confirmed entries by category"),
                width="stretch",
            )
    left, right = st.columns(2)
    with left:
        st.altair_chart(
            alt.Chart(atas_outcomes(frame), title="ATAS outcomes")
            .mark_bar()
            .encode(
                x=alt.X("cases:Q", title="Cases", axis=alt.Axis(tickMinStep=1)),
                y=alt.Y("source:N", title=None, axis=alt.Axis(labelLimit=200)),
                color=alt.Color(
                    "outcome:N",
                    title=None,
                    legend=alt.Legend(orient="bottom", columns=1, labelLimit=320),
                ),
                tooltip=["source", "outcome", "cases"],
            )
            .properties(height=alt.Step(36), autosize=_FIT_WIDTH),
            width="stretch",
        )
    with right:
        if days.empty:
            st.caption("No decisions yet.")
        else:
            st.altair_chart(
                alt.Chart(days.to_frame(), title="Days from submission to decision")
                .mark_bar()
                .encode(
                    x=alt.X("days:Q", bin=alt.Bin(maxbins=30), title="Days"),
                    y=alt.Y("count():Q", title="Cases", axis=alt.Axis(tickMinStep=1)),
                    tooltip=[alt.Tooltip("count():Q", title="Cases")],
                )
                .properties(height=220, autosize=_FIT_WIDTH),
                width="stretch",
            )
