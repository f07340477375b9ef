"""Safe text for every page: escaping, highlighted text, short labels (pure functions, no
Streamlit).

Text from users (abstracts, titles, notes, answers, comments, ids, file names, user names) may
hold HTML, script or Markdown. None of it is ever rendered:

- inside anything Streamlit reads as Markdown (``st.markdown``, captions, alerts, headers,
  labels of expanders, buttons, radios and tabs) it goes through :func:`plain`, which escapes
  every Markdown and Streamlit-directive character, so an image link stays text and fetches
  nothing;
- shown as a block with ``st.html`` it goes through :func:`highlight_html` (HTML-escaped; the
  only markup added is ``<mark>`` around matched words). Streamlit sanitises that once more and
  never runs its scripts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Span = tuple[int, int]

THRESHOLD_LABELS: dict[str, str] = {
    "met": "met",
    "not_met": "not met",
    "unknown": "unknown",
}
_MARK_COLOURS = {"match": "#ffe08a", "clause": "#bfe3ff"}


def merge_spans(spans: Iterable[Span], length: int) -> list[Span]:
    """Sorted, non-overlapping spans clipped to ``[0, length]``; empty spans dropped."""
    cleaned = sorted(
        (max(0, start), min(length, end)) for start, end in spans if min(length, end) > start >= 0
    )
    merged: list[Span] = []
    for start, end in cleaned:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def highlight_html(
    text: str, spans: Iterable[Span], *, css_class: str = "match", inline: bool = False
) -> str:
    """``text`` escaped, with each span wrapped in ``<mark>``; line breaks kept."""
    parts: list[str] = []
    position = 0
    for start, end in merge_spans(spans, len(text)):
        parts.append(html.escape(text[position:start]))
        colour = _MARK_COLOURS.get(css_class, "#ffe08a")
        parts.append(
            f'<mark class="{css_class}" style="background-color: {colour}; padding: 0 1px">'
            f"{html.escape(text[start:end])}</mark>"
        )
        position = end
    parts.append(html.escape(text[position:]))
    body = "".join(parts)
    tag = "span" if inline else "div"
    return f'<{tag} style="white-space: pre-wrap; line-height: 1.5">{body}</{tag}>'


def word_spans(text: str, words: Iterable[str]) -> list[Span]:
    """Where the given words (or phrases) occur in ``text``, case-insensitively, as whole words
    or word stems (``laser`` also marks ``lasers``)."""
    spans: list[Span] = []
    for word in {w.strip() for w in words if w and w.strip()}:
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(p) for p in word.split()) + r"\w*"
        spans.extend(m.span() for m in re.finditer(pattern, text, flags=re.IGNORECASE))
    return spans


def evidence_spans(abstract: str, evidence: Sequence[Mapping[str, Any]]) -> list[Span]:
    """Spans of the abstract named by evidence records (``to_dict()`` of Evidence)."""
    spans: list[Span] = []
    for item in evidence:
        start, end = int(item.get("start", -1)), int(item.get("end", -1))
        if 0 <= start < end <= len(abstract):
            spans.append((start, end))
        elif item.get("abstract_text"):
            spans.extend(word_spans(abstract, [str(item["abstract_text"])]))
    return spans


def clause_words(evidence: Sequence[Mapping[str, Any]]) -> list[str]:
    words: list[str] = []
    for item in evidence:
        words.extend(str(w) for w in item.get("clause_words", ()) or ())
    return words


def threshold_label(status: str) -> str:
    return THRESHOLD_LABELS.get(status, status)


def note_html(heading: str, owner: str, text: str, *, decontrol: bool = False) -> str:
    """One note of a clause on one line: heading, the clause it belongs to, its text."""
    flag = ' <b style="color: #9a3412">[decontrol]</b>' if decontrol else ""
    return (
        f'<div style="margin: 0.2em 0 0.6em 0"><i>{html.escape(heading.rstrip(":"))}</i> '
        f"<code>{html.escape(owner)}</code>{flag}: "
        f"{highlight_html(text, [], inline=True)}</div>"
    )


def count(number: int, noun: str, plural: str | None = None) -> str:
    """``1 case``, ``2 cases``, ``1 entry``, ``3 entries``."""
    if number == 1:
        return f"1 {noun}"
    return f"{number:,} {plural or noun + 's'}"


def shorten(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clause_path_html(nodes: Sequence[tuple[str, int, str]], words: Iterable[str]) -> str:
    """A clause with its parents, one line each (code, depth, own text), indented by depth,
    the matched clause words marked. The last node is the clause itself."""
    words = list(words)
    lines = []
    for index, (code, depth, text) in enumerate(nodes):
        marked = highlight_html(text, word_spans(text, words), css_class="clause", inline=True)
        weight = "bold" if index == len(nodes) - 1 else "normal"
        lines.append(
            f'<div style="margin-left: {depth * 1.2:.1f}em; font-weight: {weight}">'
            f"<code>{html.escape(code)}</code> {marked}</div>"
        )
    return "".join(lines)


_MD_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_{}[]()#+-.!|<>~$:&=\"'^"})


#: Streamlit's Markdown also turns bare web and e-mail addresses into links (GitHub's
#: "autolink literals"), after escapes are read; a word joiner (U+2060, invisible) inside
#: ``://``, ``www.`` and ``@`` keeps them text.
_WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?<=[A-Za-z])(?=://)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)


def plain(text: object) -> str:
    """User text for anything Streamlit reads as Markdown: every character that could become
    markup (links, images, emphasis, HTML, ``:directives:``, ``$maths$``) is escaped, bare
    addresses are kept from becoming links, and line breaks become spaces. The one escaping
    helper of every page."""
    flat = _AUTOLINK.sub(_WORD_JOINER, " ".join(str(text).split()))
    return flat.translate(_MD_SPECIAL)


#: The earlier name of :func:`plain`.
md_escape = plain

_REGIME_TAIL = re.compile(r"(?:\s*\[[A-Z]{1,4}[0-9A-Z.]*\*?\]?(?:\s+to\s+\[[^\]]*\]?)?)+\s*$")


def clause_title(text: str, limit: int = 160) -> str:
    """A clause's words as a one-line title: without the export-regime markers
    (``[WS*]``, ``[M1E*] to [M20E*]``) that the list prints after some clauses."""
    return shorten(_REGIME_TAIL.sub("", text), limit)


_DIFF_STYLES = {
    "-": "background-color: #fde2e1; text-decoration: line-through",
    "+": "background-color: #d9f2dc",
}


def word_diff_html(segments: Sequence[Sequence[str]]) -> str:
    """A word diff (``("=", ...)``, ``("-", ...)``, ``("+", ...)`` segments) as escaped HTML:
    removed words struck through on red, added words on green."""
    parts: list[str] = []
    for op, text in segments:
        escaped = html.escape(text)
        if op == "=":
            parts.append(escaped)
        else:
            tag = "del" if op == "-" else "ins"
            parts.append(f'<{tag} style="{_DIFF_STYLES[op]}">{escaped}</{tag}>')
    return " ".join(parts)


def change_html(change: Mapping[str, Any]) -> str:
    """One list change (``Change.to_dict()``) as escaped HTML: the codes, what changed, and
    the word diff or the text added or removed; thresholds old → new."""
    kind = str(change.get("kind", ""))
    old, new = change.get("old_code"), change.get("new_code")
    codes = f"{old} → {new}" if old and new and old != new else str(new or old or "")
    if kind.startswith("definition_"):
        codes = f'"{change.get("heading") or ""}"'
    what = {
        "entry_added": "entry added",
        "entry_removed": "entry removed",
        "entry_renumbered": "entry renumbered",
        "clause_added": "added",
        "clause_removed": "removed",
        "clause_renumbered": "renumbered",
        "threshold_changed": "threshold changed",
        "text_changed": "text changed",
        "note_added": f"{change.get('heading') or 'note'} added",
        "note_removed": f"{change.get('heading') or 'note'} removed",
        "note_changed": f"{change.get('heading') or 'note'} changed",
        "definition_added": "definition added",
        "definition_removed": "definition removed",
        "definition_changed": "definition changed",
    }.get(kind, kind.replace("_", " "))
    if change.get("minor"):
        what += " (minor)"
    if change.get("sub_items"):
        what += f" with {change['sub_items']} sub-items"
    lines = [f"<code>{html.escape(codes)}</code> <b>{html.escape(what)}</b>"]
    for threshold in change.get("thresholds") or ():
        before = threshold.get("old") or "(none)"
        after = threshold.get("new") or "(none)"
        lines.append(
            f'<div style="margin-left: 1.2em">{html.escape(str(before))} → '
            f"<b>{html.escape(str(after))}</b></div>"
        )
    if change.get("words"):
        body = word_diff_html(change["words"])
    elif kind.endswith("_renumbered"):
        body = ""
    else:
        body = html.escape(str(change.get("new_text") or change.get("old_text") or ""))
    if body:
        lines.append(f'<div style="margin-left: 1.2em; line-height: 1.5">{body}</div>')
    return f'<div style="margin: 0.3em 0 0.7em 0">{"".join(lines)}</div>'
