"""``ControlList``: the imported list, loaded for look-up and navigation."""

from __future__ import annotations

import difflib
import json
import os
import re
from functools import cached_property
from pathlib import Path

from exportctl.checksums import sha256_of
from exportctl.config import CONTROL_LISTS_DIR, DEFAULT_LIST_NAME, LIST_CHOICE_VARIABLE
from exportctl.errors import DatasetError, UnknownCodeError
from exportctl.jsonl import read_jsonl
from exportctl.lists.model import Clause, Definition, GeneralNote, Manifest

DATA_FILES = ("clauses.jsonl", "definitions.jsonl", "general_notes.jsonl")
DATASET_FILES = ("manifest.json", *DATA_FILES)
#: A dataset folder is named by its list date; anything else beside it (an importer's hidden
#: ``.import-*`` staging folder, a lock file) is never a dataset.
LIST_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LIST_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def normalise_code(code: str) -> str:
    """``ml10 a`` / ``ML10.a.`` / `` 3a001.B.2 `` → ``ML10.a`` / ``3A001.b.2``."""
    text = code.strip().rstrip(".")
    text = re.sub(r"\s+", ".", text)
    match = re.match(r"^(ml\d{1,2}|pl\d{4}|\d[a-e]\d{3}|[a-z]{2}-a[ivx]+|rs)(.*)$", text, re.I)
    if not match:
        return text
    return match[1].upper() + match[2].lower()


def available_datasets(root: Path = CONTROL_LISTS_DIR) -> list[Path]:
    """Dataset folders under ``root``: ``<list-name>/<YYYY-MM-DD>/`` holding a manifest and
    clauses, oldest first within each list. Hidden folders (an import's staging folder left by
    a killed process, a backup) are never datasets."""
    if not root.is_dir():
        return []
    return sorted(
        folder
        for named in root.iterdir()
        if named.is_dir() and LIST_NAME.match(named.name)
        for folder in named.iterdir()
        if LIST_DATE.match(folder.name)
        and (folder / "manifest.json").is_file()
        and (folder / "clauses.jsonl").is_file()
    )


def list_dates(list_name: str, root: Path = CONTROL_LISTS_DIR) -> list[str]:
    """The imported dates of one list, oldest first."""
    return [folder.name for folder in available_datasets(root) if folder.parent.name == list_name]


def chosen_list() -> tuple[str, str | None]:
    """The list in use: ``EXPORTCTL_LIST`` (``name`` or ``name/YYYY-MM-DD``, set by
    ``exportctl --list``) or the default list; no date means its newest import."""
    value = os.environ.get(LIST_CHOICE_VARIABLE, "").strip().strip("/")
    if not value:
        return DEFAULT_LIST_NAME, None
    name, _, date = value.partition("/")
    if LIST_DATE.match(name) and not date:  # a date alone: of the default list
        return DEFAULT_LIST_NAME, name
    return name, date or None


def resolve_version(
    list_name: str | None = None, list_date: str | None = None, *, root: Path = CONTROL_LISTS_DIR
) -> tuple[str, str]:
    """The (list name, list date) to load: as given, else as chosen (``chosen_list``); a
    missing date is the newest import of that list. ``DatasetError`` when there is none."""
    if list_name is None and list_date is None:
        list_name, list_date = chosen_list()
    list_name = list_name or DEFAULT_LIST_NAME
    dates = list_dates(list_name, root)
    if list_date is None:
        if not dates:
            raise DatasetError(
                f"No imported '{list_name}' list under {root}: run 'exportctl import' "
                f"(imported: {_imported(root)})."
            )
        return list_name, dates[-1]
    if list_date not in dates:
        raise DatasetError(
            f"No imported list {list_name}/{list_date} under {root} (imported: "
            f"{_imported(root)}). Run 'exportctl lists' to see them."
        )
    return list_name, list_date


def _imported(root: Path) -> str:
    names = [f"{f.parent.name}/{f.name}" for f in available_datasets(root)]
    return ", ".join(names) or "none"


