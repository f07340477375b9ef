"""Sentence spans of an abstract, so that a meaning-level match can point at the sentence that
carries it. A full stop ends a sentence unless it follows a common abbreviation or sits inside a
number ("1.5 GHz", "Fig. 2", "e.g. lasers")."""

from __future__ import annotations

import re

_BOUNDARY = re.compile(
    r"(?<=[.!?;])[\"')\]’”»]*\s+(?=[\"'(\[‘“«]?[A-Z0-9])"
    r"|\n\s*\n"
    r"|\n(?=\s*[A-Z0-9‘“«(])"
)
_ABBREVIATIONS = frozenset(
    "e.g i.e etc al fig figs eq eqs ref refs no nos vs approx ca cf dr prof mr ms st sec".split()
)


def sentence_spans(text: str, *, min_chars: int = 3) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace trimmed; at least one span for non-blank text."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        before = text[start : match.start()].rstrip()
        last_word = re.findall(r"[A-Za-z.]+$", before.rstrip(".;!?"))
        if before.endswith(".") and last_word and last_word[0].lower() in _ABBREVIATIONS:
            continue
        _append(spans, text, start, match.start(), min_chars)
        start = match.end()
    _append(spans, text, start, len(text), min_chars)
    return spans


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int, min_chars: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start >= min_chars:
        spans.append((start, end))
