"""What changed between two imported versions of a control list, clause by clause.

Entries, and the clauses within a pair of entries, are paired by the similarity of their words,
not by their codes alone: an amendment inserts items and renumbers the ones after them, and a
code can come back with other words. Each pair is then compared: its own words (a word-level
diff), its numeric conditions ("exceeding 3.2 GHz" → "exceeding 4 GHz", read with the suggestion
engine's own threshold parser, so old and new values are in base units), and its notes.
Definitions are compared by term.

A change that only touches punctuation, case or the "; or" that joins list items is kept but
marked ``minor``: an officer reading an amendment, and re-screening, can leave those aside.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import Any, TypeVar

from exportctl.lists.model import LIST_NAMES, Clause, Definition, Note
from exportctl.lists.store import ControlList, normalise_code
from exportctl.suggest.quantities import Quantity, find_quantities
from exportctl.suggest.thresholds import parse_conditions

#: Kinds of change, in the order the summary lists them, with their labels.
CHANGE_KINDS: dict[str, str] = {
    "entry_added": "Entries added",
    "entry_removed": "Entries removed",
    "entry_renumbered": "Entries renumbered",
    "clause_added": "Clauses added",
    "clause_removed": "Clauses removed",
    "clause_renumbered": "Clauses renumbered",
    "threshold_changed": "Thresholds changed",
    "text_changed": "Text changed",
    "note_added": "Notes added",
    "note_removed": "Notes removed",
    "note_changed": "Notes changed",
    "definition_added": "Definitions added",
    "definition_removed": "Definitions removed",
    "definition_changed": "Definitions changed",
}

#: Pairing thresholds (word-sequence similarity, 0–1). Items in the same place (same code, or
#: same path within the entry) pair more easily than items that moved.
ENTRY_SAME_CODE = 0.2
ENTRY_MOVED = 0.6
CLAUSE_SAME_PATH = 0.4
CLAUSE_MOVED = 0.7
NOTE_PAIR = 0.5
#: Preference for the same place among similar candidates: small, so that an item whose words
#: are found unchanged elsewhere (renumbered) pairs there rather than with a changed neighbour.
SAME_PLACE_BONUS = 0.05
#: Words of an entry compared when pairing entries (the start says what the entry is).
ENTRY_WORDS = 600


@dataclass(frozen=True)
class ThresholdChange:
    """A numeric condition of a clause, before and after. ``None`` on one side when the
    condition was added or removed."""

    dimension: str
    old: str | None  # the clause's words, e.g. "exceeding 3.2 GHz"
    new: str | None
    old_value: float | None  # base units
    new_value: float | None
    unit: str  # base unit, e.g. "Hz"
    old_comparator: str | None = None
    new_comparator: str | None = None

    def describe(self) -> str:
        def side(words: str | None, value: float | None) -> str:
            if words is None or value is None:
                return "(none)"
            if self.dimension == "number":
                return words
            return f"{words} ({value:.4g} {self.unit})"

        return f"{side(self.old, self.old_value)} → {side(self.new, self.new_value)}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Change:
    """One change between two list versions. ``old_code``/``new_code`` name the clause (or
    entry) in each version; one of them is ``None`` for an addition or a removal."""

    kind: str  # a key of CHANGE_KINDS
    list_name: str
    entry: str  # the entry in the new version (in the old one for a removal)
    old_code: str | None
    new_code: str | None
    old_text: str | None = None
    new_text: str | None = None
    words: tuple[tuple[str, str], ...] = ()  # word diff: ("=", ...), ("-", ...), ("+", ...)
    thresholds: tuple[ThresholdChange, ...] = ()
    similarity: float | None = None  # of the paired texts
    minor: bool = False  # only punctuation, case or the joining "; or" differ
    heading: str | None = None  # the note's heading, or the defined term
    sub_items: int = 0  # clauses added or removed with it (below it)

    @property
    def code(self) -> str:
        return self.new_code or self.old_code or ""

    @property
    def label(self) -> str:
        return CHANGE_KINDS[self.kind]

    def describe(self) -> str:
        """The change in one line, e.g. ``3A001.b.2 → 3A001.b.3 renumbered (similarity
        0.97)``."""
        codes = (
            f"{self.old_code} → {self.new_code}"
            if self.old_code and self.new_code and self.old_code != self.new_code
            else self.code
        )
        kind = self.kind
        if kind in ("entry_added", "clause_added"):
            more = f" (with {self.sub_items} sub-items)" if self.sub_items else ""
            return f"{codes} added{more}: {_shorten(self.new_text)}"
        if kind in ("entry_removed", "clause_removed"):
            more = f" (with {self.sub_items} sub-items)" if self.sub_items else ""
            return f"{codes} removed{more}: {_shorten(self.old_text)}"
        if kind in ("entry_renumbered", "clause_renumbered"):
            return f"{codes} renumbered (similarity {self.similarity or 0:.2f})"
        if kind == "threshold_changed":
            return f"{codes} threshold " + "; ".join(t.describe() for t in self.thresholds)
        if kind == "text_changed":
            return f"{codes} text{' (minor)' if self.minor else ''}: {render_words(self.words)}"
        if kind.startswith("note_"):
            what = {"note_added": "added", "note_removed": "removed", "note_changed": "changed"}
            body = (
                render_words(self.words)
                if kind == "note_changed"
                else _shorten(self.new_text or self.old_text)
            )
            minor = " (minor)" if self.minor else ""
            if kind == "note_changed" and self.old_code != self.new_code:
                if not any(op != "=" for op, _words in self.words):
                    body = _shorten(self.new_text)
                note = self.heading or "note"
                return f"{self.new_code} {note} moved from {self.old_code}{minor}: {body}"
            return f"{self.code} {self.heading or 'note'} {what[kind]}{minor}: {body}"
        what = {
            "definition_added": "added",
            "definition_removed": "removed",
            "definition_changed": "changed",
        }[kind]
        body = (
            render_words(self.words)
            if kind == "definition_changed"
            else _shorten(self.new_text or self.old_text)
        )
        return f'definition "{self.heading}" {what}{" (minor)" if self.minor else ""}: {body}'

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["words"] = [list(segment) for segment in self.words]
        return data


@dataclass(frozen=True)
class ListDiff:
    """Every change from ``old_version`` to ``new_version`` within ``parts`` (list names)."""

    old_version: str
    new_version: str
    parts: tuple[str, ...]
    changes: tuple[Change, ...] = field(default_factory=tuple)

    def counts(self, *, minor: bool = True) -> dict[str, int]:
        """Changes per kind (every kind listed); ``minor=False`` leaves minor ones out."""
        counts = dict.fromkeys(CHANGE_KINDS, 0)
        for change in self.changes:
            if minor or not change.minor:
                counts[change.kind] += 1
        return counts

    @property
    def minor_count(self) -> int:
        return sum(1 for change in self.changes if change.minor)

    def for_entry(self, code: str) -> ListDiff:
        """Only the changes to one entry (by its code in either version) or below a clause."""
        key = normalise_code(code)
        kept = tuple(
            change
            for change in self.changes
            if change.kind.startswith(("entry_", "clause_", "threshold_", "text_", "note_"))
            and (
                change.entry == key
                or any(
                    c is not None and (c == key or c.startswith(key + "."))
                    for c in (change.old_code, change.new_code)
                )
            )
        )
        return replace(self, changes=kept)

    def touching(self, codes: Iterable[str], *, minor: bool = False) -> tuple[Change, ...]:
        """Changes that bear on any of ``codes`` (clauses of the old version): a change to the
        clause itself, to a parent whose words it is read with, or to a sub-item it covers
        (an item added under it too). Definitions are not tied to clauses; minor changes only
        with ``minor=True``. In the diff's order."""
        anchors, indexed = self._anchors
        found: set[int] = set()
        for code in codes:
            key = normalise_code(code)
            parts = key.split(".")
            for end in range(1, len(parts) + 1):
                prefix = ".".join(parts[:end])
                start = bisect.bisect_left(anchors, prefix)
                while start < len(anchors) and anchors[start] == prefix:
                    change = self.changes[indexed[start]]
                    # an item added under a parent bears on the parent, not on its other items
                    if change.old_code is not None or prefix == key:
                        found.add(indexed[start])
                    start += 1
            start = bisect.bisect_left(anchors, key + ".")
            stop = bisect.bisect_left(anchors, key + "/")  # "/" sorts just after "."
            found.update(indexed[start:stop])
        return tuple(self.changes[i] for i in sorted(found) if minor or not self.changes[i].minor)

    @cached_property
    def _anchors(self) -> tuple[list[str], list[int]]:
        """Each clause change under the old-version code it bears on (an addition: the code
        it was added under), sorted, with its place in ``changes``."""
        pairs: list[tuple[str, int]] = []
        for index, change in enumerate(self.changes):
            if change.kind.startswith("definition_"):
                continue
            code = change.old_code or _parent_code(change.new_code or "")
            if code is not None:
                pairs.append((code, index))
        pairs.sort()
        return [code for code, _i in pairs], [i for _c, i in pairs]

    def to_dict(self) -> dict[str, Any]:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "parts": list(self.parts),
            "counts": self.counts(),
            "minor": self.minor_count,
            "changes": [change.to_dict() for change in self.changes],
        }


