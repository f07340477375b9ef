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


def _own_text(clause: Clause) -> str:
    technical = [note.text for note in clause.notes if note.kind == "technical_note"]
    return " ".join([clause.text, *technical])
