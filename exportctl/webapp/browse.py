"""Browse: search the control lists and walk them as a tree; open any clause with its notes and
definitions. The open clause is in the address (``?code=3A001.a``) so it can be shared."""

from __future__ import annotations

import streamlit as st

from exportctl.errors import UnknownCodeError
from exportctl.lists.model import LIST_NAMES, Clause
from exportctl.lists.store import ControlList
from exportctl.webapp import components, engines
from exportctl.webapp.display import clause_path_html, note_html, shorten
from exportctl.webapp.session import require_user

CODE_KEY = "browse_code"


def _open(code: str) -> None:
    st.session_state[CODE_KEY] = code
    st.query_params["code"] = code


def render() -> None:
    require_user()
    clist = engines.control_list()
    st.title("Browse the control lists")
    st.caption(f"{clist.version} · {len(clist):,} clauses")
    if CODE_KEY not in st.session_state and st.query_params.get("code"):
        st.session_state[CODE_KEY] = st.query_params["code"]
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
            f"{clause.code} — {shorten(clause.text, 70)}",
            key=f"browse_hit_{clause.code}",
            on_click=_open,
            args=(clause.code,),
            type="tertiary",
        )


def _tree(clist: ControlList) -> None:
    st.markdown("**Browse by list**")
    list_names = [name for name in LIST_NAMES if clist.entries(name)]
    list_name = st.selectbox(
        "List", options=list_names, format_func=LIST_NAMES.__getitem__, key="browse_list"
    )
    entries = clist.entries(list_name)
    by_code = {c.code: c for c in entries}
    entry = st.selectbox(
        "Entry",
        options=list(by_code),
        format_func=lambda c: f"{c} — {shorten(by_code[c].text, 60)}",
        key="browse_entry",
        index=None,
        placeholder="Choose an entry",
    )
    if entry and st.session_state.get("browse_last_entry") != entry:
        st.session_state["browse_last_entry"] = entry
        _open(entry)


def _clause(clist: ControlList, code: str) -> None:
    try:
        clause = clist.get(code)
    except UnknownCodeError as error:
        st.error(error.message)
        for nearest in error.nearest:
            st.button(nearest, key=f"browse_near_{nearest}", on_click=_open, args=(nearest,))
        return
    ancestors = clist.ancestors(clause.code)
    if ancestors:
        with st.container(horizontal=True):
            for parent in ancestors:
                st.button(
                    f"↑ {parent.code}",
                    key=f"browse_up_{parent.code}",
                    on_click=_open,
                    args=(parent.code,),
                )
    st.subheader(clause.code)
    st.caption(
        f"{LIST_NAMES.get(clause.list_name, clause.list_name)}"
        + (f" · {clause.page_label}" if clause.page_label else "")
        + (f" · regimes {' '.join(clause.regimes)}" if clause.regimes else "")
    )
    st.markdown("**Text with its parents**")
    nodes = [(c.code, c.depth, c.text) for c in [*ancestors, clause]]
    st.html(clause_path_html(nodes, []))
    components_notes(clist, clause)
    if clause.children:
        st.markdown("**Sub-items**")
        for child in clist.children(clause.code):
            st.button(
                f"{child.code} — {shorten(child.text, 80)}",
                key=f"browse_child_{child.code}",
                on_click=_open,
                args=(child.code,),
                type="tertiary",
            )
    if clause.references:
        st.markdown("**Cross-references**")
        for ref in clause.references:
            st.button(ref, key=f"browse_ref_{ref}", on_click=_open, args=(ref,), type="tertiary")


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
                st.markdown(f'**"{definition.term}"**')
                components.text_block(definition.text)
