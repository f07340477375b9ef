"""Import a published control list (text or PDF) into a versioned dataset.

``control_lists/<list-name>/<list-date>/`` holds ``clauses.jsonl``, ``definitions.jsonl``,
``general_notes.jsonl`` and ``manifest.json`` (source file and sha256, list date, importer
version, counts, the sha256 of each data file, and what could not be parsed). Nothing is
written unless the whole import succeeds: a source too large to be a list, one cut short or
lacking a document the list must contain is refused. An existing dataset is replaced only when
asked, and is then kept as a backup under ``control_lists/.backups/``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import re
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from exportctl import progress
from exportctl.atomic import exclusive, fsync_folder, swap_in
from exportctl.checksums import sha256_of
from exportctl.errors import DatasetError, SourceFormatError
from exportctl.lists.assemble import build_records, resolve_references
from exportctl.lists.clause_parser import ClauseParser, ParseResult, cited_paths
from exportctl.lists.definitions import parse_definitions
from exportctl.lists.general_notes import parse_general_notes
from exportctl.lists.model import Clause, Definition, GeneralNote, Manifest
from exportctl.lists.numbered_lists import parse_annex_items, parse_radioactive_sources
from exportctl.lists.source import SourceLine
from exportctl.lists.store import DATA_FILES, LIST_NAME, list_dates
from exportctl.lists.textutil import join_lines

log = logging.getLogger(__name__)

IMPORTER_VERSION = "1.0.0"
ML_OR_PL = r"ML\d{1,2}|PL\d{4}"
PL_ONLY = r"PL\d{4}"
DUAL_USE = r"\d[A-E]\d{3}"
#: A line of a contents page: a title, dot leaders and a page number.
CONTENTS_LINE = re.compile(r"(?:\.\s?){6,}\s*\d{1,4}\s*$")

#: Titles of the documents that make up the UK consolidated list, by footer prefix.
DOCUMENT_TITLES = {
    "MLST": "UK Military List",
    "UKDU": "UK Dual-Use List (Schedule 3)",
    "EUFR": "Non-military Firearms List",
    "EUHR": "Human Rights List",
    "UKRS": "UK Radioactive Sources List",
    "ANX1": "Dual-Use List - Introduction",
    "DEFS": "Dual-Use List - Definitions",
    "ANX4": "Dual-Use List - Annex IV",
}


#: The largest source accepted, by kind. The UK consolidated list is about 0.8 MB of text and a
#: few MB of PDF; a file far larger is not a control list (and would take minutes to parse).
MAX_SOURCE_BYTES = {"text": 10 * 1024 * 1024, "pdf": 100 * 1024 * 1024}
#: Where a replaced dataset is kept (a hidden folder: never loaded as a list).
BACKUPS_FOLDER = ".backups"
STAGING_PREFIX = ".import-"

_CATEGORIES = tuple(str(n) for n in range(10))
_MILITARY_ENTRIES = tuple(f"ML{n}" for n in range(1, 23))
_LIST_TITLES = {
    "military": "the Military List",
    "dual-use": "the Dual-Use List",
    "uk-national": "the UK national controls (Schedule 3)",
    "firearms": "the Non-military Firearms List",
    "human-rights": "the Human Rights List",
    "radioactive-sources": "the UK Radioactive Sources List",
}


@dataclass(frozen=True)
class ListContents:
    """What a complete import of a known list holds: every one of its lists, its Dual-Use
    categories, the Military List's entries, its definitions and, when the source names the
    documents it is made of (the UK text's page footers), each of those documents."""

    lists: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    entries: tuple[str, ...] = ()
    definitions: bool = False
    documents: tuple[str, ...] = ()


#: Known lists by ``--list-name``. Other names are imported without a completeness check.
KNOWN_LISTS: dict[str, ListContents] = {
    "uk-consolidated": ListContents(
        lists=tuple(_LIST_TITLES),
        categories=_CATEGORIES,
        entries=_MILITARY_ENTRIES,
        definitions=True,
        documents=(*DOCUMENT_TITLES, *(f"CAT{n}" for n in _CATEGORIES)),
    ),
    "eu-dual-use": ListContents(lists=("dual-use",), categories=_CATEGORIES, definitions=True),
    "eu-military": ListContents(lists=("military",), entries=_MILITARY_ENTRIES),
}


@dataclass(frozen=True)
class ImportedList:
    manifest: Manifest
    clauses: list[Clause]
    definitions: list[Definition]
    general_notes: list[GeneralNote]


def read_source(path: Path) -> tuple[list[SourceLine], str]:
    """Lines of a text or PDF source, and which of the two it was."""
    if not path.exists():
        raise SourceFormatError(f"Source file not found: {path}")
    if not path.is_file():
        raise SourceFormatError(f"{path} is not a file: give the list's text or PDF file.")
    try:
        with path.open("rb") as handle:
            head = handle.read(5)
        size = path.stat().st_size
    except OSError as error:
        raise SourceFormatError(f"Cannot read {path}: {error.strerror}.") from None
    kind = "pdf" if head.startswith(b"%PDF") or path.suffix.lower() == ".pdf" else "text"
    if size > MAX_SOURCE_BYTES[kind]:
        raise SourceFormatError(
            f"{path} is {size / 1_048_576:.0f} MB; a control list's {kind} is at most "
            f"{MAX_SOURCE_BYTES[kind] / 1_048_576:.0f} MB (the UK list's text is under 1 MB). "
            "Check that this is the list; nothing was written."
        )
    if kind == "pdf":
        from exportctl.lists.pdf_reader import read_pdf_lines

        return read_pdf_lines(path), "pdf"
    from exportctl.lists.text_reader import read_text_lines

    with progress.step(f"Reading {path.name}", f"Read {path.name}"):
        return read_text_lines(path), "text"


def import_source(path: Path | str, *, list_name: str, list_date: str) -> ImportedList:
    path = Path(path)
    lines, source_format = read_source(path)
    return import_lines(
        lines,
        list_name=list_name,
        list_date=list_date,
        source_path=path,
        source_format=source_format,
    )


def import_lines(
    lines: list[SourceLine],
    *,
    list_name: str,
    list_date: str,
    source_path: Path,
    source_format: str,
) -> ImportedList:
    """Parse source lines (from any reader) into records and a manifest."""
    lines = [line for line in lines if not CONTENTS_LINE.search(line.text)]
    if not lines:
        raise SourceFormatError(f"{source_path} has no text to import.")
    _check_complete(lines, source_path)
    page_headers = _running_headers(source_path)
    known_paths = cited_paths([line.text for line in lines] + list(page_headers.values()))
    sections = split_sections(lines)
    clauses: list[Clause] = []
    definitions: list[Definition] = []
    general_notes: list[GeneralNote] = []
    issues: list[str] = []
    page_labels = _page_labels(lines)
    with _parsing_bar(len(lines)) as bar:
        for kind, section_lines in sections:
            found = _parse_section(kind, section_lines, known_paths, page_labels, page_headers)
            clauses.extend(found.clauses)
            definitions.extend(found.definitions)
            general_notes.extend(found.general_notes)
            issues.extend(found.issues)
            bar.update(len(section_lines))
    if not any(clause.depth == 0 for clause in clauses):
        raise SourceFormatError(
            f"{source_path} does not look like a control list: no entry codes such as ML1, "
            "PL9009 or 3A001 were found at line starts."
        )
    check_contents(list_name, clauses, definitions, lines, source_path)
    clauses = _dedupe(clauses, issues)
    clauses = resolve_references(clauses)
    unresolved = sorted({c for clause in clauses for c in clause.unresolved_references})
    if unresolved:
        issues.append(
            f"{len(unresolved)} cited codes not found in the list: {', '.join(unresolved[:60])}"
            + (" ..." if len(unresolved) > 60 else "")
        )
    manifest = Manifest(
        list_name=list_name,
        list_date=list_date,
        source_file=source_path.name,
        source_sha256=sha256_of(source_path),
        source_format=source_format,
        importer_version=IMPORTER_VERSION,
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        counts=_counts(clauses, definitions, general_notes),
        issues=issues,
    )
    return ImportedList(manifest, clauses, definitions, general_notes)


@contextmanager
def _parsing_bar(lines: int) -> Iterator[tqdm]:
    """A progress bar over the lines parsed (on a terminal, for a source of some size)."""
    bar = tqdm(total=lines, desc="Parsing the list", unit="line", leave=False, file=sys.stderr,
               disable=lines < 2000 or progress.bar_disabled())  # fmt: skip
    try:
        yield bar
    finally:
        bar.close()


def check_contents(
    list_name: str,
    clauses: list[Clause],
    definitions: list[Definition],
    lines: list[SourceLine],
    source_path: Path,
) -> None:
    """Refuse an import of a known list (``KNOWN_LISTS``) that lacks a part the list must
    contain: a source cut at a document boundary, or another list imported under its name."""
    contents = KNOWN_LISTS.get(list_name)
    if contents is None:
        return
    entries = [c for c in clauses if c.depth == 0]
    have_lists = {c.list_name for c in entries}
    missing = [_LIST_TITLES.get(n, n) for n in contents.lists if n not in have_lists]
    categories = {c.category for c in entries if c.list_name == "dual-use"}
    lacking = [n for n in contents.categories if n not in categories]
    if lacking and "dual-use" in have_lists:
        missing.append(
            f"Dual-Use categor{'y' if len(lacking) == 1 else 'ies'} {', '.join(lacking)}"
        )
    codes = {c.code for c in entries}
    absent = [code for code in contents.entries if code not in codes]
    if absent and "military" in have_lists:
        missing.append(f"entries {', '.join(absent[:8])}{' ...' if len(absent) > 8 else ''}")
    if contents.definitions and not definitions:
        missing.append("the definitions of terms")
    documents = {line.document[:4] for line in lines if line.document}
    lost = [d for d in contents.documents if documents and d not in documents]
    if len(lost) > 3:
        missing.append(f"the documents {', '.join(lost)}")
    else:
        missing.extend(
            f"the document {d} ({DOCUMENT_TITLES.get(d, 'Dual-Use List - Category ' + d[3:])})"
            for d in lost
        )
    if missing:
        raise SourceFormatError(
            f"{source_path.name} is not the whole '{list_name}' list: it lacks "
            f"{'; '.join(missing)}. Give the complete published list (or import another list "
            "under its own --list-name); nothing was written."
        )


def _running_headers(source_path: Path) -> dict[int, str]:
    """Page-top headers of the text source ("3A001 b. 1.") name real clause paths."""
    if source_path.suffix.lower() == ".pdf":
        return {}
    from exportctl.lists.text_reader import running_header_paths

    raw = source_path.read_text(encoding="utf-8", errors="replace").splitlines()
    return running_header_paths(raw)


def _check_complete(lines: list[SourceLine], source_path: Path) -> None:
    """A text whose last pages are missing (a truncated file) is refused, not half-imported."""
    if source_path.suffix.lower() == ".pdf":
        return
    from exportctl.lists.text_reader import FOOTER, PAGE_NUMBER

    expected: dict[str, int] = {}
    seen: dict[str, int] = {}
    for raw in source_path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = FOOTER.match(raw)
        if not match:
            continue
        pages = re.search(r"Page\s+(\d+)\s+of\s+(\d+)", match["title"])
        if pages:
            seen[match["doc"]] = max(seen.get(match["doc"], 0), int(pages[1]))
            expected[match["doc"]] = int(pages[2])
        elif PAGE_NUMBER.search(match["title"]):
            seen.setdefault(match["doc"], 1)
    short = [
        f"{doc} (page {seen[doc]} of {total})"
        for doc, total in expected.items()
        if seen[doc] < total
    ]
    if short:
        raise SourceFormatError(
            f"{source_path} looks truncated: the last pages of {', '.join(short)} are missing. "
            "Export the whole list again and re-import; nothing was written."
        )


def split_sections(lines: list[SourceLine]) -> list[tuple[str, list[SourceLine]]]:
    """Group consecutive lines by the kind of section they belong to."""
    sections: list[tuple[str, list[SourceLine]]] = []
    for line, kind in zip(lines, _section_kinds(lines), strict=True):
        if sections and sections[-1][0] == kind:
            sections[-1][1].append(line)
        else:
            sections.append((kind, [line]))
    return sections


def _section_kinds(lines: list[SourceLine]) -> list[str]:
    """The section of each line: by its document when the source names documents (the UK
    text), otherwise by the headings of a dual-use or military list (a PDF)."""
    if any(line.document for line in lines):
        return [_kind_of_document(line.document or "") for line in lines]
    kinds: list[str] = []
    current = "intro"
    for line in lines:
        text = line.text.strip()
        if re.match(r"^CATEGORY\s+\d\s*[-–]", text):
            current = "dual-use"
        elif current == "intro" and text.upper().startswith("DEFINITIONS OF TERMS"):
            current = "dual-use-definitions"
        elif current == "intro" and re.match(r"^ML\d{1,2}\s*\t", text):
            current = "military"
        kinds.append(current)
    return kinds


def _kind_of_document(document: str) -> str:
    prefix = document[:4]
    if prefix.startswith("CAT"):
        return "dual-use"
    return {
        "MLST": "military",
        "UKDU": "uk-national",
        "EUFR": "firearms",
        "EUHR": "human-rights",
        "UKRS": "radioactive-sources",
        "ANX1": "intro",
        "DEFS": "dual-use-definitions",
        "ANX4": "annex-iv",
    }.get(prefix, "unknown")


def _page_labels(lines: list[SourceLine]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for line in lines:
        if line.document and line.document not in labels:
            prefix = line.document[:4]
            if prefix.startswith("CAT"):
                labels[line.document] = f"Dual-Use List - Category {prefix[3]}"
            else:
                labels[line.document] = DOCUMENT_TITLES.get(prefix, line.document)
    return labels


@dataclass
class _Section:
    clauses: list[Clause]
    definitions: list[Definition]
    general_notes: list[GeneralNote]
    issues: list[str]


def _parse_section(
    kind: str,
    lines: list[SourceLine],
    known_paths: frozenset[str],
    page_labels: dict[str, str],
    page_headers: dict[int, str] | None = None,
) -> _Section:
    if kind in ("military", "dual-use", "uk-national"):
        return _parse_numbered_entries(kind, lines, known_paths, page_labels, page_headers or {})
    if kind in ("firearms", "human-rights"):
        prefix = "FR" if kind == "firearms" else "HR"
        entries, definitions, issues = parse_annex_items(lines, prefix=prefix, list_name=kind)
        clauses = build_records(entries, list_name=kind, page_label=page_labels)
        return _Section(clauses, definitions, [], issues)
    if kind == "radioactive-sources":
        entries = parse_radioactive_sources(lines)
        return _Section(build_records(entries, list_name=kind, page_label=page_labels), [], [], [])
    if kind == "intro":
        return _Section([], [], parse_general_notes(lines, "dual-use"), [])
    if kind == "dual-use-definitions":
        return _Section([], parse_definitions(lines, "dual-use"), [], [])
    if kind == "annex-iv":
        text = join_lines([line.text for line in lines])
        note = GeneralNote(
            "annex-iv", "ANNEX IV (intra-community transfers)", text, "dual-use", lines[0].page
        )
        return _Section([], [], [note], [])
    return _Section([], [], [], [f"{len(lines)} lines in an unrecognised section were skipped"])


def _parse_numbered_entries(
    kind: str,
    lines: list[SourceLine],
    known_paths: frozenset[str],
    page_labels: dict[str, str],
    page_headers: dict[int, str],
) -> _Section:
    definitions: list[Definition] = []
    pattern = {"military": ML_OR_PL, "uk-national": PL_ONLY, "dual-use": DUAL_USE}[kind]
    if kind == "uk-national":
        first_entry = next(
            (i for i, line in enumerate(lines) if re.match(rf"^({PL_ONLY})\s*\t", line.text)),
            len(lines),
        )
        definitions = parse_definitions(lines[:first_entry], "uk-national")
        lines = lines[first_entry:]
    result = _parse_entries(pattern, kind == "dual-use", known_paths, lines, page_headers)
    clauses = build_records(result.entries, list_name=kind, page_label=page_labels)
    notes = [
        GeneralNote(
            key=f"{group}-notes",
            title=f"Notes printed before the {group} entries",
            text="\n".join(
                join_lines(note.lines)
                if note.heading == "Text"
                else f"{note.heading} {join_lines(note.lines)}"
                for note in group_notes
            ),
            list_name=kind,
        )
        for group, group_notes in result.group_notes.items()
    ]
    return _Section(clauses, definitions, notes, result.issues)


def _parse_entries(
    pattern: str,
    with_groups: bool,
    known_paths: frozenset[str],
    lines: list[SourceLine],
    page_headers: dict[int, str],
) -> ParseResult:
    return ClauseParser(
        entry_pattern=pattern,
        with_groups=with_groups,
        known_paths=known_paths,
        page_headers=page_headers,
    ).parse(lines)


def _dedupe(clauses: list[Clause], issues: list[str]) -> list[Clause]:
    seen: dict[str, Clause] = {}
    for clause in clauses:
        if clause.code in seen:
            issues.append(f"duplicate code {clause.code}: the later occurrence was dropped")
            continue
        seen[clause.code] = clause
    return list(seen.values())


def _counts(
    clauses: list[Clause], definitions: list[Definition], general_notes: list[GeneralNote]
) -> dict[str, object]:
    entries = [c for c in clauses if c.depth == 0]
    per_category = Counter(c.category for c in entries if c.list_name == "dual-use")
    return {
        "clauses": len(clauses),
        "entries": len(entries),
        "definitions": len(definitions),
        "general_notes": len(general_notes),
        "entries_per_list": dict(Counter(c.list_name for c in entries)),
        "clauses_per_list": dict(Counter(c.list_name for c in clauses)),
        "dual_use_entries_per_category": {str(k): v for k, v in sorted(per_category.items())},
    }


def dataset_dir(root: Path, list_name: str, list_date: str) -> Path:
    return root / list_name / list_date


def check_list_version(list_name: str, list_date: str) -> None:
    """A list name a folder can hold and a real date, or ``DatasetError``."""
    if not LIST_NAME.match(list_name):
        raise DatasetError(
            f"The list name '{list_name}' is not usable: use lower-case letters, digits and "
            "hyphens, e.g. uk-consolidated."
        )
    try:
        if dt.date.fromisoformat(list_date).isoformat() != list_date:
            raise ValueError
    except ValueError:
        raise DatasetError(
            f"The list date '{list_date}' is not a date in the form YYYY-MM-DD: give the date "
            "printed on the list."
        ) from None


@contextmanager
def import_lock(root: Path, list_name: str) -> Iterator[None]:
    """One import of a list at a time. Holding it, the staging folders that a killed import
    left behind (hidden ``.import-*`` folders) are removed."""
    folder = root / list_name
    created = [f for f in (folder, root) if not f.exists()]  # removed again if left empty
    try:
        with exclusive(folder / ".import.lock", f"the '{list_name}' list"):
            for stale in folder.glob(f"{STAGING_PREFIX}*"):
                if stale.is_dir():
                    log.info("Removing %s, left by an import that did not finish.", stale)
                    shutil.rmtree(stale, ignore_errors=True)
            yield
    finally:
        for made in created:
            with contextlib.suppress(OSError):
                made.rmdir()


def refuse_existing(root: Path, list_name: str, list_date: str) -> None:
    """``DatasetError`` when ``list_name``/``list_date`` is already imported."""
    if list_date in list_dates(list_name, root):
        manifest = json.loads(
            (dataset_dir(root, list_name, list_date) / "manifest.json").read_text("utf-8")
        )
        raise DatasetError(
            f"{list_name}/{list_date} is already imported (from {manifest.get('source_file')} "
            f"on {str(manifest.get('imported_at', ''))[:10]}). To replace it give --replace: "
            f"the old one is then kept under {root / BACKUPS_FOLDER}. Nothing was written."
        )


def write_dataset(
    imported: ImportedList, root: Path, *, replace: bool = False
) -> tuple[Path, Path | None]:
    """Write the dataset atomically: into a hidden staging folder, then renamed into place.
    An existing dataset of the same list and date is refused unless ``replace``; replaced, it
    is moved to ``root/.backups/<list-name>/<list-date>-<time>/`` and that path returned."""
    name, date = imported.manifest.list_name, imported.manifest.list_date
    check_list_version(name, date)
    target = dataset_dir(root, name, date)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not replace:
        refuse_existing(root, name, date)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=target.parent))
    backup: Path | None = None
    try:
        _write_jsonl(staging / "clauses.jsonl", [c.to_dict() for c in imported.clauses])
        _write_jsonl(staging / "definitions.jsonl", [d.to_dict() for d in imported.definitions])
        _write_jsonl(staging / "general_notes.jsonl", [g.to_dict() for g in imported.general_notes])
        imported.manifest.files.update({f: sha256_of(staging / f) for f in DATA_FILES})
        _write_text(
            staging / "manifest.json",
            json.dumps(imported.manifest.to_dict(), indent=2, ensure_ascii=False) + "\n",
        )
        fsync_folder(staging)
        displaced = swap_in(staging, target)
        if displaced is not None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            backup = root / BACKUPS_FOLDER / name / f"{date}-{stamp}"
            backup.parent.mkdir(parents=True, exist_ok=True)
            displaced.rename(backup)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    log.info("wrote %s", target)
    return target, backup


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _write_text(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
