"""Parsers for the shorter lists with their own numbering: the non-military firearms list
(items 1–15), the capital punishment and torture goods annexes (items 1, 1.1, 1.2, ...) and the
radioactive sources list (bulleted).

Their items have no official code of their own beyond the annex and item number, so records
get a locator code: ``FR-AI.13`` (firearms Annex I item 13), ``HR-II.1.1`` (Human Rights list
Annex II item 1.1), ``RS.3`` (third radioactive source listed). The item number printed in the
list is kept as the label.
"""

from __future__ import annotations

import re

from exportctl.lists.clause_parser import NOTE_HEAD, ParsedClause, ParsedNote
from exportctl.lists.definitions import parse_definitions
from exportctl.lists.model import Definition
from exportctl.lists.source import SourceLine

DOTTED_ITEM = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})*)\.?\s*\t\s*(?P<rest>.*)$")
LETTER_ITEM = re.compile(r"^(?P<label>[a-z])\.\s*\t\s*(?P<rest>.*)$")
COMMODITY_CODE = re.compile(r"^(?:ex\s+)?\d{4}\s\d{2}\s\d{2}(?:\s|$)")
ANNEX_HEAD = re.compile(r"^ANNEX\s+(?P<annex>[IVX]+)\s*$")
BULLET = re.compile(r"^x\s*\t\s*(?P<rest>.*)$")


def _new(code: str, label: str, parent: ParsedClause | None, line: SourceLine) -> ParsedClause:
    clause = ParsedClause(
        code=code,
        label=label,
        depth=0 if parent is None else parent.depth + 1,
        parent=parent,
        page=line.page,
        document=line.document,
    )
    if parent is not None:
        parent.children.append(clause)
    return clause


def parse_annex_items(
    lines: list[SourceLine], *, prefix: str, list_name: str
) -> tuple[list[ParsedClause], list[Definition], list[str]]:
    """Items of the annexes in ``lines``; each annex becomes an entry ``{prefix}-{annex}``."""
    entries: list[ParsedClause] = []
    definitions: list[Definition] = []
    issues: list[str] = []
    annex: ParsedClause | None = None
    current: ParsedClause | None = None
    by_number: dict[str, ParsedClause] = {}
    note: ParsedNote | None = None
    mode = "preamble"
    definition_lines: list[SourceLine] = []

    for line in lines:
        text = line.text.strip()
        if match := ANNEX_HEAD.match(text):
            code = f"{prefix}-A{match['annex']}"
            # A cover page may print the annex heading before the list itself.
            entries[:] = [e for e in entries if e.code != code or e.children]
            annex = _new(code, f"Annex {match['annex']}", None, line)
            entries.append(annex)
            current, by_number, note, mode = annex, {}, None, "heading"
            continue
        if annex is None:
            continue
        if text.startswith("Definitions"):
            mode = "definitions"
            continue
        if text.startswith("Notes:") and mode in ("heading", "preamble"):
            mode = "notes"
            note = ParsedNote(heading="Notes")
            annex.notes.append(note)
            continue
        item = DOTTED_ITEM.match(text)
        if mode == "definitions" and not (item and item["num"] == "1"):
            definition_lines.append(line)
            continue
        if mode == "notes" and not (item and "." in item["num"] and item["num"].startswith("1")):
            if not (item and item["num"] == "1" and note and note.lines and _ends_notes(note)):
                assert note is not None
                note.lines.append(text)
                continue
        if COMMODITY_CODE.match(text):
            continue
        if item and note is not None and "." not in item["num"] and item["num"] in by_number:
            note.lines.append(text)  # a list inside a note ("1. Thioacetone ...")
            continue
        if item:
            mode = "items"
            number = item["num"]
            parent_number = number.rsplit(".", 1)[0] if "." in number else None
            parent = by_number.get(parent_number, annex) if parent_number else annex
            current = _new(f"{annex.code}.{number}", number, parent, line)
            by_number[number] = current
            _append(current, item["rest"])
            note = None
            continue
        if mode == "heading":
            annex.lines.append(text)
            continue
        if (letter := LETTER_ITEM.match(text)) and current is not None and current is not annex:
            base = current if current.label.replace(".", "").isdigit() else current.parent
            assert base is not None
            current = _new(f"{base.code}.{letter['label']}", letter["label"], base, line)
            _append(current, letter["rest"])
            note = None
            continue
        if head := NOTE_HEAD.match(text):
            note = ParsedNote(heading=" ".join(head["head"].split()))
            if head["rest"]:
                note.lines.append(head["rest"])
            (current or annex).notes.append(note)
            continue
        if note is not None:
            note.lines.append(text)
        elif current is not None:
            current.lines.append(text)
    definitions.extend(parse_definitions(definition_lines, list_name))
    return entries, definitions, issues


def _ends_notes(note: ParsedNote) -> bool:
    return len(note.lines) > 2


def _append(clause: ParsedClause, text: str) -> None:
    # Firearms items print the commodity code on the same line after a tab.
    text = re.split(r"\t\s*(?:ex\s+)?\d{4}\s\d{2}\s\d{2}", text)[0].strip()
    if text:
        clause.lines.append(text)


def parse_radioactive_sources(lines: list[SourceLine]) -> list[ParsedClause]:
    """The radioactive sources schedule: one entry, one item per bulleted radionuclide."""
    entry: ParsedClause | None = None
    current: ParsedClause | None = None
    note: ParsedNote | None = None
    count = 0
    for line in lines:
        text = line.text.strip()
        if entry is None:
            if text.startswith("Controlled Radioactive Sources"):
                entry = _new("RS", "RS", None, line)
                entry.lines.append(text)
            continue
        if match := BULLET.match(text):
            count += 1
            current = _new(f"RS.{count}", str(count), entry, line)
            current.lines.append(match["rest"])
            note = None
        elif head := NOTE_HEAD.match(text):
            note = ParsedNote(heading=" ".join(head["head"].split()), lines=[head["rest"]])
            (current or entry).notes.append(note)
        elif note is not None:
            note.lines.append(text)
        else:
            (current or entry).lines.append(text)
    return [entry] if entry else []
