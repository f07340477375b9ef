"""Parse a Definitions section: each "term" with its meaning, categories and notes."""

from __future__ import annotations

import re

from exportctl.lists.clause_parser import NOTE_HEAD, ParsedNote
from exportctl.lists.model import Definition, Note
from exportctl.lists.source import SourceLine
from exportctl.lists.textutil import join_lines

DEFINITION_START = re.compile(
    r"^[\"“](?P<term>[^\"”]{1,90}?)[\"”]\s*"
    r"(?P<cats>\((?:[\d\s,]|MLI?\d*)+\))?\s*,?\s*"
    r"(?P<rest>(?:means|is|are|has|have|refers|in relation|includes|applies|\(|,|–|-).*|$)"
)


def _note_record(note: ParsedNote) -> Note:
    return Note(kind=note.kind, heading=note.heading, text=join_lines(note.lines))


def parse_definitions(lines: list[SourceLine], list_name: str) -> list[Definition]:
    """Definitions run from one quoted term at a line start to the next."""
    definitions: list[Definition] = []
    term: str | None = None
    categories: tuple[str, ...] = ()
    body: list[str] = []
    notes: list[ParsedNote] = []
    page: int | None = None

    def flush() -> None:
        if term is not None:
            definitions.append(
                Definition(
                    term=term,
                    text=join_lines(body),
                    list_name=list_name,
                    categories=categories,
                    notes=tuple(_note_record(n) for n in notes),
                    page=page,
                )
            )

    for line in lines:
        text = line.text.strip()
        match = DEFINITION_START.match(text)
        if match and (match["cats"] or match["rest"]):
            flush()
            term = " ".join(match["term"].split())
            categories = tuple(re.findall(r"MLI?\d*|\d", match["cats"] or ""))
            body, notes, page = [text], [], line.page
            continue
        if term is None:
            continue
        head = NOTE_HEAD.match(text)
        if head:
            notes.append(ParsedNote(heading=" ".join(head["head"].split()), lines=[head["rest"]]))
        elif notes:
            notes[-1].lines.append(text)
        else:
            body.append(text)
    flush()
    return definitions