# -- comparing ---------------------------------------------------------------------------------


def compare(
    old: ControlList,
    new: ControlList,
    *,
    parts: Sequence[str] | None = None,
) -> ListDiff:
    """Compare two list versions. ``parts`` (list names such as ``dual-use``) default to the
    lists both versions hold."""
    old_parts = {clause.list_name for clause in old}
    new_parts = {clause.list_name for clause in new}
    if parts is None:
        chosen = tuple(p for p in _part_order(old_parts | new_parts) if p in old_parts & new_parts)
    else:
        chosen = tuple(parts)
    comparison = _Comparison(old, new)
    changes: list[Change] = []
    for part in chosen:
        changes.extend(comparison.part(part))
    changes.extend(comparison.definitions(chosen))
    return ListDiff(old.version, new.version, chosen, tuple(changes))


def _part_order(parts: set[str]) -> list[str]:
    return [p for p in LIST_NAMES if p in parts] + sorted(parts - set(LIST_NAMES))


class _Comparison:
    """One comparison of two versions. Each side's way of writing decimals is read once: the
    EU's editions write "0,01 Pa", the UK's "0.01 Pa", which is no change to the control."""

    def __init__(self, old: ControlList, new: ControlList) -> None:
        self.old = old
        self.new = new
        self.old_comma = _decimal_comma(old)
        self.new_comma = _decimal_comma(new)

    def minor(self, before: str, after: str) -> bool:
        """Only punctuation, case, spacing, decimal marks or the "; or" / "; and" joining list
        items differ."""
        return _bare(before, self.old_comma) == _bare(after, self.new_comma)

    # -- entries ---------------------------------------------------------------------------

    def part(self, part: str) -> list[Change]:
        old, new = self.old, self.new
        old_entries = [e for e in old.entries(part) if not e.not_used]
        new_entries = [e for e in new.entries(part) if not e.not_used]
        old_words = {e.code: _entry_words(old, e) for e in old_entries}
        new_words = {e.code: _entry_words(new, e) for e in new_entries}
        pairs = _pair(
            old_entries,
            new_entries,
            words_old=lambda e: old_words[e.code],
            words_new=lambda e: new_words[e.code],
            same_place=lambda o, n: o.code == n.code,
            same_threshold=ENTRY_SAME_CODE,
            moved_threshold=ENTRY_MOVED,
        )
        changes: list[Change] = []
        paired_old = {o.code for o, _n, _s in pairs}
        paired_new = {n.code for _o, n, _s in pairs}
        for entry in old_entries:
            if entry.code not in paired_old:
                changes.append(
                    Change(
                        "entry_removed",
                        part,
                        entry.code,
                        entry.code,
                        None,
                        old_text=entry.text,
                        sub_items=len(_live(old.descendants(entry.code))),
                    )
                )
        for entry in new_entries:
            if entry.code not in paired_new:
                changes.append(
                    Change(
                        "entry_added",
                        part,
                        entry.code,
                        None,
                        entry.code,
                        new_text=entry.text,
                        sub_items=len(_live(new.descendants(entry.code))),
                    )
                )
        for o, n, similarity in pairs:
            if o.code != n.code:
                changes.append(
                    Change(
                        "entry_renumbered",
                        part,
                        n.code,
                        o.code,
                        n.code,
                        old_text=o.text,
                        new_text=n.text,
                        similarity=round(similarity, 3),
                    )
                )
            changes.extend(self.entry(o, n))
        order = {clause.code: i for i, clause in enumerate(new)}
        old_order = {clause.code: i for i, clause in enumerate(old)}
        changes.sort(key=lambda c: _sort_key(c, order, old_order))
        return changes

    def entry(self, o: Clause, n: Clause) -> list[Change]:
        """Clauses of one pair of entries: paired depth by depth, then compared."""
        old, new = self.old, self.new
        old_clauses = [o, *_live(old.descendants(o.code))]
        new_clauses = [n, *_live(new.descendants(n.code))]
        pairs: dict[str, tuple[Clause, float]] = {o.code: (n, 1.0)}  # old code -> new clause
        max_depth = max(c.depth for c in [*old_clauses, *new_clauses])
        for depth in range(1, max_depth + 1):
            # old parent -> its new parent, for the preference to stay under the same parent
            parents = {code: clause.code for code, (clause, _s) in pairs.items()}
            for oc, nc, similarity in _pair(
                [c for c in old_clauses if c.depth == depth],
                [c for c in new_clauses if c.depth == depth],
                words_old=lambda c: _words(c.text),
                words_new=lambda c: _words(c.text),
                same_place=lambda a, b: _relative(a) == _relative(b),
                same_threshold=CLAUSE_SAME_PATH,
                moved_threshold=CLAUSE_MOVED,
                bonus=lambda a, b, p=parents: 0.1 if p.get(a.parent or "") == b.parent else 0.0,
            ):
                pairs[oc.code] = (nc, similarity)
        changes: list[Change] = []
        entry = n.code
        paired_new = {nc.code for nc, _s in pairs.values()}
        for clause in old_clauses:
            if clause.code in pairs or (clause.parent is not None and clause.parent not in pairs):
                continue  # paired, or inside a removed parent (counted with it)
            changes.append(
                Change(
                    "clause_removed",
                    clause.list_name,
                    entry,
                    clause.code,
                    None,
                    old_text=clause.text,
                    sub_items=len(_live(old.descendants(clause.code))),
                )
            )
        for clause in new_clauses:
            if clause.code in paired_new or (
                clause.parent is not None and clause.parent not in paired_new
            ):
                continue
            changes.append(
                Change(
                    "clause_added",
                    clause.list_name,
                    entry,
                    None,
                    clause.code,
                    new_text=clause.text,
                    sub_items=len(_live(new.descendants(clause.code))),
                )
            )
        for old_code, (nc, similarity) in pairs.items():
            oc = old.get(old_code)
            if oc.depth > 0 and _renumbered(oc, nc, pairs):
                changes.append(
                    Change(
                        "clause_renumbered",
                        nc.list_name,
                        entry,
                        oc.code,
                        nc.code,
                        old_text=oc.text,
                        new_text=nc.text,
                        similarity=round(similarity, 3),
                    )
                )
            changes.extend(self.clause(oc, nc, entry))
        return self.moved_notes(changes)

    def moved_notes(self, changes: list[Change]) -> list[Change]:
        """A note that left one clause of an entry and came back on another (its parent, or a
        sibling) is one change, not a removal and an addition; unchanged, it is minor."""
        removed = [c for c in changes if c.kind == "note_removed"]
        added = [c for c in changes if c.kind == "note_added"]
        pairs = _pair(
            removed,
            added,
            words_old=lambda c: _words(c.old_text or ""),
            words_new=lambda c: _words(c.new_text or ""),
            same_place=lambda a, b: False,
            same_threshold=1.0,
            moved_threshold=0.8,
        )
        if not pairs:
            return changes
        merged: dict[int, Change] = {}
        dropped: set[int] = set()
        for a, b, similarity in pairs:
            merged[id(b)] = replace(
                b,
                kind="note_changed",
                old_code=a.old_code,
                old_text=a.old_text,
                words=word_diff(a.old_text or "", b.new_text or ""),
                similarity=round(similarity, 3),
                minor=self.minor(a.old_text or "", b.new_text or ""),
            )
            dropped.add(id(a))
        return [merged.get(id(c), c) for c in changes if id(c) not in dropped]

    # -- clauses ---------------------------------------------------------------------------

    def clause(self, oc: Clause, nc: Clause, entry: str) -> list[Change]:
        changes: list[Change] = []
        if _keys(oc.text) != _keys(nc.text):
            words = word_diff(oc.text, nc.text)
            thresholds = self.thresholds(oc, nc) + self.numbers(words)
            changes.append(
                Change(
                    "threshold_changed" if thresholds else "text_changed",
                    nc.list_name,
                    entry,
                    oc.code,
                    nc.code,
                    old_text=oc.text,
                    new_text=nc.text,
                    words=words,
                    thresholds=thresholds,
                    similarity=round(_similarity(_words(oc.text), _words(nc.text)), 3),
                    minor=not thresholds and self.minor(oc.text, nc.text),
                )
            )
        changes.extend(self.notes(oc, nc, entry))
        return changes

    def thresholds(self, oc: Clause, nc: Clause) -> tuple[ThresholdChange, ...]:
        """Values with units that differ, old → new. Every value counts, not only those the
        threshold parser reads a comparator for ("1,5 m to 2,5 m" is a range it does not);
        the same value read with a comparator on one side only is a change of wording, which
        the word diff shows."""
        before = _values(self.old, oc, self.old_comma)
        after = _values(self.new, nc, self.new_comma)
        rest_new = list(after)
        rest_old: list[_Value] = []
        changed: list[ThresholdChange] = []
        for a in before:
            same = next((b for b in rest_new if _same_value(a, b)), None)
            if same is None:
                rest_old.append(a)
                continue
            rest_new.remove(same)
            if a.comparator and same.comparator and a.comparator != same.comparator:
                changed.append(_threshold(a, same))
        for a in list(rest_old):
            b = next((b for b in rest_new if b.quantity.dimension == a.quantity.dimension), None)
            if b is None:
                continue
            rest_old.remove(a)
            rest_new.remove(b)
            changed.append(_threshold(a, b))
        changed.extend(_threshold(a, None) for a in rest_old)
        changed.extend(_threshold(None, b) for b in rest_new)
        return tuple(changed)

    def numbers(self, words: Sequence[tuple[str, str]]) -> tuple[ThresholdChange, ...]:
        """Bare numbers replaced by others before a word the quantity reader does not know as
        a unit: "exceeding 29 Weighted TeraFLOPS" → "exceeding 70 Weighted TeraFLOPS"."""
        changed: list[ThresholdChange] = []
        for index in range(1, len(words) - 1):
            (op_a, before), (op_b, after) = words[index], words[index + 1]
            if op_a != "-" or op_b != "+" or index + 2 >= len(words):
                continue
            if not (_BARE_NUMBER.match(before) and _BARE_NUMBER.match(after)):
                continue
            old_value = float(_decimals(before, self.old_comma).replace(",", ""))
            new_value = float(_decimals(after, self.new_comma).replace(",", ""))
            unit_words = re.match(r"[A-Za-z][\w-]*(?: [A-Z][\w-]*)?", words[index + 2][1])
            if old_value == new_value or unit_words is None or _known_unit(unit_words[0]):
                continue
            lead = (
                " ".join(words[index - 1][1].split(" ")[-2:]) if words[index - 1][0] == "=" else ""
            )
            unit = unit_words[0]
            changed.append(
                ThresholdChange(
                    dimension="number",
                    old=f"{lead} {before} {unit}".strip(),
                    new=f"{lead} {after} {unit}".strip(),
                    old_value=old_value,
                    new_value=new_value,
                    unit=unit,
                )
            )
        return tuple(changed)

    def notes(self, oc: Clause, nc: Clause, entry: str) -> list[Change]:
        """Notes, N.B.s and technical notes, paired by their words (headings are renumbered
        and re-kinded between editions: "Note 6" in one is "Technical Note" in the other)."""
        pairs = _pair(
            list(oc.notes),
            list(nc.notes),
            words_old=lambda n: _words(n.text),
            words_new=lambda n: _words(n.text),
            same_place=lambda a, b: a.heading == b.heading,
            same_threshold=NOTE_PAIR,
            moved_threshold=NOTE_PAIR,
        )
        changes: list[Change] = []
        paired_old = {id(a) for a, _b, _s in pairs}
        paired_new = {id(b) for _a, b, _s in pairs}
        for note in oc.notes:
            if id(note) not in paired_old:
                changes.append(_note_change("note_removed", oc, nc, entry, note, None))
        for note in nc.notes:
            if id(note) not in paired_new:
                changes.append(_note_change("note_added", oc, nc, entry, None, note))
        for a, b, similarity in pairs:
            if _keys(a.text) != _keys(b.text):
                changes.append(
                    replace(
                        _note_change("note_changed", oc, nc, entry, a, b),
                        words=word_diff(a.text, b.text),
                        similarity=round(similarity, 3),
                        minor=self.minor(a.text, b.text),
                    )
                )
        return changes

    # -- definitions -----------------------------------------------------------------------

    def definitions(self, parts: Sequence[str]) -> list[Change]:
        def table(clist: ControlList) -> dict[tuple[str, str], Definition]:
            found: dict[tuple[str, str], Definition] = {}
            for definition in clist.definitions:
                if definition.list_name in parts:
                    found.setdefault((definition.list_name, _term(definition.term)), definition)
            return found

        before, after = table(self.old), table(self.new)
        changes: list[Change] = []
        for key in sorted(before.keys() | after.keys()):
            a, b = before.get(key), after.get(key)
            list_name, term = key
            if a is None and b is not None:
                changes.append(
                    Change(
                        "definition_added", list_name, "", None, None, new_text=b.text, heading=term
                    )
                )
            elif b is None and a is not None:
                changes.append(
                    Change(
                        "definition_removed",
                        list_name,
                        "",
                        None,
                        None,
                        old_text=a.text,
                        heading=term,
                    )
                )
            elif a is not None and b is not None and _keys(a.text) != _keys(b.text):
                changes.append(
                    Change(
                        "definition_changed",
                        list_name,
                        "",
                        None,
                        None,
                        old_text=a.text,
                        new_text=b.text,
                        words=word_diff(a.text, b.text),
                        similarity=round(_similarity(_words(a.text), _words(b.text)), 3),
                        minor=self.minor(a.text, b.text),
                        heading=term,
                    )
                )
        return changes


