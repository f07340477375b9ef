"""Records of an imported control list: clauses, their notes, definitions and general notes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: The lists inside the UK consolidated document, as stored in ``Clause.list_name``.
LIST_NAMES: dict[str, str] = {
    "military": "UK Military List (Schedule 2)",
    "uk-national": "UK national controls (Schedule 3, PL entries)",
    "firearms": "Non-military firearms list",
    "human-rights": "Capital punishment and torture goods (Human Rights list)",
    "radioactive-sources": "UK radioactive sources list",
    "dual-use": "UK Dual-Use List (Annex I)",
}


@dataclass(frozen=True)
class Note:
    """A Note, N.B. or Technical Note belonging to a clause (or to a definition)."""

    kind: str  # "note" | "nb" | "technical_note"
    heading: str  # as printed: "Note 2:", "N.B.", "Technical Notes:"
    text: str
    references: tuple[str, ...] = ()  # codes cited, resolved against the list
    unresolved_references: tuple[str, ...] = ()
    decontrol: bool = False  # the note says the clause "does not control" something

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Note:
        return cls(
            kind=data["kind"],
            heading=data["heading"],
            text=data["text"],
            references=tuple(data.get("references", ())),
            unresolved_references=tuple(data.get("unresolved_references", ())),
            decontrol=bool(data.get("decontrol", False)),
        )


@dataclass(frozen=True)
class Clause:
    """One control entry or sub-item, e.g. ``3A001.b.2.a``."""

    code: str
    parent: str | None
    depth: int  # 0 for an entry such as 3A001
    list_name: str  # a key of LIST_NAMES
    entry: str  # the top-level code, e.g. 3A001
    label: str  # the sub-item label ("b", "2") or the entry code
    text: str  # the clause's own words
    full_text: str  # the clause with its ancestors' words, entry first
    category: str | None = None  # dual-use category digit, e.g. "3"
    product_group: str | None = None  # dual-use product group letter, e.g. "A"
    page: int | None = None  # page within its list document
    page_label: str | None = None  # e.g. "Dual-Use List - Category 3, page 2"
    notes: tuple[Note, ...] = ()
    references: tuple[str, ...] = ()  # codes cited by the clause text and its N.B.s
    unresolved_references: tuple[str, ...] = ()
    defined_terms: tuple[str, ...] = ()  # "double quoted" terms
    local_terms: tuple[str, ...] = ()  # 'single quoted' terms (defined in a Technical Note)
    regimes: tuple[str, ...] = ()  # margin markers such as [W], [M6C5]
    not_used: bool = False
    children: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Clause:
        values = dict(data)
        values["notes"] = tuple(Note.from_dict(n) for n in data.get("notes", ()))
        for key in (
            "references",
            "unresolved_references",
            "defined_terms",
            "local_terms",
            "regimes",
            "children",
        ):
            values[key] = tuple(data.get(key, ()))
        return cls(**values)


@dataclass(frozen=True)
class Definition:
    """A defined term from a Definitions section ("double quoted" in clause text)."""

    term: str
    text: str
    list_name: str
    categories: tuple[str, ...] = ()  # dual-use categories the definition is used in
    notes: tuple[Note, ...] = ()
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Definition:
        values = dict(data)
        values["categories"] = tuple(data.get("categories", ()))
        values["notes"] = tuple(Note.from_dict(n) for n in data.get("notes", ()))
        return cls(**values)


@dataclass(frozen=True)
class GeneralNote:
    """A general note such as the General Technology Note (GTN)."""

    key: str  # e.g. "GTN", "GSN", "GISN", "general-notes-annex-i"
    title: str
    text: str
    list_name: str
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GeneralNote:
        return cls(**data)


@dataclass(frozen=True)
class Manifest:
    """What a dataset was built from and what it holds."""

    list_name: str
    list_date: str
    source_file: str
    source_sha256: str
    source_format: str  # "text" | "pdf"
    importer_version: str
    imported_at: str
    counts: dict[str, Any] = field(default_factory=dict)
    issues: list[str] = field(default_factory=list)  # what the importer could not parse
    files: dict[str, str] = field(default_factory=dict)  # sha256 of each data file

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        if not isinstance(data, dict):
            raise TypeError(f"a manifest is a JSON object, not {type(data).__name__}")
        return cls(**data)