def dataset_for(spec: str, root: Path = CONTROL_LISTS_DIR) -> Path:
    """The dataset folder a user names: ``uk-consolidated/2025-12-16``, a date of the default
    list (``2025-12-16``), a list name (its newest date), or a dataset folder's path."""
    given = Path(spec).expanduser()
    if (given / "manifest.json").exists():
        return given
    parts = [part for part in spec.strip().strip("/").split("/") if part]
    if len(parts) == 1 and LIST_DATE.match(parts[0]):
        parts = [DEFAULT_LIST_NAME, parts[0]]
    if len(parts) == 1 and (dates := list_dates(parts[0], root)):
        parts.append(dates[-1])
    if len(parts) == 2 and (root / parts[0] / parts[1] / "manifest.json").exists():
        return root / parts[0] / parts[1]
    raise DatasetError(
        f"No imported list '{spec}'. Name one as LIST-NAME/YYYY-MM-DD or give its folder; "
        f"imported: {_imported(root)}."
    )


class ControlList:
    """An imported control list: clauses by code, with their tree, definitions and notes."""

    def __init__(
        self,
        manifest: Manifest,
        clauses: list[Clause],
        definitions: list[Definition],
        general_notes: list[GeneralNote],
    ) -> None:
        self.manifest = manifest
        self._clauses = {clause.code: clause for clause in clauses}
        self.definitions = definitions
        self.general_notes = general_notes

    # -- loading -----------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        list_name: str | None = None,
        list_date: str | None = None,
        *,
        root: Path = CONTROL_LISTS_DIR,
    ) -> ControlList:
        """Load a dataset: the list in use (``chosen_list``: the newest import of the default
        list unless ``exportctl --list`` or ``EXPORTCTL_LIST`` names another) when neither is
        given; without ``list_date`` the newest import of ``list_name``."""
        list_name, list_date = resolve_version(list_name, list_date, root=root)
        return cls.from_dir(root / list_name / list_date)

    @classmethod
    def from_dir(cls, folder: Path) -> ControlList:
        missing = [name for name in DATASET_FILES if not (folder / name).exists()]
        if missing:
            raise DatasetError(
                f"The list dataset at {folder} is missing {', '.join(missing)}. "
                "Run 'exportctl import' to rebuild it from the source text."
            )
        damaged = f"The list dataset at {folder} is damaged"
        try:
            manifest = Manifest.from_dict(json.loads((folder / "manifest.json").read_text("utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, TypeError) as error:
            raise DatasetError(f"{damaged} (manifest.json: {error}); re-import it.") from None
        for name, expected in manifest.files.items():
            if sha256_of(folder / name) != expected:
                raise DatasetError(
                    f"{damaged}: {name} does not match the checksum in its manifest (edited "
                    "or cut short); re-import the list with 'exportctl import --replace'."
                )
        try:
            clauses = [Clause.from_dict(row) for row in read_jsonl(folder / "clauses.jsonl")]
            definitions = [
                Definition.from_dict(r) for r in read_jsonl(folder / "definitions.jsonl")
            ]
            notes = [GeneralNote.from_dict(r) for r in read_jsonl(folder / "general_notes.jsonl")]
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise DatasetError(
                f"{damaged} ({type(error).__name__}: {error}); re-import it."
            ) from None
        if len(clauses) != manifest.counts.get("clauses"):
            raise DatasetError(
                f"{folder}/clauses.jsonl has {len(clauses)} clauses but its manifest says "
                f"{manifest.counts.get('clauses')}: the dataset is incomplete; re-import it."
            )
        return cls(manifest, clauses, definitions, notes)

    # -- identity ----------------------------------------------------------------------
    @property
    def version(self) -> str:
        return f"{self.manifest.list_name}/{self.manifest.list_date}"

    def __len__(self) -> int:
        return len(self._clauses)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and normalise_code(code) in self._clauses

    def __iter__(self):
        return iter(self._clauses.values())

    # -- navigation --------------------------------------------------------------------
    def get(self, code: str) -> Clause:
        key = normalise_code(code)
        try:
            return self._clauses[key]
        except KeyError:
            raise UnknownCodeError(code, self.nearest_codes(key)) from None

    def nearest_codes(self, code: str, limit: int = 5) -> list[str]:
        """Existing codes closest to ``code``: its nearest existing ancestor first."""
        found: list[str] = []
        parts = code.split(".")
        for end in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:end])
            if prefix in self._clauses:
                found.append(prefix)
                found.extend(self._clauses[prefix].children[: limit - 1])
                break
        for match in difflib.get_close_matches(code, list(self._clauses), n=limit, cutoff=0.6):
            if match not in found:
                found.append(match)
        return found[:limit]

    def ancestors(self, code: str) -> list[Clause]:
        """The clause's ancestors, entry first."""
        chain: list[Clause] = []
        clause = self.get(code)
        while clause.parent is not None:
            clause = self._clauses[clause.parent]
            chain.append(clause)
        return list(reversed(chain))

    def children(self, code: str) -> list[Clause]:
        return [self._clauses[child] for child in self.get(code).children]

    def descendants(self, code: str) -> list[Clause]:
        out: list[Clause] = []
        stack = list(reversed(self.children(code)))
        while stack:
            clause = stack.pop()
            out.append(clause)
            stack.extend(reversed([self._clauses[c] for c in clause.children]))
        return out

    def entries(self, list_name: str | None = None) -> list[Clause]:
        return [
            c
            for c in self._clauses.values()
            if c.depth == 0 and (list_name is None or c.list_name == list_name)
        ]

    def cited_by(self, code: str) -> list[Clause]:
        """Clauses whose text or N.B.s cite ``code`` or one of its sub-items."""
        key = normalise_code(code)
        return [
            clause
            for clause in self._clauses.values()
            if any(ref == key or ref.startswith(key + ".") for ref in clause.references)
        ]

    # -- definitions -------------------------------------------------------------------
    @cached_property
    def _definitions_by_term(self) -> dict[str, list[Definition]]:
        table: dict[str, list[Definition]] = {}
        for definition in self.definitions:
            table.setdefault(_term_key(definition.term), []).append(definition)
        return table

    def definition(self, term: str, list_name: str | None = None) -> Definition | None:
        """The definition of a "quoted" term, preferring the given list's Definitions."""
        candidates = self._definitions_by_term.get(_term_key(term), [])
        if not candidates and term.lower().endswith("s"):
            candidates = self._definitions_by_term.get(_term_key(term[:-1]), [])
        if not candidates:
            return None
        preferred = [d for d in candidates if d.list_name == list_name]
        return (preferred or candidates)[0]

    def definitions_for(self, code: str) -> list[Definition]:
        """Definitions of the "double quoted" terms used by the clause and its ancestors."""
        clause = self.get(code)
        terms: dict[str, None] = {}
        for node in [*self.ancestors(code), clause]:
            for term in node.defined_terms:
                terms.setdefault(term, None)
        found: list[Definition] = []
        for term in terms:
            definition = self.definition(term, _definitions_list(clause.list_name))
            if definition is not None and definition not in found:
                found.append(definition)
        return found

    def general_note(self, key: str) -> GeneralNote | None:
        return next((note for note in self.general_notes if note.key == key), None)

    # -- search ------------------------------------------------------------------------
    def search(self, query: str, limit: int = 20) -> list[Clause]:
        """Clauses whose code or words contain every word of ``query`` (simple look-up for
        browsing; the suggestion engine ranks abstracts)."""
        query = query.strip()
        if not query:
            return []
        key = normalise_code(query)
        if key in self._clauses:
            exact = self._clauses[key]
            return [exact, *[c for c in self._clauses.values() if c.parent == key]][:limit]
        words = [w for w in re.findall(r"[a-z0-9]+", query.lower()) if len(w) > 1]
        if not words:
            return []
        scored: list[tuple[int, int, str, Clause]] = []
        for clause in self._clauses.values():
            own = clause.text.lower()
            full = clause.full_text.lower()
            if all(w in full for w in words):
                hits = sum(w in own for w in words)
                scored.append((-hits, clause.depth, clause.code, clause))
        scored.sort(key=lambda item: item[:3])
        return [item[3] for item in scored[:limit]]


def _term_key(term: str) -> str:
    return " ".join(term.lower().split())


def _definitions_list(list_name: str) -> str:
    return {"military": "uk-national"}.get(list_name, list_name)