def _sort_key(change: Change, order: dict[str, int], old_order: dict[str, int]) -> tuple:
    """List order of the new version; removals where they stood (by their entry's place)."""
    if change.new_code is not None and change.new_code in order:
        return (_natural(change.entry), order[change.new_code], 0)
    return (_natural(change.entry), old_order.get(change.old_code or "", 0), 1)


def _natural(code: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", code))


def _renumbered(oc: Clause, nc: Clause, pairs: dict[str, tuple[Clause, float]]) -> bool:
    """Its own label changed, or it moved under another parent; not when it only follows a
    renumbered parent with the same label."""
    if oc.label != nc.label:
        return True
    parent = pairs.get(oc.parent or "")
    return parent is None or parent[0].code != nc.parent


@dataclass(frozen=True)
class _Value:
    """A value with its unit in a clause, and the comparator its words give it, if any."""

    quantity: Quantity
    comparator: str | None
    words: str


def _values(clist: ControlList, clause: Clause, decimal_comma: bool) -> list[_Value]:
    """The clause's values with units, in reading order, read with decimals written with a
    point (the threshold parser's way), each with its condition's comparator and words."""
    readable = replace(clause, text=_decimals(normalise_text(clause.text), decimal_comma))
    conditions = {
        c.quantity.start: c for c in parse_conditions(readable, _parent_text(clist, clause))
    }
    values: list[_Value] = []
    for quantity in find_quantities(readable.text):
        if _LIST_REFERENCE.match(readable.text, quantity.start, quantity.end):
            continue  # "specified in 4A or 4D": category 4, group A, not 4 amperes
        condition = conditions.get(quantity.start)
        if condition is not None:
            values.append(_Value(quantity, condition.comparator, condition.text))
        else:
            values.append(_Value(quantity, None, quantity.text))
    return values


_BARE_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
#: A category and product group ("4A"), or the start of an entry code ("4A001"), that the
#: quantity reader would take for a current in amperes.
_LIST_REFERENCE = re.compile(r"\d[A-E](?![a-zA-Z])")


def _known_unit(word: str) -> bool:
    """Whether the quantity reader reads ``word`` as a unit (its changes are found there)."""
    return bool(find_quantities(f"1 {word.split(' ')[0]}"))


def _same_value(a: _Value, b: _Value) -> bool:
    return a.quantity.dimension == b.quantity.dimension and _close(
        a.quantity.base_value, b.quantity.base_value
    )


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-30)


