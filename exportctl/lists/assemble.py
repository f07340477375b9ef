"""Turn parsed clause trees into the stored ``Clause`` records: full text with parents' words,
notes moved to the clause they name, cross-references resolved, defined terms listed."""

from __future__ import annotations

import re
from collections.abc import Iterator

from exportctl.lists.clause_parser import NOT_USED, ParsedClause, ParsedNote
from exportctl.lists.model import Clause, Note
from exportctl.lists.textutil import (
    cited_codes,
    double_quoted_terms,
    join_lines,
    single_quoted_terms,
)

DECONTROL = re.compile(r"\b(?:does|do) not (?:control|apply)\b", re.IGNORECASE)
#: How far into a note its subject code may be printed ("Note: 3A001.a.2. does not ...",
#: "For the purposes of 3A001.a.5.a.:").
NOTE_SUBJECT_SPAN = 45


def walk(clause: ParsedClause) -> Iterator[ParsedClause]:
    yield clause
    for child in clause.children:
        yield from walk(child)


def reattach_notes(entry: ParsedClause) -> int:
    """Move each note to the clause it names at its start, when that clause is in this entry.

    A note printed after a clause's last sub-item lands, in reading order, on that sub-item;
    the note itself says which clause it belongs to ("Note: ML1.b. does not control ...").
    """
    by_code = {clause.code: clause for clause in walk(entry)}
    moved = 0
    for clause in list(by_code.values()):
        kept: list[ParsedNote] = []
        for note in clause.notes:
            target = _note_subject(note, by_code)
            if target is not None and target is not clause:
                target.notes.append(note)
                moved += 1
            else:
                kept.append(note)
        clause.notes = kept
    return moved


def _note_subject(note: ParsedNote, by_code: dict[str, ParsedClause]) -> ParsedClause | None:
    head = join_lines(note.lines)[:NOTE_SUBJECT_SPAN]
    for code in cited_codes(head):
        if code in by_code:
            return by_code[code]
    return None


def build_records(
    entries: list[ParsedClause],
    *,
    list_name: str,
    page_label: dict[str, str],
) -> list[Clause]:
    """Records for every clause of ``entries`` (references are resolved later, list-wide)."""
    records: list[Clause] = []
    for entry in entries:
        reattach_notes(entry)
        for clause in walk(entry):
            records.append(_record(clause, list_name=list_name, page_label=page_label))
    return records


def _full_text(clause: ParsedClause) -> str:
    parts: list[str] = []
    node: ParsedClause | None = clause
    while node is not None:
        parts.append(join_lines(node.lines))
        node = node.parent
    return " ".join(part for part in reversed(parts) if part)


def _record(clause: ParsedClause, *, list_name: str, page_label: dict[str, str]) -> Clause:
    text = join_lines(clause.lines)
    notes = tuple(
        Note(
            kind=note.kind,
            heading=note.heading,
            text=join_lines(note.lines),
            decontrol=bool(DECONTROL.search(join_lines(note.lines))),
        )
        for note in clause.notes
        if note.lines
    )
    entry = clause
    while entry.parent is not None:
        entry = entry.parent
    label = None
    if clause.document and clause.page is not None:
        label = f"{page_label.get(clause.document, clause.document)}, page {clause.page}"
    return Clause(
        code=clause.code,
        parent=clause.parent.code if clause.parent else None,
        depth=clause.depth,
        list_name=list_name,
        entry=entry.code,
        label=clause.label,
        text=text,
        full_text=_full_text(clause),
        category=clause.category,
        product_group=clause.group[1] if clause.group and len(clause.group) > 1 else None,
        page=clause.page,
        page_label=label,
        notes=notes,
        defined_terms=tuple(double_quoted_terms(text)),
        local_terms=tuple(single_quoted_terms(text)),
        regimes=tuple(dict.fromkeys(clause.regimes)),
        not_used=bool(NOT_USED.match(text)),
        children=tuple(child.code for child in clause.children),
    )


def resolve_references(records: list[Clause]) -> list[Clause]:
    """Fill in each clause's and note's cited codes, split into found and not found."""
    from dataclasses import replace

    known = {record.code for record in records}
    resolved: list[Clause] = []
    for record in records:
        notes = []
        cited_by_nb: list[str] = []
        for note in record.notes:
            codes = [c for c in cited_codes(note.text) if c != record.code]
            notes.append(
                replace(
                    note,
                    references=tuple(c for c in codes if c in known),
                    unresolved_references=tuple(c for c in codes if c not in known),
                )
            )
            if note.kind == "nb":
                cited_by_nb.extend(codes)
        own = [c for c in cited_codes(record.text) if c != record.code]
        cited = list(dict.fromkeys(own + cited_by_nb))
        resolved.append(
            replace(
                record,
                notes=tuple(notes),
                references=tuple(c for c in cited if c in known),
                unresolved_references=tuple(c for c in cited if c not in known),
            )
        )
    return resolved
