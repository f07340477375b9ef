"""What each clause is indexed as: its own words, its parents' words, its technical notes, the
names of the defined terms it uses and its aliases (everyday vocabulary with a cited source)."""

from __future__ import annotations

from dataclasses import dataclass

from exportctl.lists.model import Clause
from exportctl.lists.store import ControlList


@dataclass(frozen=True)
class ClauseDocument:
    code: str
    own: str  # the clause's words and its technical notes
    context: str  # the ancestors' words
    aliases: str  # aliases of the clause, joined


def clause_documents(
    control_list: ControlList, aliases: dict[str, list[str]] | None = None
) -> list[ClauseDocument]:
    """One document per clause in use (clauses printed as "not used" are left out)."""
    aliases = aliases or {}
    documents: list[ClauseDocument] = []
    for clause in control_list:
        if clause.not_used:
            continue
        documents.append(
            ClauseDocument(
                code=clause.code,
                own=_own_text(clause),
                context=" ".join(a.text for a in control_list.ancestors(clause.code)),
                aliases=" ; ".join(aliases.get(clause.code, [])),
            )
        )
    return documents


def indexed_codes(control_list: ControlList, level: str = "clause") -> list[str]:
    """The codes an index of ``level`` holds, in its order (as its documents are made)."""
    if level == "entry":
        return [entry.code for entry in control_list.entries()]
    return [clause.code for clause in control_list if not clause.not_used]


def _own_text(clause: Clause) -> str:
    return " ".join([clause.text, *_technical_notes(clause)])


def entry_documents(
    control_list: ControlList, aliases: dict[str, list[str]] | None = None
) -> list[ClauseDocument]:
    """One document per entry: the words of all its clauses, so that an abstract touching
    several sub-items of one entry finds the entry."""
    aliases = aliases or {}
    documents: list[ClauseDocument] = []
    for entry in control_list.entries():
        clauses = [entry, *control_list.descendants(entry.code)]
        used = [c for c in clauses if not c.not_used]
        documents.append(
            ClauseDocument(
                code=entry.code,
                own=" ".join(_own_text(c) for c in used),
                context="",
                aliases=" ; ".join(a for c in used for a in aliases.get(c.code, [])),
            )
        )
    return documents


def meaning_text(control_list: ControlList, clause: Clause) -> str:
    """What a clause is embedded as: its parents' words and its own (the clause alone is often
    meaningless: "2. Having a peak power exceeding 1 kW;") and its technical notes."""
    return " ".join([clause.full_text, *_technical_notes(clause)])


def _technical_notes(clause: Clause) -> list[str]:
    return [note.text for note in clause.notes if note.kind == "technical_note"]