def _threshold(a: _Value | None, b: _Value | None) -> ThresholdChange:
    quantity = (a or b).quantity  # type: ignore[union-attr]
    return ThresholdChange(
        dimension=quantity.dimension,
        old=a.words if a else None,
        new=b.words if b else None,
        old_value=a.quantity.base_value if a else None,
        new_value=b.quantity.base_value if b else None,
        unit=quantity.base_unit,
        old_comparator=a.comparator if a else None,
        new_comparator=b.comparator if b else None,
    )


def _note_change(
    kind: str, oc: Clause, nc: Clause, entry: str, a: Note | None, b: Note | None
) -> Change:
    note = b or a
    return Change(
        kind,
        nc.list_name,
        entry,
        oc.code,
        nc.code,
        old_text=a.text if a else None,
        new_text=b.text if b else None,
        heading=note.heading.rstrip(":") if note else None,
    )


# -- pairing -----------------------------------------------------------------------------------

T = TypeVar("T")


def _pair(
    olds: Sequence[T],
    news: Sequence[T],
    *,
    words_old: Callable[[T], tuple[str, ...]],
    words_new: Callable[[T], tuple[str, ...]],
    same_place: Callable[[T, T], bool],
    same_threshold: float,
    moved_threshold: float,
    bonus: Callable[[T, T], float] | None = None,
) -> list[tuple[T, T, float]]:
    """Pairs (old, new, similarity), best first: identical words in the same place at once,
    then greedily by similarity (plus a preference for the same place), each at most once."""
    pairs: list[tuple[T, T, float]] = []
    left_old = list(range(len(olds)))
    left_new = list(range(len(news)))
    new_words = [words_new(n) for n in news]
    old_words = [words_old(o) for o in olds]
    by_place: dict[int, int] = {}
    for i in left_old:
        for j in left_new:
            if same_place(olds[i], news[j]):
                by_place[i] = j
                break
    for i, j in list(by_place.items()):
        if old_words[i] == new_words[j] and j in left_new:
            pairs.append((olds[i], news[j], 1.0))
            left_old.remove(i)
            left_new.remove(j)
    new_sets = {j: set(new_words[j]) for j in left_new}
    scored: list[tuple[float, float, int, int]] = []
    for i in left_old:
        old_set = set(old_words[i])
        for j in left_new:
            place = by_place.get(i) == j
            if not place and _dice(old_set, new_sets[j]) < moved_threshold * 0.8:
                continue
            similarity = _similarity(old_words[i], new_words[j])
            if place:
                # In the same place, one text inside the other (an item split in two, or two
                # items run together by a reader) is the same item.
                similarity = max(similarity, 0.9 * _containment(old_words[i], new_words[j]))
            if similarity < (same_threshold if place else moved_threshold):
                continue
            score = similarity + (SAME_PLACE_BONUS if place else 0.0)
            if bonus is not None:
                score += bonus(olds[i], news[j])
            scored.append((score, similarity, i, j))
    scored.sort(key=lambda s: (-s[0], s[2], s[3]))
    taken_old: set[int] = set()
    taken_new: set[int] = set()
    for _score, similarity, i, j in scored:
        if i in taken_old or j in taken_new:
            continue
        taken_old.add(i)
        taken_new.add(j)
        pairs.append((olds[i], news[j], similarity))
    return pairs


