"""Browse: search the control lists and walk them as a tree; open any clause with its notes and
definitions; or see what changed between two imported versions (:mod:`changes`). The open
clause is in the address (``?code=3A001.a``) so it can be shared, and such an address opens the
clause (after sign-in, if needed)."""

from __future__ import annotations

import streamlit as st

from exportctl.errors import UnknownCodeError
from exportctl.lists.model import LIST_NAMES, Clause
from exportctl.lists.store import ControlList
from exportctl.webapp import changes, components, engines
from exportctl.webapp.display import clause_path_html, note_html, plain, shorten
from exportctl.webapp.session import require_user

CODE_KEY = "browse_code"
LIST_KEY = "browse_list"
ENTRY_KEY = "browse_entry"
#: The list Browse opens on when no clause is open: the one most research falls under.
DEFAULT_LIST = "dual-use"
VIEW_KEY = "browse_view"
VIEWS = {"browse": "Browse", "changes": "What changed"}


def _open(code: str) -> None:
    """Open ``code`` (a button's callback): the address and the list and entry choices follow."""
    st.session_state[CODE_KEY] = code
    st.query_params["code"] = code
    _show_in_tree(engines.control_list(), code)


def _show_in_tree(clist: ControlList, code: str) -> None:
    if code not in clist:
        return
    clause = clist.get(code)
    st.session_state[LIST_KEY] = clause.list_name
    st.session_state[ENTRY_KEY] = clause.entry
    st.session_state["browse_last_entry"] = clause.entry


def _on_list() -> None:
    """Another list: its entries, and no clause of the old list left open."""
    st.session_state[ENTRY_KEY] = None
    st.session_state.pop(CODE_KEY, None)
    st.session_state.pop("browse_last_entry", None)
    if "code" in st.query_params:
        del st.query_params["code"]


def _follow_address(clist: ControlList) -> None:
    """Open the clause the address names when it is not the one open (a shared link)."""
    wanted = st.query_params.get("code")
    if wanted and wanted != st.session_state.get(CODE_KEY):
        st.session_state[CODE_KEY] = wanted
        _show_in_tree(clist, wanted)


def render() -> None:
    require_user()
    clist = engines.control_list()
    st.title("Browse the control lists")
    st.caption(f"{plain(clist.version)} · {len(clist):,} clauses")
    view = st.segmented_control(
        "View",
        options=list(VIEWS),
        format_func=VIEWS.__getitem__,
        default="browse",
        key=VIEW_KEY,
        label_visibility="collapsed",
    )
    if view == "changes":
        changes.render(clist)
        return
    _follow_address(clist)
    left, right = st.columns([2, 3], gap="large")
    with left:
        _tree(clist)
        _search(clist)
    with right:
        code = st.session_state.get(CODE_KEY)
        if code:
            _clause(clist, code)
        else:
            st.info("Search, or pick a list and an entry, to open a clause.")


def _search(clist: ControlList) -> None:
    query = st.text_input("Search by code or words", key="browse_query", placeholder="e.g. laser")
    if not query.strip():
        return
    results = clist.search(query, limit=15)
    if not results:
        st.caption("Nothing found.")
    for clause in results:
        st.button(
            plain(f"{clause.code} — {shorten(clause.text, 70)}"),
            key=f"browse_hit_{clause.code}",
            on_click=_open,
            args=(clause.code,),
            type="tertiary",
        )


def _tree(clist: ControlList) -> None:
    st.markdown("**Browse by list**")
    list_names = [name for name in LIST_NAMES if clist.entries(name)]
    if st.session_state.get(LIST_KEY) not in list_names:
        st.session_state[LIST_KEY] = DEFAULT_LIST if DEFAULT_LIST in list_names else list_names[0]
    list_name = st.selectbox(
        "List",
        options=list_names,
        format_func=LIST_NAMES.__getitem__,
        key=LIST_KEY,
        on_change=_on_list,
    )
    entries = clist.entries(list_name)
    by_code = {c.code: c for c in entries}
    entry = st.selectbox(
        "Entry",
        options=list(by_code),
        format_func=lambda c: f"{c} — {shorten(by_code[c].text, 60)}",
        key=ENTRY_KEY,
        index=None,
        placeholder="Choose an entry",
    )
    if entry and st.session_state.get("browse_last_entry") != entry:
        st.session_state["browse_last_entry"] = entry
        st.session_state[CODE_KEY] = entry
        st.query_params["code"] = entry


def _clause(clist: ControlList, code: str) -> None:
    try:
        clause = clist.get(code)
    except UnknownCodeError as error:
        st.error(plain(error.message))
        for nearest in error.nearest:
            st.button(plain(nearest), key=f"browse_near_{nearest}", on_click=_open, args=(nearest,))
        return
    ancestors = clist.ancestors(clause.code)
    if ancestors:
        with st.container(horizontal=True):
            for parent in ancestors:
                st.button(
                    f"↑ {plain(parent.code)}",
                    key=f"browse_up_{parent.code}",
                    on_click=_open,
                    args=(parent.code,),
                )
    st.subheader(plain(clause.code))
    st.caption(
        plain(
            f"{LIST_NAMES.get(clause.list_name, clause.list_name)}"
            + (f" · {clause.page_label}" if clause.page_label else "")
            + (f" · regimes {' '.join(clause.regimes)}" if clause.regimes else "")
        )
    )
    st.markdown("**Text with its parents**")
    nodes = [(c.code, c.depth, c.text) for c in [*ancestors, clause]]
    st.html(clause_path_html(nodes, []))
    components_notes(clist, clause)
    if clause.children:
        st.markdown("**Sub-items**")
        for child in clist.children(clause.code):
            st.button(
                plain(f"{child.code} — {shorten(child.text, 80)}"),
                key=f"browse_child_{child.code}",
                on_click=_open,
                args=(child.code,),
                type="tertiary",
            )
    if clause.references:
        st.markdown("**Cross-references**")
        for ref in clause.references:
            st.button(
                plain(ref), key=f"browse_ref_{ref}", on_click=_open, args=(ref,), type="tertiary"
            )


def components_notes(clist: ControlList, clause: Clause) -> None:
    if clause.notes:
        st.markdown("**Notes**")
        st.html(
            "".join(
                note_html(n.heading, clause.code, n.text, decontrol=n.decontrol)
                for n in clause.notes
            )
        )
    definitions = clist.definitions_for(clause.code)
    if definitions:
        with st.expander(f"Definitions ({len(definitions)})"):
            for definition in definitions:
                st.markdown(f'**"{plain(definition.term)}"**')
                components.text_block(definition.text)
