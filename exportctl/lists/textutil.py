"""Small text helpers shared by the list parsers."""

from __future__ import annotations

import re

CODE_REFERENCE = re.compile(
    r"(?<![A-Za-z0-9])(?P<code>(?:ML\d{1,2}|PL\d{4}|\d[A-E]\d{3})"
    r"(?:\.(?:[a-z]{1,2}|\d{1,2})(?![A-Za-z0-9]))*)"
)
DOUBLE_QUOTED = re.compile(r"[\"“]([^\"“”]{1,80})[\"”]")
SINGLE_QUOTED = re.compile(r"(?<![A-Za-z0-9])['‘]([^'‘’\"]{2,80}?)['’](?![A-Za-z0-9])")


def join_lines(lines: list[str]) -> str:
    """Join printed lines into running text, mending words hyphenated at a line end.

    Built from a list of pieces (linear in the text's length: a long note or a whole document
    is joined in one call) and ``tail``, the last two characters written so far.
    """
    pieces: list[str] = []
    tail = ""
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        if tail.endswith("-") and line[:1].islower() and tail != " -":
            added = line
        else:
            added = f" {line}" if pieces else line
        pieces.append(added)
        tail = (tail + added)[-2:]
    return "".join(pieces)


def cited_codes(text: str) -> list[str]:
    """Codes a text cites, in order, without duplicates or trailing dots."""
    seen: dict[str, None] = {}
    for match in CODE_REFERENCE.finditer(text):
        seen.setdefault(match["code"].rstrip("."), None)
    return list(seen)


def double_quoted_terms(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in DOUBLE_QUOTED.finditer(text):
        term = " ".join(match.group(1).split())
        if term and not term.isdigit():
            seen.setdefault(term, None)
    return list(seen)


def single_quoted_terms(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in SINGLE_QUOTED.finditer(text):
        term = " ".join(match.group(1).split())
        if term and any(ch.isalpha() for ch in term):
            seen.setdefault(term, None)
    return list(seen)