def _dice(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return 2 * len(a & b) / (len(a) + len(b))


def _containment(a: Sequence[str], b: Sequence[str]) -> float:
    """How much of the shorter word sequence the longer one holds, in order."""
    if not a or not b:
        return 0.0
    blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return sum(block.size for block in blocks) / min(len(a), len(b))


def _similarity(a: Sequence[str], b: Sequence[str]) -> float:
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _live(clauses: Iterable[Clause]) -> list[Clause]:
    return [c for c in clauses if not c.not_used]


def _entry_words(clist: ControlList, entry: Clause) -> tuple[str, ...]:
    words: list[str] = list(_words(entry.text))
    for clause in clist.descendants(entry.code):
        if len(words) >= ENTRY_WORDS:
            break
        words.extend(_words(clause.text))
    return tuple(words[:ENTRY_WORDS])


def _relative(clause: Clause) -> str:
    return clause.code[len(clause.entry) :]


def _parent_text(clist: ControlList, clause: Clause) -> str:
    return clist.get(clause.parent).text if clause.parent else ""


def _parent_code(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


# -- words ------------------------------------------------------------------------------------

_CHARACTERS = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
        "−": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "µ": "μ",
    }
)
#: Powers of ten as text extraction flattens them: "5 x 10 3", "5 x 103", "10 -4" → "10^3".
_POWER = re.compile(r"(?<=[x×]\s)10\s?\^?(-?)\s?(\d{1,2})\b|(?<=[x×])10\s?\^?(-?)\s?(\d{1,2})\b")
#: A minus sign printed apart from its temperature: "(– 40 °C)" is -40 °C.
_LOOSE_MINUS = re.compile(r"-\s+(?=\d+(?:[.,]\d+)?\s?°\s?C\b)")
#: Superscripts of units flattened with a space: "20 m 3", "0.2 m 2" → "m3", "m2".
_UNIT_POWER = re.compile(r"(?<=\d)(\s?(?:[kcmnμ]?m))\s([23])\b(?![.,]?\d)")
_JOINER = re.compile(r"[\s;,.:]*(?:\b(?:or|and)\b)?[\s;,.:]*$", re.I)


