"""What changed: two imported list versions compared (Browse's second view). A summary table
first, then the changes entry by entry, a page of entries at a time; minor changes
(punctuation, spacing, decimal marks) are counted and shown on request."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import streamlit as st

from exportctl.config import CONTROL_LISTS_DIR
from exportctl.lists.diff import CHANGE_KINDS, Change, ListDiff
from exportctl.lists.model import LIST_NAMES
from exportctl.lists.store import ControlList, available_datasets
from exportctl.webapp import engines
from exportctl.webapp.display import change_html, count, plain

OLD_KEY = "changes_old"
NEW_KEY = "changes_new"
ENTRY_KEY = "changes_entry"
MINOR_KEY = "changes_minor"
PAGE_KEY = "changes_page"
ENTRIES_PER_PAGE = 20


def _label(folder: str) -> str:
    path = Path(folder)
    return f"{path.parent.name}/{path.name}"


def _defaults(folders: Sequence[str], current: ControlList) -> tuple[str, str]:
    """The list in use as the newer version, and the version before it (of the same list when
    there is one) as the older."""
    in_use = str(CONTROL_LISTS_DIR / current.manifest.list_name / current.manifest.list_date)
    new = in_use if in_use in folders else folders[-1]
    others = [f for f in folders if f != new]
    same_list = [f for f in others if Path(f).parent == Path(new).parent and f < new]
    return (same_list or others)[-1], new


def _reset_page() -> None:
    st.session_state[PAGE_KEY] = 0


def render(current: ControlList) -> None:
    folders = [str(folder) for folder in available_datasets()]
    if len(folders) < 2:
        st.info(
            f"Only one list version is imported ({plain(current.version)}). Import another "
            "(`exportctl import FILE --list-name NAME --list-date YYYY-MM-DD`) to see what "
            "changed between them."
        )
        return
    old_default, new_default = _defaults(folders, current)
    if st.session_state.get(OLD_KEY) not in folders:
        st.session_state[OLD_KEY] = old_default
    if st.session_state.get(NEW_KEY) not in folders:
        st.session_state[NEW_KEY] = new_default
    left, right = st.columns(2)
    with left:
        old = st.selectbox(
            "Older version", folders, format_func=_label, key=OLD_KEY, on_change=_reset_page
        )
    with right:
        new = st.selectbox(
            "Newer version", folders, format_func=_label, key=NEW_KEY, on_change=_reset_page
        )
    if old == new:
        st.info("Choose two different versions.")
        return
    diff = engines.list_diff(old, new)
    st.caption(
        plain(
            f"{diff.old_version} → {diff.new_version}, compared in "
            + (", ".join(LIST_NAMES.get(p, p) for p in diff.parts) or "no list both hold")
            + ". Entries and clauses are paired by their words, not by their codes alone."
        )
    )
    _summary(diff)
    filter_left, filter_right = st.columns([3, 2], vertical_alignment="bottom")
    with filter_left:
        entry = st.text_input(
            "Only this entry or clause",
            key=ENTRY_KEY,
            placeholder="e.g. 3A001",
            on_change=_reset_page,
        )
    with filter_right:
        minor = st.checkbox(
            "Show minor changes (punctuation, spacing, decimal marks)",
            key=MINOR_KEY,
            on_change=_reset_page,
        )
    shown = diff.for_entry(entry) if entry.strip() else diff
    _details([c for c in shown.changes if minor or not c.minor])


def _summary(diff: ListDiff) -> None:
    counts, without_minor = diff.counts(), diff.counts(minor=False)
    with st.container(key="changes_summary"):
        _summary_table(counts, without_minor)


def _summary_table(counts: dict[str, int], without_minor: dict[str, int]) -> None:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Change": label,
                    "Count": counts[kind],
                    "of which minor": counts[kind] - without_minor[kind],
                }
                for kind, label in CHANGE_KINDS.items()
            ]
        ),
        hide_index=True,
        height=(len(CHANGE_KINDS) + 1) * 35 + 3,  # every row, no scrolling
    )


def _details(changes: Sequence[Change]) -> None:
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.entry or "Definitions", []).append(change)
    if not groups:
        st.info("No changes to show.")
        return
    names = list(groups)
    pages = -(-len(names) // ENTRIES_PER_PAGE)
    page = min(int(st.session_state.get(PAGE_KEY, 0)), pages - 1)
    st.markdown(
        f"**{count(len(changes), 'change')} in {count(len(names), 'entry', 'entries')}** · "
        f"page {page + 1} of {pages}"
    )
    for name in names[page * ENTRIES_PER_PAGE : (page + 1) * ENTRIES_PER_PAGE]:
        with st.container(border=True, key=f"changes_entry_{name}"):
            st.markdown(f"**{plain(name)}**")
            st.html("".join(change_html(change.to_dict()) for change in groups[name]))
    if pages > 1:
        back, forward = st.columns(2)
        with back:
            st.button(
                "Previous entries",
                key="changes_previous",
                disabled=page == 0,
                on_click=lambda: st.session_state.update({PAGE_KEY: page - 1}),
            )
        with forward:
            st.button(
                "Next entries",
                key="changes_next",
                disabled=page >= pages - 1,
                on_click=lambda: st.session_state.update({PAGE_KEY: page + 1}),
            )
