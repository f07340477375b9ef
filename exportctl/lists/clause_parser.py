"""Turn the lines of a list of numbered entries (Military List, PL entries, dual-use categories)
into a tree of clauses with their notes.

The printed layout is lost in the text, so nesting is recovered from the labels themselves:
sub-items alternate letters and numbers and follow each other in order (``a.`` ``b.``; ``1.``
``2.``). A label is placed at the deepest open clause where it is the next sibling or a first
child. Notes ("Note:", "N.B.", "Technical Note") have item lists of their own; a label that
continues a note's list stays in the note unless the note's last item closed the list with a
full stop and the label also fits the clauses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from exportctl.lists.labels import child_kind, is_first_label, label_kind, next_label
from exportctl.lists.source import SourceLine

MARKER = re.compile(r"^\s*(\[[A-Z][^\]\s]{0,15}\])\s*")
LABEL = re.compile(r"^(?P<label>[a-z]{1,2}|\d{1,2})\.(?:\s*\t\s*|\s+|$)(?P<rest>.*)$")
LABEL_WITH_TAB = re.compile(r"^(?P<label>[a-z]{1,2}|\d{1,2})\.\s*\t\s*(?P<rest>.*)$")
NOTE_HEAD = re.compile(
    r"^(?P<head>(?:Technical\s+Notes?|Notes?|N\.\s?B\.?|NB)(?:\s*\d{1,2})?)"
    r"(?:\s*:\s*|\s*\.\s*(?=\t)|\s*(?=\t)|\s*$|\s+(?=SEE ALSO|See |For |The |This |In |Items? |ML|PL|\d[A-E]\d))"
    r"(?P<rest>.*)$"
)
CATEGORY_HEAD = re.compile(r"^CATEGORY\s+(?P<cat>\d)\s*[-–]")
GROUP_HEAD = re.compile(
    r"^(?P<group>\d[A-E]\d?)\s*\t\s*(?P<title>Systems, Equipment and Components|Test, Inspection"
    r" and Production Equipment|Materials|Software|Technology|Technical Notes?)\s*$"
)
LOOKAHEAD = 40
TABLE_HEAD = re.compile(r"^TABLE\s*[-–]")
NOT_USED = re.compile(r"^(?:This entry is )?not used[;.]?$", re.IGNORECASE)


CITED_PATH = re.compile(
    r"\b(?P<entry>ML\d{1,2}|PL\d{4}|\d[A-E]\d{3})(?P<path>(?:\.(?:[a-z]{1,2}|\d{1,2})(?![A-Za-z0-9]))+)"
)


def cited_paths(texts: list[str]) -> frozenset[str]:
    """Every clause path a document cites, with its ancestors: ``3A001.a.5`` gives 3A001.a too."""
    found: set[str] = set()
    for text in texts:
        for match in CITED_PATH.finditer(text):
            parts = [match["entry"], *match["path"].strip(".").split(".")]
            for end in range(2, len(parts) + 1):
                found.add(".".join(parts[:end]))
    return frozenset(found)


@dataclass
class ParsedNote:
    heading: str
    lines: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # open item labels, outermost first
    last_item_text: str = ""

    @property
    def kind(self) -> str:
        head = self.heading.lower()
        if head.startswith("technical"):
            return "technical_note"
        if head.startswith("table"):
            return "table"
        if head.startswith("n"):
            return "nb" if "b" in head.replace("note", "") else "note"
        return "note"

    @property
    def text(self) -> str:
        return " ".join(self.lines).strip()


@dataclass
class ParsedClause:
    code: str
    label: str
    depth: int
    parent: ParsedClause | None
    page: int | None
    document: str | None
    lines: list[str] = field(default_factory=list)
    notes: list[ParsedNote] = field(default_factory=list)
    children: list[ParsedClause] = field(default_factory=list)
    regimes: list[str] = field(default_factory=list)
    category: str | None = None
    group: str | None = None

    @property
    def text(self) -> str:
        return " ".join(self.lines).strip()


@dataclass
class ParseResult:
    entries: list[ParsedClause]
    group_notes: dict[str, list[ParsedNote]]  # notes printed before a group's first entry
    issues: list[str]
    issues_per_entry: dict[str, int] = field(default_factory=dict)


class ClauseParser:
    """Parse one list document's lines. ``entry_pattern`` matches that list's entry codes."""

    def __init__(
        self,
        *,
        entry_pattern: str,
        with_groups: bool = False,
        known_paths: frozenset[str] = frozenset(),
        use_citations: bool = False,
    ) -> None:
        self.entry_re = re.compile(rf"^(?P<code>{entry_pattern})(?:\s*\t\s*(?P<rest>.*)|\s*$)")
        self.with_groups = with_groups
        # Clause paths the document cites somewhere ("specified in ML7.c."): when a label could
        # continue lists at two depths, the cited path wins.
        self.known_paths = known_paths
        self.use_citations = use_citations and bool(known_paths)

    def parse(self, lines: list[SourceLine]) -> ParseResult:
        self._entries: list[ParsedClause] = []
        self._seen: set[str] = set()
        self._stack: list[ParsedClause] = []
        self._note: ParsedNote | None = None
        self._group_notes: dict[str, list[ParsedNote]] = {}
        self._issues: list[str] = []
        self._entry_issues: dict[str, int] = {}
        self._category: str | None = None
        self._group: str | None = None
        self._pending_regimes: list[str] = []
        self._next_labels = self._labels_ahead(lines)
        self._outer_note: ParsedNote | None = None
        for self._index, line in enumerate(lines):
            self._feed(line)
        return ParseResult(self._entries, self._group_notes, self._issues, self._entry_issues)

    def _labels_ahead(self, lines: list[SourceLine]) -> list[list[str]]:
        """For each line, the labels printed after it up to the next entry."""
        ahead: list[list[str]] = [[] for _ in lines]
        upcoming: list[str] = []
        for index in range(len(lines) - 1, -1, -1):
            ahead[index] = upcoming[:LOOKAHEAD]
            text = lines[index].text.strip()
            while match := MARKER.match(text):
                text = text[match.end() :].strip()
            if self.entry_re.match(text):
                upcoming = []
            elif match := LABEL.match(text):
                upcoming = [match["label"], *upcoming[: LOOKAHEAD - 1]]
        return ahead

    # -- line dispatch -------------------------------------------------------------------
    def _feed(self, line: SourceLine) -> None:
        text = line.text
        while match := MARKER.match(text):
            self._pending_regimes.append(match.group(1))
            text = text[match.end() :]
        text = text.strip()
        if not text:
            return
        if self.with_groups and (match := CATEGORY_HEAD.match(text)):
            self._close_note()
            self._category, self._group, self._stack = match["cat"], None, []
            return
        if self.with_groups and (match := GROUP_HEAD.match(text)):
            self._close_note()
            self._group = match["group"]
            self._stack = []
            if match["title"].startswith("Technical"):
                self._open_note(match["title"], "")
            return
        if (match := self.entry_re.match(text)) and self._is_new_entry(match["code"]):
            self._start_entry(match["code"], match["rest"] or "", line)
            return
        if TABLE_HEAD.match(text):
            self._open_note("Table", text)
            return
        if self._note is not None and self._note.kind == "table":
            self._note.lines.append(text)  # a table's rows are numbered too: keep them whole
            return
        if match := NOTE_HEAD.match(text):
            self._open_note(match["head"], match["rest"])
            return
        if match := LABEL.match(text):
            self._place_label(match["label"], match["rest"], line)
            return
        self._continue(text)

    def _is_new_entry(self, code: str) -> bool:
        if code in self._seen:
            return False
        if self.with_groups and self._group and not code.startswith(self._group[:2]):
            return False
        return True

    def _start_entry(self, code: str, rest: str, line: SourceLine) -> None:
        self._close_note()
        entry = ParsedClause(
            code=code,
            label=code,
            depth=0,
            parent=None,
            page=line.page,
            document=line.document,
            category=self._category,
            group=self._group[:2] if self._group else None,
        )
        self._take_regimes(entry)
        self._entries.append(entry)
        self._seen.add(code)
        self._stack = [entry]
        if rest:
            if match := LABEL_WITH_TAB.match(rest):
                self._place_label(match["label"], match["rest"], line)
            else:
                entry.lines.append(rest)

    # -- notes -------------------------------------------------------------------------
    def _open_note(self, heading: str, rest: str) -> None:
        if self._note is not None and self._note.items:
            outer: ParsedNote | None = self._note
        else:
            outer = self._outer_note if self._note is not None else None
        self._close_note()
        # An N.B. printed inside a note's list of items interrupts the list; it may go on after.
        is_nb = heading.upper().startswith("N") and "B" in heading.upper()
        self._outer_note = outer if is_nb else None
        self._note = ParsedNote(heading=" ".join(heading.split()))
        if rest:
            self._note.lines.append(rest)

    def _close_note(self) -> None:
        note, self._note = self._note, None
        if note is None:
            return
        if getattr(self, "_note_resumed", False):
            self._note_resumed = False
            return  # already attached when first closed
        if self._stack:
            self._stack[-1].notes.append(note)
        else:
            key = self._group or "preamble"
            self._group_notes.setdefault(key, []).append(note)

    def _resume_outer_note(self, label: str) -> bool:
        outer, self._outer_note = self._outer_note, None
        assert outer is not None
        if not any(next_label(item) == label for item in outer.items):
            return False
        self._close_note()
        self._note = outer
        self._note_resumed = True
        return True

    def _note_accepts(self, label: str, note: ParsedNote | None = None) -> bool:
        note = note or self._note
        assert note is not None
        if not note.items:
            return is_first_label(label) and (
                note.text.endswith(":") or note.kind == "technical_note" or not note.lines
            )
        for level in range(len(note.items) - 1, -1, -1):
            if next_label(note.items[level]) == label:
                return True
        last = note.items[-1]
        # A list inside a note item follows an item that does not end its sentence (the
        # printed text usually has a colon, occasionally a semicolon).
        opens_list = not note.last_item_text.rstrip().endswith(".")
        return is_first_label(label) and label_kind(label) != label_kind(last) and opens_list

    def _note_prefers(self) -> bool:
        """Whether a label fitting both the note and the clauses belongs to the note."""
        note = self._note
        assert note is not None
        ending = (note.last_item_text or note.text).rstrip()
        return not ending.endswith(".") or ending.endswith("e.g.")

    def _add_note_item(self, label: str, rest: str) -> None:
        note = self._note
        assert note is not None
        for level in range(len(note.items) - 1, -1, -1):
            if next_label(note.items[level]) == label:
                del note.items[level:]
                break
        note.items.append(label)
        note.last_item_text = rest
        note.lines.append(f"{label}. {rest}".strip())

    # -- clauses -----------------------------------------------------------------------
    def _clause_level(self, label: str) -> int | None:
        """Index in the open stack of the clause that takes ``label`` as a child, if any.

        When a label could continue lists at several depths, keep the depths after which the
        next label in the text can still be placed; of those, a shallower one wins only when it
        gives a path the document cites and the deepest does not; otherwise the deepest wins.
        """
        levels = self._fitting_levels(label)
        if len(levels) > 1:
            failures = {index: self._lookahead_failures(index, label) for index in levels}
            fewest = min(failures.values())
            levels = [index for index in levels if failures[index] == fewest]
        if not levels:
            return None
        if self.use_citations:
            deepest_cited = f"{self._stack[levels[0]].code}.{label}" in self.known_paths
            if not deepest_cited:
                for index in levels[1:]:
                    if f"{self._stack[index].code}.{label}" in self.known_paths:
                        return index
        return levels[0]

    def _numbering_carried_over(self, label: str) -> int | None:
        """A list may carry on the numbering of another entry ("3A501.a. ... as follows:"
        then "15."): its first item is then not "a." or "1."."""
        if not self._stack:
            return None
        deepest = self._stack[-1]
        if (
            not deepest.children
            and label_kind(label) == child_kind(deepest.depth)
            and deepest.text.endswith(":")
        ):
            return len(self._stack) - 1
        return None

    def _lookahead_failures(self, index: int, label: str) -> int:
        """How many of the next labels could not be placed if ``label`` went under stack[index]."""
        open_lasts: list[str | None] = [
            node.children[-1].label if node.children else None for node in self._stack[:index]
        ] + [label, None]
        failures = 0
        for upcoming in self._next_labels[self._index][:LOOKAHEAD]:
            fits = [
                level
                for level in range(len(open_lasts) - 1, -1, -1)
                if (last := open_lasts[level]) is not None
                and label_kind(last) == label_kind(upcoming)
                and next_label(last) == upcoming
            ]
            if not fits and open_lasts[-1] is None and is_first_label(upcoming):
                fits = [len(open_lasts) - 1]
            if not fits:
                failures += 1
                continue
            level = fits[0]
            open_lasts = [*open_lasts[:level], upcoming, None]
        return failures

    def _fitting_levels(self, label: str) -> list[int]:
        levels = []
        for index in range(len(self._stack) - 1, -1, -1):
            node = self._stack[index]
            if node.children:
                last = node.children[-1].label
                if label_kind(last) == label_kind(label) and next_label(last) == label:
                    levels.append(index)
            elif index == len(self._stack) - 1 and is_first_label(label):
                if label_kind(label) == child_kind(node.depth) or not self._note_open_list(node):
                    levels.append(index)
        return levels

    @staticmethod
    def _note_open_list(node: ParsedClause) -> bool:
        return bool(node.notes) and node.notes[-1].text.endswith(":")

    def _place_label(self, label: str, rest: str, line: SourceLine) -> None:
        level = self._clause_level(label)
        if self._note is not None:
            if self._note_accepts(label) and (level is None or self._note_prefers()):
                self._add_note_item(label, rest)
                return
            if self._outer_note is not None and self._resume_outer_note(label):
                self._add_note_item(label, rest)
                return
            self._close_note()
            level = self._clause_level(label)
        if level is None:
            level = self._numbering_carried_over(label)
        if level is None:
            where = self._stack[-1].code if self._stack else "(no entry)"
            if self._stack:
                entry = self._stack[0].code
                self._entry_issues[entry] = self._entry_issues.get(entry, 0) + 1
            self._issues.append(
                f"line {line.line_no}: label '{label}.' does not follow on from {where}; "
                "kept as text of the open clause"
            )
            self._continue(f"{label}. {rest}".strip())
            return
        parent = self._stack[level]
        del self._stack[level + 1 :]
        child = ParsedClause(
            code=f"{parent.code}.{label}",
            label=label,
            depth=parent.depth + 1,
            parent=parent,
            page=line.page,
            document=line.document,
            category=parent.category,
            group=parent.group,
        )
        self._take_regimes(child)
        parent.children.append(child)
        self._stack.append(child)
        if match := LABEL_WITH_TAB.match(rest):
            self._place_label(match["label"], match["rest"], line)
        elif rest:
            child.lines.append(rest)

    def _continue(self, text: str) -> None:
        if self._note is not None:
            self._note.lines.append(text)
            if self._note.items:
                self._note.last_item_text += " " + text
        elif self._stack:
            self._stack[-1].lines.append(text)
        else:
            key = self._group or "preamble"
            notes = self._group_notes.setdefault(key, [])
            if not notes or notes[-1].heading != "Text":
                notes.append(ParsedNote(heading="Text"))
            notes[-1].lines.append(text)

    def _take_regimes(self, clause: ParsedClause) -> None:
        clause.regimes.extend(self._pending_regimes)
        self._pending_regimes = []