def normalise_text(text: str) -> str:
    """The words as printed, with typographic quotes and dashes made plain, flattened powers of
    ten written one way, and spacing collapsed: what two editions are compared on."""
    text = text.translate(_CHARACTERS)
    text = _POWER.sub(lambda m: f"10^{m[1] or m[3] or ''}{m[2] or m[4]}", text)
    text = _UNIT_POWER.sub(lambda m: f"{m[1]}{m[2]}", text)
    text = _LOOSE_MINUS.sub("-", text)
    return " ".join(text.split())


def _tokens(text: str) -> list[str]:
    return normalise_text(text).split(" ") if text.strip() else []


def _keys(text: str) -> tuple[str, ...]:
    return tuple(_tokens(text))


def _words(text: str) -> tuple[str, ...]:
    """Lower-case words and numbers, for pairing."""
    text = _DECIMAL_COMMA.sub(".", normalise_text(text).lower())  # "2,5 W" pairs with "2.5 W"
    return tuple(re.findall(r"[a-z0-9]+(?:[.^][0-9]+)?", text))


_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")


def _decimal_comma(clist: ControlList) -> bool:
    """Whether this edition writes decimals with a comma ("0,01 Pa", the EU's style)."""
    commas = points = 0
    for clause in clist:
        commas += len(_DECIMAL_COMMA.findall(clause.text))
        points += len(re.findall(r"(?<=\d)\.(?=\d)", clause.text))
    return commas > points


