"""Parse the general notes printed before the dual-use categories (GTN, GSN, ...)."""

from __future__ import annotations

import re

from exportctl.lists.model import GeneralNote
from exportctl.lists.source import SourceLine
from exportctl.lists.textutil import join_lines

HEADING = re.compile(r"^[A-Z][A-Z0-9 \"“”()\-–,/&]{7,}$")
ABBREVIATION = re.compile(r"\((?P<key>[A-Z]{2,5})\)\s*$")


def note_key(title: str) -> str:
    match = ABBREVIATION.search(title)
    if match:
        return match["key"]
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def parse_general_notes(lines: list[SourceLine], list_name: str) -> list[GeneralNote]:
    """Split a run of text at its upper-case headings; each heading starts a general note."""
    notes: list[GeneralNote] = []
    title: str | None = None
    body: list[str] = []
    page: int | None = None

    def flush() -> None:
        if title is not None and body:
            notes.append(GeneralNote(note_key(title), title, join_lines(body), list_name, page))

    for line in lines:
        text = line.text.strip()
        if HEADING.match(text) and not text.startswith("ACRONYM OR") and text != "ABBREVIATION":
            if title is not None and not body:  # a heading printed over two lines
                title = f"{title} {text}"
                continue
            flush()
            title, body, page = text, [], line.page
            continue
        if title is None:
            title, page = "INTRODUCTION", line.page
        body.append(text)
    flush()
    return notes
