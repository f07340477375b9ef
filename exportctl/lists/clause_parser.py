"""Turn the lines of a list of numbered entries (Military List, PL entries, dual-use categories)
into a tree of clauses with their notes.

The printed layout is lost in the text, so nesting is recovered from the labels themselves:
sub-items alternate letters and numbers and follow each other in order (``a.`` ``b.``; ``1.``
``2.``). A label can often be placed in several ways: as the next sibling at more than one depth,
as a first child, or as an item of a note ("Note:", "N.B.", "Technical Note") whose own list it
continues. The parser keeps several readings of an entry at once (a beam search) and, when the
entry ends, keeps the reading that costs least: labels that could not be placed cost most, then
page-top running headers ("6A001 a. 1.") the reading contradicts, then paths the document cites
("specified in ML7.c.") that the reading does not create. Among equally good readings the one
built from the first choices wins: a note's list before the clauses when the note's last item
does not end its sentence, otherwise the deepest clause.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from exportctl.lists.labels import child_kind, is_first_label, label_kind, next_label
from exportctl.lists.source import SourceLine

MARKER = re.compile(r"^\s*(\[[A-Z][^\]\s]{0,15}\])\s*")
LABEL = re.compile(r"^(?P<label>[a-z]{1,2}|\d{1,2})\.(?:\s*\t\s*|\s+|$)(?P<rest>.*)$")
LABEL_WITH_TAB = re.compile(r"^(?P<label>[a-z]{1,2}|\d{1,2})\.\s*\t\s*(?P<rest>.*)$")
#: A letter printed without its dot ("b <TAB>Inductance of ..."); taken as a label only when it
#: continues a list and its text starts a sentence.
LABEL_WITHOUT_DOT = re.compile(r"^(?P<label>[a-z])\s*\t\s*(?P<rest>[A-Z\"'].*)$")
#: A line that goes on with a citation broken after its first part ("... specified in 1C010.a.
#: or" then "b. or 1C210.a."): the "b." is part of the citation, not a label.
WRAPPED_CITATION = re.compile(r"^(?:or|and|to)\s")
#: A footnote line that only maps a number to regime markers ("3. [M1A*], [M2A*]").
REGIME_FOOTNOTE = re.compile(r"^(?:\[[A-Z][^\]]{0,15}\]\s*(?:,|to|and)?\s*)+$")
NOTE_HEAD = re.compile(
    r"^(?P<head>(?:Technical\s+Notes?|Notes?|N\.\s?B\.?|NB)(?:\s*\d{1,2})?)"
    r"(?:\s*:\s*|\s*\.\s*(?=\t)|\s*(?=\t)|\s*$"
    r"|\s+(?=SEE ALSO|See |For |The |This |In |Items? |ML|PL|\d[A-E]\d))"
    r"(?P<rest>.*)$"
)
CATEGORY_HEAD = re.compile(r"^CATEGORY\s+(?P<cat>\d)\s*[-–]")
GROUP_HEAD = re.compile(
    r"^(?P<group>\d[A-E]\d?)\s*\t\s*(?P<title>Systems, Equipment and Components|Test, Inspection"
    r" and Production Equipment|Materials|Software|Technology|Technical Notes?)\s*$"
)
TABLE_HEAD = re.compile(r"^TABLE\s*[-–]")
NOT_USED = re.compile(r"^(?:This entry is )?not used[;.]?$", re.IGNORECASE)

#: Readings of an entry kept at once, and what each kind of flaw costs a reading.
BEAM_WIDTH = 64
UNPLACED_COST = 10
HEADER_COST = 3
#: Readings costing this much more than the best are dropped.
MARGIN = 2 * UNPLACED_COST
MISSING_CITED_COST = 1

#: Where a note names its subject: "Note: 3A001.e.1. does not control", "For the purposes of ...".
NOTE_SUBJECT = re.compile(r"^(?:For\s+(?:the\s+purposes\s+of\s+)?)?(?P<code>\S+?)\.?(?:\s|,|:|$)")
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


def note_kind(heading: str) -> str:
    head = heading.lower()
    if head.startswith("technical"):
        return "technical_note"
    if head.startswith("table"):
        return "table"
    if head.startswith("n"):
        return "nb" if "b" in head.replace("note", "") else "note"
    return "note"


@dataclass
class ParsedNote:
    heading: str
    lines: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # open item labels, outermost first
    last_item_text: str = ""

    @property
    def kind(self) -> str:
        return note_kind(self.heading)

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


# -- the state of one reading -------------------------------------------------------------
def _tail(text: str) -> str:
    return text.rstrip()[-16:]


class _Open(NamedTuple):
    """A clause still open in a reading: what later labels and costs depend on."""

    code: str
    depth: int
    children: tuple[str, ...] = ()
    ends_colon: bool = False  # its text so far ends with ":"
    note_list: bool = False  # its last note ends with ":" (a list of the note's may follow)


class _Note(NamedTuple):
    """A note open in a reading; ``id`` names it in the reading's log."""

    heading: str
    items: tuple[str, ...] = ()  # open item labels, outermost first
    item_tail: str = ""  # end of the last item's text
    text_tail: str = ""  # end of the note's text
    has_lines: bool = False
    resumed: bool = False  # already attached to its clause when first closed
    id: int = 0

    @property
    def kind(self) -> str:
        return note_kind(self.heading)