def _decimals(text: str, decimal_comma: bool) -> str:
    return _DECIMAL_COMMA.sub(".", text) if decimal_comma else text


def _bare(text: str, decimal_comma: bool) -> str:
    """Letters, digits and decimal points only, lower case, without the words joining list
    items at the end: two texts equal here differ only in punctuation or spacing."""
    text = _JOINER.sub("", _decimals(normalise_text(text), decimal_comma)).lower()
    text = re.sub(r"(?<=\d)\.(?=\d)", "\x00", text)
    return re.sub(r"[^a-z0-9\x00^μ]", "", text)


_TRAILING = re.compile(r"^(.+?)([,;:.]+)$")


def _diff_tokens(text: str) -> list[str]:
    """Words, with the punctuation that ends a word as a token of its own (so that "processors,"
    and "processors" are the same word with a comma added)."""
    tokens: list[str] = []
    for word in _tokens(text):
        match = _TRAILING.match(word)
        tokens.extend([match[1], match[2]] if match else [word])
    return tokens


def _join(tokens: Sequence[str]) -> str:
    out = ""
    for token in tokens:
        glue = "" if not out or _is_punctuation(token) else " "
        out += glue + token
    return out


def _is_punctuation(token: str) -> bool:
    return bool(token) and all(ch in ",;:." for ch in token)