class _Reading(NamedTuple):
    """One way of reading the current entry so far (immutable: readings share their past)."""

    stack: tuple[_Open, ...]
    note: _Note | None = None
    outer: _Note | None = None  # a note whose list an N.B. or technical note interrupted
    regimes: tuple[str, ...] = ()
    log: tuple | None = None  # (action, earlier log)
    cost: int = 0
    # Times the reading passed over a path the document cites for one it does not, or went
    # deeper than a running header: ranks readings whose costs are equal.
    guess: int = 0
    notes_made: int = 0

    def logged(self, action: tuple, **changes) -> _Reading:
        return self._replace(log=(action, self.log), **changes)

    @property
    def future(self) -> tuple:
        """What later lines depend on: readings equal in this have the same future."""
        note, outer = self.note, self.outer
        return (
            self.stack,
            note[:-1] if note is not None else None,
            outer[:-1] if outer is not None else None,
            self.regimes,
        )


class ClauseParser:
    """Parse one list document's lines. ``entry_pattern`` matches that list's entry codes.

    ``known_paths`` are clause paths known to exist (cited in the document or named by running
    headers); ``page_headers`` maps the source line number of each page-top running header to
    the path it names.
    """

    def __init__(
        self,
        *,
        entry_pattern: str,
        with_groups: bool = False,
        known_paths: frozenset[str] = frozenset(),
        page_headers: Mapping[int, str] | None = None,
        beam_width: int = BEAM_WIDTH,
    ) -> None:
        self.entry_re = re.compile(rf"^(?P<code>{entry_pattern})(?:\s*\t\s*(?P<rest>.*)|\s*$)")
        self.with_groups = with_groups
        self.known_paths = known_paths
        self.page_headers = dict(page_headers or {})
        self.beam_width = beam_width
        # For each cited parent path, how many cited paths lie under each of its child labels.
        self._cited_under: dict[str, dict[str, int]] = {}
        for path in known_paths:
            parts = path.split(".")
            for end in range(1, len(parts)):
                under = self._cited_under.setdefault(".".join(parts[:end]), {})
                under[parts[end]] = under.get(parts[end], 0) + 1

    def parse(self, lines: list[SourceLine]) -> ParseResult:
        self._entries: list[ParsedClause] = []
        self._seen: set[str] = set()
        self._by_code: dict[str, ParsedClause] = {}
        self._group_notes: dict[str, list[ParsedNote]] = {}
        self._issues: list[str] = []
        self._entry_issues: dict[str, int] = {}
        self._category: str | None = None
        self._group: str | None = None
        self._readings: list[_Reading] = [_Reading(stack=())]
        headers = sorted(self.page_headers.items())
        next_header = 0
        for line in lines:
            self._page_top: str | None = None
            while next_header < len(headers) and headers[next_header][0] < line.line_no:
                self._page_top = headers[next_header][1]
                self._readings = [self._check_header(r, self._page_top) for r in self._readings]
                next_header += 1
            self._feed(line)
        self._commit()
        return ParseResult(self._entries, self._group_notes, self._issues, self._entry_issues)

    # -- line dispatch -------------------------------------------------------------------
    def _feed(self, line: SourceLine) -> None:
        text = line.text
        markers: list[str] = []
        while match := MARKER.match(text):
            markers.append(match.group(1))
            text = text[match.end() :]
        if markers:
            self._readings = [
                r._replace(regimes=r.regimes + tuple(markers)) for r in self._readings
            ]
        text = text.strip()
        if not text:
            return
        if self.with_groups and (match := CATEGORY_HEAD.match(text)):
            self._commit()
            self._category, self._group = match["cat"], None
            return
        if self.with_groups and (match := GROUP_HEAD.match(text)):
            self._commit()
            self._group = match["group"]
            if match["title"].startswith("Technical"):
                self._readings = [self._open_note(r, match["title"], "") for r in self._readings]
            return
        if (match := self.entry_re.match(text)) and self._is_new_entry(match["code"]):
            self._start_entry(match["code"], match["rest"] or "", line)
            return
        if TABLE_HEAD.match(text):
            self._readings = [self._open_note(r, "Table", text) for r in self._readings]
            return
        head = NOTE_HEAD.match(text)
        label = LABEL.match(text)
        if label and (
            REGIME_FOOTNOTE.match(label["rest"]) or WRAPPED_CITATION.match(label["rest"])
        ):
            label = None
        undotted = None if head or label else LABEL_WITHOUT_DOT.match(text)
        readings: list[_Reading] = []
        for reading in self._readings:
            if reading.note is not None and reading.note.kind == "table":
                readings.append(self._continue(reading, text))  # a table's rows stay whole
            elif head:
                readings.append(self._open_note(reading, head["head"], head["rest"]))
            elif label:
                readings.extend(self._place_label(reading, label["label"], label["rest"], line))
            elif undotted and not is_first_label(undotted["label"]):
                placed = self._place_label(
                    reading, undotted["label"], undotted["rest"], line, must_fit=True
                )
                readings.extend(placed or [self._continue(reading, text)])
            else:
                readings.append(self._continue(reading, text))
        self._readings = self._prune(readings)

    def _is_new_entry(self, code: str) -> bool:
        if code in self._seen:
            return self._drop_summary_entry(code)
        if self.with_groups and self._group and not code.startswith(self._group[:2]):
            # A later product group of the same category whose heading was not printed on a
            # line of its own ("... diameter.2B Test, Inspection ..." in some PDFs).
            if code[0] == self._group[0] and code[1] > self._group[1]:
                self._group = code[:2]
                return True
            return False
        return True

    def _drop_summary_entry(self, code: str) -> bool:
        """An entry printed again after a first, bare mention (a contents page or summary
        listing "ML1 Smooth-bore weapons ...") is the real one: the bare mention is dropped."""
        earlier = next((e for e in self._entries if e.code == code), None)
        current = self._entries[-1] if self._entries else None
        if earlier is None or earlier is current or earlier.children or earlier.notes:
            return False
        self._entries.remove(earlier)
        self._seen.discard(code)
        return True

    def _start_entry(self, code: str, rest: str, line: SourceLine) -> None:
        regimes = self._commit()
        entry = ParsedClause(
            code=code,
            label=code,
            depth=0,
            parent=None,
            page=line.page,
            document=line.document,
            regimes=list(regimes),
            category=self._category,
            group=self._group[:2] if self._group else None,
        )
        self._entries.append(entry)
        self._seen.add(code)
        self._by_code = {code: entry}
        start = _Reading(stack=(_Open(code=code, depth=0),))
        if rest and (match := LABEL_WITH_TAB.match(rest)):
            self._readings = self._prune(
                self._place_label(start, match["label"], match["rest"], line)
            )
        elif rest:
            self._readings = [self._continue(start, rest)]
        else:
            self._readings = [start]

    # -- the search ----------------------------------------------------------------------
    def _prune(self, readings: list[_Reading]) -> list[_Reading]:
        """Merge readings whose futures are the same (keeping the cheaper) and keep the best."""
        if len(readings) < 2:
            return readings
        best: dict[tuple, int] = {}
        futures = [reading.future for reading in readings]
        for index, future in enumerate(futures):
            at = best.get(future)
            if at is None or readings[index].cost < readings[at].cost:
                best[future] = index
        merged = [
            reading for index, reading in enumerate(readings) if best[futures[index]] == index
        ]
        floor = min(reading.cost + reading.guess for reading in merged) + MARGIN
        merged = [reading for reading in merged if reading.cost + reading.guess <= floor]
        if len(merged) > self.beam_width:
            rank = sorted(range(len(merged)), key=lambda i: (merged[i].cost + merged[i].guess, i))
            best = rank[: self.beam_width]
            merged = [merged[i] for i in sorted(best)]
        return merged

    def _commit(self) -> tuple[str, ...]:
        """End the readings of the current entry: build the best one; return its pending
        regime markers (they belong to whatever comes next)."""
        best: _Reading | None = None
        for reading in self._readings:
            reading = self._close_note(reading)
            reading = reading._replace(cost=reading.cost + self._closing_cost(reading.stack))
            if best is None or (reading.cost, reading.guess) < (best.cost, best.guess):
                best = reading
        assert best is not None
        actions: list[tuple] = []
        log = best.log
        while log is not None:
            actions.append(log[0])
            log = log[1]
        self._replay(reversed(actions))
        self._readings = [_Reading(stack=(), regimes=best.regimes)]
        return best.regimes

    def _replay(self, actions) -> None:
        notes: dict[int, ParsedNote] = {}
        for action in actions:
            kind = action[0]
            if kind == "clause":
                _, parent_code, label, page, document, regimes = action
                parent = self._by_code[parent_code]
                child = ParsedClause(
                    code=f"{parent_code}.{label}",
                    label=label,
                    depth=parent.depth + 1,
                    parent=parent,
                    page=page,
                    document=document,
                    regimes=list(regimes),
                    category=parent.category,
                    group=parent.group,
                )
                parent.children.append(child)
                self._by_code[child.code] = child
            elif kind == "text":
                self._by_code[action[1]].lines.append(action[2])
            elif kind == "note":
                notes[action[1]] = ParsedNote(
                    heading=action[2], lines=[action[3]] if action[3] else []
                )
            elif kind == "note_text":
                note = notes[action[1]]
                note.lines.append(action[2])
                if note.items:
                    note.last_item_text += " " + action[2]
            elif kind == "item":
                _, note_id, label, rest = action
                note = notes[note_id]
                for level in range(len(note.items) - 1, -1, -1):
                    if next_label(note.items[level]) == label:
                        del note.items[level:]
                        break
                note.items.append(label)
                note.last_item_text = rest
                note.lines.append(f"{label}. {rest}".strip())
            elif kind == "attach":
                _, note_id, code, group = action
                if code is not None:
                    self._by_code[code].notes.append(notes[note_id])
                else:
                    self._group_notes.setdefault(group, []).append(notes[note_id])
            elif kind == "group_text":
                group_notes = self._group_notes.setdefault(action[1], [])
                if not group_notes or group_notes[-1].heading != "Text":
                    group_notes.append(ParsedNote(heading="Text"))
                group_notes[-1].lines.append(action[2])
            elif kind == "issue":
                _, entry, message = action
                if entry is not None:
                    self._entry_issues[entry] = self._entry_issues.get(entry, 0) + 1
                self._issues.append(message)

    def _closing_cost(self, closed: tuple[_Open, ...]) -> int:
        """What closing these clauses costs: each cited path under them left uncreated."""
        cost = 0
        for node in closed:
            under = self._cited_under.get(node.code)
            if under:
                cost += sum(n for label, n in under.items() if label not in node.children)
        return cost * MISSING_CITED_COST

    def _check_header(self, reading: _Reading, path: str) -> _Reading:
        """A running header names a clause that is open at the page break."""
        if not reading.stack or not path.startswith(reading.stack[0].code + "."):
            return reading
        if any(node.code == path for node in reading.stack):
            return reading
        return reading._replace(cost=reading.cost + HEADER_COST)

    # -- notes -------------------------------------------------------------------------
    def _open_note(self, reading: _Reading, heading: str, rest: str) -> _Reading:
        note = reading.note
        if note is not None and note.items:
            outer: _Note | None = note
        else:
            outer = reading.outer if note is not None else None
        reading = self._close_note(reading)
        # An N.B. or a technical note printed inside a note's list of items interrupts the
        # list; the list may go on after it.
        if note_kind(heading) not in ("nb", "technical_note"):
            outer = None
        heading = " ".join(heading.split())
        if rest:
            reading = self._check_subject(reading, rest)
        new = _Note(
            id=reading.notes_made, heading=heading, text_tail=_tail(rest), has_lines=bool(rest)
        )
        return reading.logged(
            ("note", new.id, heading, rest),
            note=new,
            outer=outer,
            notes_made=reading.notes_made + 1,
        )

    def _close_note(self, reading: _Reading) -> _Reading:
        note = reading.note
        if note is None:
            return reading
        reading = reading._replace(note=None)
        if note.resumed:
            return reading  # already attached when first closed
        if reading.stack:
            top = reading.stack[-1]._replace(note_list=note.text_tail.endswith(":"))
            return reading.logged(
                ("attach", note.id, top.code, None), stack=reading.stack[:-1] + (top,)
            )
        return reading.logged(("attach", note.id, None, self._group or "preamble"))

    def _check_subject(self, reading: _Reading, text: str) -> _Reading:
        """A note that names its subject clause ("Note: 2B001.c. does not control") follows
        that clause: a reading in which the clause was not made yet contradicts the note."""
        match = NOTE_SUBJECT.match(text)
        if not match or not reading.stack:
            return reading
        code = match["code"].rstrip(".")
        entry = reading.stack[0].code
        if not code.startswith(entry + ".") or not CITED_PATH.fullmatch(code):
            return reading
        parent, _, label = code.rpartition(".")
        for node in reading.stack:
            if node.code == code:
                return reading
            if node.code == parent:
                if label in node.children:
                    return reading
                return reading._replace(cost=reading.cost + HEADER_COST)
        return reading

    @staticmethod
    def _note_accepts(note: _Note, label: str) -> bool:
        """Whether ``label`` continues the note's list or opens one where the text expects."""
        if not note.items:
            return is_first_label(label) and (
                note.text_tail.endswith(":") or note.kind == "technical_note" or not note.has_lines
            )
        for level in range(len(note.items) - 1, -1, -1):
            if next_label(note.items[level]) == label:
                return True
        last = note.items[-1]
        # A list inside a note item follows an item that does not end its sentence (the
        # printed text usually has a colon, occasionally a semicolon).
        opens_list = not note.item_tail.endswith(".")
        return is_first_label(label) and label_kind(label) != label_kind(last) and opens_list

    @staticmethod
    def _note_could_take(note: _Note, label: str) -> bool:
        """Whether ``label`` could still open a list in the note: a first label after text
        that ends its sentence ("1. 'TPP' is ... circuit." then "a. 'MacTOPS' is ...")."""
        if not is_first_label(label):
            return False
        return not note.items or label_kind(label) != label_kind(note.items[-1])

    @staticmethod
    def _note_prefers(note: _Note) -> bool:
        """Whether a label fitting both the note and the clauses is first tried in the note."""
        ending = note.item_tail or note.text_tail
        return not ending.endswith(".") or ending.endswith("e.g.")

    @staticmethod
    def _add_note_item(reading: _Reading, label: str, rest: str) -> _Reading:
        note = reading.note
        assert note is not None
        items = note.items
        for level in range(len(items) - 1, -1, -1):
            if next_label(items[level]) == label:
                items = items[:level]
                break
        line = f"{label}. {rest}".strip()
        note = note._replace(
            items=items + (label,),
            item_tail=_tail(rest),
            text_tail=_tail(note.text_tail + " " + line),
            has_lines=True,
        )
        return reading.logged(("item", note.id, label, rest), note=note)

    # -- clauses -----------------------------------------------------------------------
    def _place_label(
        self,
        reading: _Reading,
        label: str,
        rest: str,
        line: SourceLine,
        *,
        must_fit: bool = False,
        nested: bool = False,
    ) -> list[_Reading]:
        """Every way to place ``label``, the preferred first (``must_fit``: none if it fits
        nowhere; ``nested``: printed after another label on the same line)."""
        note = reading.note
        closed = self._close_note(reading)._replace(outer=None)
        levels = self._fitting_levels(closed.stack, label)
        header = None if nested else self._page_top
        known = [f"{closed.stack[level].code}.{label}" in self.known_paths for level in levels]
        if any(known):
            closed_unknown = closed._replace(guess=closed.guess + 1)
            reading = reading._replace(guess=reading.guess + 1)
        as_clause = [
            self._add_clause(
                closed_unknown if any(known) and not cited else closed,
                level,
                label,
                rest,
                line,
                header,
            )
            for level, cited in zip(levels, known, strict=True)
        ]
        if note is None:
            options = as_clause
        else:
            in_note = []
            late_in_note = []  # tried after everything else, and counted against the reading
            if self._note_accepts(note, label):
                in_note = [[self._add_note_item(reading, label, rest)]]
            elif self._note_could_take(note, label):
                unlikely = reading._replace(guess=reading.guess + 1)
                late_in_note = [[self._add_note_item(unlikely, label, rest)]]
            resumed = []
            outer = reading.outer
            if outer is not None and any(next_label(item) == label for item in outer.items):
                back = self._close_note(reading)._replace(
                    note=outer._replace(resumed=True), outer=None
                )
                resumed = [[self._add_note_item(back, label, rest)]]
            if in_note and (not levels or self._note_prefers(note)):
                options = [*in_note, *resumed, *as_clause]
            elif note.kind == "nb":
                options = [*resumed, *as_clause, *in_note]
            else:
                options = [*as_clause, *in_note, *resumed]
            options += late_in_note
        if options or must_fit:
            return [r for option in options for r in option]
        level = self._numbering_carried_over(closed.stack, label)
        if level is not None:
            return self._add_clause(closed, level, label, rest, line, header)
        where = closed.stack[-1].code if closed.stack else "(no entry)"
        message = (
            f"line {line.line_no}: label '{label}.' does not follow on from {where}; "
            "kept as text of the open clause"
        )
        entry = closed.stack[0].code if closed.stack else None
        closed = closed.logged(("issue", entry, message), cost=closed.cost + UNPLACED_COST)
        return [self._continue(closed, f"{label}. {rest}".strip())]

    @staticmethod
    def _numbering_carried_over(stack: tuple[_Open, ...], label: str) -> int | None:
        """A list may carry on the numbering of another entry ("3A501.a. ... as follows:"
        then "15."): its first item is then not "a." or "1."."""
        if not stack:
            return None
        deepest = stack[-1]
        if (
            not deepest.children
            and label_kind(label) == child_kind(deepest.depth)
            and deepest.ends_colon
        ):
            return len(stack) - 1
        return None

    @staticmethod
    def _fitting_levels(stack: tuple[_Open, ...], label: str) -> list[int]:
        """Indexes in the stack of the clauses that could take ``label`` next, deepest first."""
        levels = []
        for index in range(len(stack) - 1, -1, -1):
            node = stack[index]
            if node.children:
                last = node.children[-1]
                if label_kind(last) == label_kind(label) and next_label(last) == label:
                    levels.append(index)
            elif index == len(stack) - 1 and is_first_label(label):
                if label_kind(label) == child_kind(node.depth) or not node.note_list:
                    levels.append(index)
        return levels

    def _add_clause(
        self,
        reading: _Reading,
        level: int,
        label: str,
        rest: str,
        line: SourceLine,
        header: str | None,
    ) -> list[_Reading]:
        """``header``: the running header just above this line, if it starts a page."""
        stack = reading.stack
        parent = stack[level]
        cost = reading.cost + self._closing_cost(stack[level + 1 :])
        guess = reading.guess
        if header and (header == stack[0].code or header.startswith(stack[0].code + ".")):
            if parent.code != header and not parent.code.startswith(header + "."):
                cost += HEADER_COST
            elif parent.code != header:
                guess += 1  # the header usually names the label's parent itself
        child = _Open(code=f"{parent.code}.{label}", depth=parent.depth + 1)
        parent = parent._replace(children=parent.children + (label,))
        reading = reading.logged(
            ("clause", parent.code, label, line.page, line.document, reading.regimes),
            stack=stack[:level] + (parent, child),
            regimes=(),
            cost=cost,
            guess=guess,
        )
        if match := LABEL_WITH_TAB.match(rest):
            return self._place_label(reading, match["label"], match["rest"], line, nested=True)
        if rest:
            return [self._continue(reading, rest)]
        return [reading]

    def _continue(self, reading: _Reading, text: str) -> _Reading:
        note = reading.note
        if note is not None:
            if not note.has_lines:
                reading = self._check_subject(reading, text)
            note = note._replace(
                text_tail=_tail(note.text_tail + " " + text),
                item_tail=_tail(note.item_tail + " " + text) if note.items else note.item_tail,
                has_lines=True,
            )
            return reading.logged(("note_text", note.id, text), note=note)
        if reading.stack:
            top = reading.stack[-1]._replace(ends_colon=text.rstrip().endswith(":"))
            return reading.logged(("text", top.code, text), stack=reading.stack[:-1] + (top,))
        return reading.logged(("group_text", self._group or "preamble", text))