def word_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """Segments of a word-level diff: ``("=", words)``, ``("-", old words)``,
    ``("+", new words)``, in reading order."""
    a, b = _diff_tokens(old), _diff_tokens(new)
    segments: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("=", _join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("-", _join(a[i1:i2])))
        if j2 > j1:
            segments.append(("+", _join(b[j1:j2])))
    return tuple(segments)


def render_words(segments: Sequence[tuple[str, str]], *, context: int = 6) -> str:
    """A word diff as text: ``[-old-]{+new+}``, unchanged stretches cut to ``context`` words
    either side of a change."""
    out = ""
    last = len(segments) - 1
    for index, (op, text) in enumerate(segments):
        if op == "-":
            part = f"[-{text}-]"
        elif op == "+":
            part = f"{{+{text}+}}"
        else:
            words = text.split(" ")
            if len(words) > 2 * context:
                head = words[:context] if index > 0 else []
                tail = words[-context:] if index < last else []
                text = " ".join([*head, "…", *tail]).strip()
            part = text
        if part:
            out += ("" if not out or (op == "=" and _is_punctuation(text[:1])) else " ") + part
    return out


def _shorten(text: str | None, limit: int = 110) -> str:
    text = normalise_text(text or "")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _term(term: str) -> str:
    return " ".join(term.translate(_CHARACTERS).strip("\"' ").lower().split())


__all__ = [
    "CHANGE_KINDS",
    "Change",
    "ListDiff",
    "ThresholdChange",
    "compare",
    "normalise_text",
    "render_words",
    "word_diff",
]
