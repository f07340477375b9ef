"""The ATAS rules as versioned data: listed CAH3 subjects, exempt nationalities, levels of study,
researcher occupation codes.

Each version is a directory ``control_lists/atas/rules/<YYYY-MM-DD>/`` holding one CSV per table
and a ``manifest.json`` (version, verified_on, notes, per-table provenance and sha256). Versions
are only ever added: an import is validated in full and written to a hidden staging directory,
then renamed into place, so a failed import writes nothing and the previous version stays in
force. Loading picks the newest version unless told otherwise.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import pycountry
from lxml.etree import XMLSyntaxError

from exportctl.archives import DAMAGED_ARCHIVE_ERRORS, check_archive, damage
from exportctl.atas.defaults import RULES_DIR
from exportctl.atas.vocabulary import (
    CAH3_PATTERN,
    CahVocabulary,
    load_vocabulary,
    sha256_of,
)
from exportctl.atomic import exclusive
from exportctl.errors import AtasInputError, RulesError
from exportctl.textio import DEFAULT_ENCODING, decode_bytes

MANIFEST_FILE = "manifest.json"
STAGING_PREFIX = ".import-"
#: Where ``rollback`` keeps a version it took out of force (a hidden folder: never loaded).
WITHDRAWN_FOLDER = ".withdrawn"
#: Tables an import may give with a header and no rows: no unresolved codes is a real state.
MAY_BE_EMPTY = ("unresolved",)
VERSION_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SOC_PATTERN = re.compile(r"^\d{4}$")
AREA_PATTERN = re.compile(r"^CAH\d{2}(-\d{2}(-\d{2})?)?$")

# The levels the assessment understands. Their scope is data (levels table); the keys are code.
LEVELS: tuple[str, ...] = (
    "undergraduate",
    "integrated-masters",
    "taught-masters",
    "research",
    "other-postgraduate",
    "researcher-work-route",
    "visiting-academic",
)
LEVEL_ALIASES: dict[str, str] = {
    "ug": "undergraduate",
    "bachelors": "undergraduate",
    "bachelor": "undergraduate",
    "integrated-master": "integrated-masters",
    "integrated": "integrated-masters",
    "meng": "integrated-masters",
    "msci": "integrated-masters",
    "mphys": "integrated-masters",
    "mchem": "integrated-masters",
    "taught-master": "taught-masters",
    "masters": "taught-masters",
    "master": "taught-masters",
    "msc": "taught-masters",
    "ma": "taught-masters",
    "pgt": "taught-masters",
    "research-degree": "research",
    "phd": "research",
    "doctorate": "research",
    "mphil": "research",
    "mres": "research",
    "masters-by-research": "research",
    "pgr": "research",
    "postgraduate-research": "research",
    "other-pg": "other-postgraduate",
    "pgcert": "other-postgraduate",
    "pgdip": "other-postgraduate",
    "researcher": "researcher-work-route",
    "work-route": "researcher-work-route",
    "postdoc": "researcher-work-route",
    "visiting": "visiting-academic",
    "visitor": "visiting-academic",
    "academic-visitor": "visiting-academic",
}
LEVEL_SCOPES = ("in-scope", "out-of-scope", "check", "occupation")
CONFIDENCES = ("official", "multi-source", "single-source")
# Country spellings ISO 3166 or pycountry do not resolve.
COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}


@dataclass(frozen=True)
class TableSpec:
    """One table of a rules version: its file, columns, and accepted header spellings."""

    kind: str
    file: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    aliases: Mapping[str, str] = field(default_factory=dict)


TABLES: dict[str, TableSpec] = {
    spec.kind: spec
    for spec in (
        TableSpec(
            "subjects",
            "listed_subjects.csv",
            (
                "cah3_code",
                "cah3_label",
                "source_label",
                "levels",
                "qualifier",
                "sources",
                "confidence",
            ),
            ("cah3_code",),
            {
                "code": "cah3_code",
                "cah3": "cah3_code",
                "cah_code": "cah3_code",
                "subject": "source_label",
                "label": "source_label",
                "subject_name": "source_label",
                "level": "levels",
                "source": "sources",
                "notes": "qualifier",
            },
        ),
        TableSpec(
            "nationalities",
            "exempt_nationalities.csv",
            ("iso_code", "country", "basis", "sources"),
            ("iso_code",),
            {
                "iso": "iso_code",
                "iso2": "iso_code",
                "alpha_2": "iso_code",
                "country_code": "iso_code",
                "nationality": "country",
                "source": "sources",
            },
        ),
        TableSpec(
            "levels",
            "levels.csv",
            ("level", "scope", "description", "sources"),
            ("level", "scope"),
            {"source": "sources"},
        ),
        TableSpec(
            "occupations",
            "occupations.csv",
            ("soc_code", "title", "soc_version", "sources"),
            ("soc_code",),
            {
                "soc": "soc_code",
                "soc_2020": "soc_code",
                "code": "soc_code",
                "occupation": "title",
                "source": "sources",
            },
        ),
        TableSpec(
            "check_areas",
            "check_areas.csv",
            ("area", "label", "reason"),
            ("area",),
            {},
        ),
        TableSpec(
            "unresolved",
            "unresolved_subjects.csv",
            ("code", "source_label", "note", "sources", "confidence"),
            ("code",),
            {},
        ),
    )
}
SHEET_ALIASES = {
    "listed_subjects": "subjects",
    "cah3": "subjects",
    "exempt_nationalities": "nationalities",
    "exempt_countries": "nationalities",
    "soc_codes": "occupations",
    "unresolved_subjects": "unresolved",
}


@dataclass(frozen=True)
class ListedSubject:
    cah3: str
    label: str  # the CAH v1.3.4 label
    source_label: str  # the label the source gave, when it differs
    levels: tuple[str, ...]  # empty: the appendix qualifier was not obtained
    qualifier: str
    sources: tuple[str, ...]
    confidence: str


@dataclass(frozen=True)
class ExemptNationality:
    iso_code: str
    country: str
    basis: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class LevelRule:
    level: str
    scope: str
    description: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Occupation:
    soc_code: str
    title: str
    soc_version: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class CheckArea:
    area: str
    label: str
    reason: str


@dataclass(frozen=True)
class UnresolvedCode:
    code: str
    source_label: str
    note: str
    sources: tuple[str, ...]
    confidence: str


@dataclass(frozen=True)
class AtasRules:
    """One version of the ATAS rules, as loaded and validated."""

    version: str
    verified_on: str
    subject_list_complete: bool
    notes: tuple[str, ...]
    subjects: dict[str, ListedSubject]
    exempt: dict[str, ExemptNationality]
    levels: dict[str, LevelRule]
    occupations: dict[str, Occupation]
    check_areas: tuple[CheckArea, ...]
    unresolved: tuple[UnresolvedCode, ...]
    manifest: dict[str, Any]

    def check_area_for(self, cah3: str) -> CheckArea | None:
        """The most specific check area containing a CAH3 code, if any."""
        matches = [a for a in self.check_areas if cah3 == a.area or cah3.startswith(a.area + "-")]
        return max(matches, key=lambda a: len(a.area)) if matches else None

    def summary(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "verified_on": self.verified_on,
            "subject_list_complete": self.subject_list_complete,
            "listed_subjects": len(self.subjects),
            "by_confidence": {
                c: sum(1 for s in self.subjects.values() if s.confidence == c) for c in CONFIDENCES
            },
            "exempt_nationalities": len(self.exempt),
            "occupation_codes": len(self.occupations),
            "unresolved_codes": [u.code for u in self.unresolved],
            "notes": list(self.notes),
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------------------------------------
# Normalising user input (shared with the assessment)


def resolve_level(level: str) -> str:
    """A level key from a key or a readable alias ("PhD", "taught master's")."""
    if not isinstance(level, str) or not level.strip():
        raise AtasInputError(f"Give a level of study, one of: {', '.join(LEVELS)}.")
    key = re.sub(r"[^a-z0-9]+", "-", level.strip().lower().replace("'", "")).strip("-")
    key = LEVEL_ALIASES.get(key, key)
    if key not in LEVELS:
        raise AtasInputError(f"Unknown level '{level}'. Use one of: {', '.join(LEVELS)}.")
    return key


def resolve_country(value: str) -> str:
    """An ISO 3166-1 alpha-2 code from an alpha-2 or alpha-3 code or an exact country name."""
    if not isinstance(value, str) or not value.strip():
        raise AtasInputError("A nationality is empty: give an ISO 3166 code such as 'CN'.")
    text = value.strip()
    if text.upper() in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[text.upper()]
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        raise AtasInputError(
            f"Unknown country '{value}': give an ISO 3166-1 code such as 'CN' or 'CHN'."
        ) from None


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(";") if part.strip())


# ---------------------------------------------------------------------------------------------
# Reading and validating tables


def _normalise_header(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def _canonical_headers(spec: TableSpec, headers: list[str], where: str) -> list[str]:
    canonical: list[str] = []
    for header in headers:
        name = _normalise_header(header)
        name = spec.aliases.get(name, name)
        if name not in spec.columns:
            raise RulesError(
                f"{where}: unknown column '{header}' for the {spec.kind} table. "
                f"Allowed columns: {', '.join(spec.columns)}."
            )
        if name in canonical:
            raise RulesError(f"{where}: column '{header}' appears twice (as '{name}').")
        canonical.append(name)
    missing = [c for c in spec.required if c not in canonical]
    if missing:
        raise RulesError(f"{where}: missing required column(s) {', '.join(missing)}.")
    return canonical


@dataclass
class RawTable:
    """Rows of one table as read from a file, with the row numbers a person sees."""

    kind: str
    where: str  # file (and sheet) name for messages
    rows: list[tuple[int, dict[str, str]]]


def _rows_from_grid(spec: TableSpec, grid: list[list[Any]], where: str) -> RawTable:
    if not grid:
        raise RulesError(f"{where}: the table is empty (no header row).")
    headers = [str(h) if h is not None else "" for h in grid[0]]
    while headers and not headers[-1].strip():
        headers.pop()
    columns = _canonical_headers(spec, headers, where)
    rows: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(grid[1:], start=2):
        cells = ["" if v is None else str(v).strip() for v in values]
        if not any(cells):
            continue
        if any(cells[len(columns) :]):
            raise RulesError(f"{where} row {number}: more cells than columns.")
        cells += [""] * (len(columns) - len(cells))
        rows.append((number, dict(zip(columns, cells[: len(columns)], strict=True))))
    return RawTable(spec.kind, where, rows)


def _guess_kind(headers: list[str], where: str) -> str:
    names = {_normalise_header(h) for h in headers if str(h).strip()}
    fits = []
    for spec in TABLES.values():
        canonical = {spec.aliases.get(n, n) for n in names}
        if all(r in canonical for r in spec.required):
            fits.append(spec.kind)  # unknown columns are then reported by name
    if len(fits) != 1:
        raise RulesError(
            f"{where}: cannot tell which rules table this is from its columns "
            f"({', '.join(str(h) for h in headers)}). Name the table with --table "
            f"({', '.join(TABLES)}) or fix the column names; for an unknown column, "
            "remove or rename it."
        )
    return fits[0]


def read_rules_file(
    path: Path, *, table: str | None = None, encoding: str = DEFAULT_ENCODING
) -> list[RawTable]:
    """Read an officer's CSV (one table) or Excel workbook (one table per sheet). A CSV is
    decoded with ``encoding`` (a byte-order mark decides: Excel's "CSV UTF-8" and UTF-16 are
    read as such); anything that cannot be read is a ``RulesError`` naming the file."""
    if not path.is_file():
        raise RulesError(f"No such file: {path}.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            data = path.read_bytes()
        except OSError as error:
            raise RulesError(f"Cannot read {path}: {error.strerror}.") from None
        text = decode_bytes(data, where=path.name, encoding=encoding, error=RulesError)
        try:
            grid = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as error:
            raise RulesError(
                f"{path.name} is not a readable CSV file ({error}). Save it again as CSV."
            ) from None
        kind = (
            _kind_name(table, path.name)
            if table
            else _guess_kind(grid[0] if grid else [], path.name)
        )
        return [_rows_from_grid(TABLES[kind], grid, path.name)]
    if suffix in (".xlsx", ".xlsm"):
        return _read_workbook(path, table)
    raise RulesError(f"{path.name}: rules files must be .csv or .xlsx, not '{suffix}'.")


def _read_workbook(path: Path, table: str | None) -> list[RawTable]:
    import openpyxl  # imported here: only officers importing workbooks need it
    from openpyxl.utils.exceptions import InvalidFileException

    check_archive(path, name=path.name, kind=".xlsx", error=RulesError)
    damaged = (
        *(*DAMAGED_ARCHIVE_ERRORS, InvalidFileException, XMLSyntaxError, ParseError),
        *(KeyError, ValueError, TypeError, OSError, EOFError, IndexError, AttributeError),
    )
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except damaged as error:
        raise RulesError(
            f"{path.name} cannot be read as an Excel workbook ({damage(error)}): it is "
            "damaged or not an .xlsx file. Save it again as .xlsx, or as CSV UTF-8."
        ) from None
    try:
        tables = []
        for sheet in workbook.worksheets:
            where = f"{path.name} sheet '{sheet.title}'"
            try:
                grid = [list(row) for row in sheet.iter_rows(values_only=True)]
            except damaged as error:
                raise RulesError(
                    f"{where} cannot be read ({damage(error)}): the workbook is "
                    "damaged. Save it again as .xlsx, or as CSV UTF-8."
                ) from None
            if not grid:
                continue
            if table:
                kind = _kind_name(table, where)
            elif (
                _normalise_header(sheet.title) in TABLES
                or _normalise_header(sheet.title) in SHEET_ALIASES
            ):
                kind = _kind_name(sheet.title, where)
            else:
                kind = _guess_kind([str(h) for h in grid[0] if h is not None], where)
            tables.append(_rows_from_grid(TABLES[kind], grid, where))
        return tables
    finally:
        workbook.close()


def _kind_name(name: str, where: str) -> str:
    key = _normalise_header(name)
    key = SHEET_ALIASES.get(key, key)
    if key not in TABLES:
        raise RulesError(f"{where}: unknown rules table '{name}'. Use one of {', '.join(TABLES)}.")
    return key


def validate_table(
    raw: RawTable,
    vocabulary: CahVocabulary,
    *,
    default_confidence: str = "official",
    default_sources: str = "",
) -> list[dict[str, str]]:
    """Check every row of a table; return canonical rows. Errors name the file and row."""
    spec = TABLES[raw.kind]
    seen: dict[str, int] = {}
    out: list[dict[str, str]] = []
    for number, row in raw.rows:
        where = f"{raw.where} row {number}"
        record = {c: row.get(c, "").strip() for c in spec.columns}
        key = _validate_row(
            raw.kind, record, vocabulary, where, default_confidence, default_sources
        )
        if key in seen:
            raise RulesError(f"{where}: duplicate '{key}' (first given in row {seen[key]}).")
        seen[key] = number
        out.append(record)
    return out


def _validate_row(
    kind: str,
    record: dict[str, str],
    vocabulary: CahVocabulary,
    where: str,
    default_confidence: str,
    default_sources: str,
) -> str:
    if "sources" in record and not record["sources"]:
        record["sources"] = default_sources
    if "confidence" in record:
        record["confidence"] = (record["confidence"] or default_confidence).lower()
        if record["confidence"] not in CONFIDENCES:
            raise RulesError(
                f"{where}: confidence '{record['confidence']}' is not one of "
                f"{', '.join(CONFIDENCES)}."
            )
    if kind == "subjects":
        code = record["cah3_code"].upper()
        if not CAH3_PATTERN.match(code):
            raise RulesError(f"{where}: '{record['cah3_code']}' is not a CAH3 code (CAHnn-nn-nn).")
        if code not in vocabulary.subjects:
            raise RulesError(
                f"{where}: '{code}' is not a CAH v{vocabulary.version} CAH3 code; check it "
                "against the HESA CAH list (codes from older CAH versions must be mapped first)."
            )
        record["cah3_code"] = code
        record["cah3_label"] = vocabulary.subjects[code].label
        if _normalise_header(record["source_label"]) == _normalise_header(record["cah3_label"]):
            record["source_label"] = ""
        try:
            levels = [resolve_level(level) for level in _split(record["levels"])]
        except AtasInputError as error:
            raise RulesError(f"{where}: {error.message}") from None
        record["levels"] = ";".join(levels)
        return code
    if kind == "nationalities":
        code = record["iso_code"].upper()
        country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
        if country is None:
            raise RulesError(
                f"{where}: '{record['iso_code']}' is not an ISO 3166-1 alpha-2 country code."
            )
        record["iso_code"] = code
        record["country"] = record["country"] or country.name
        record["basis"] = record["basis"] or "appendix-atas"
        return code
    if kind == "levels":
        try:
            record["level"] = resolve_level(record["level"])
        except AtasInputError as error:
            raise RulesError(f"{where}: {error.message}") from None
        record["scope"] = record["scope"].lower()
        if record["scope"] not in LEVEL_SCOPES:
            raise RulesError(
                f"{where}: scope '{record['scope']}' is not one of {', '.join(LEVEL_SCOPES)}."
            )
        return record["level"]
    if kind == "occupations":
        if not SOC_PATTERN.match(record["soc_code"]):
            raise RulesError(f"{where}: '{record['soc_code']}' is not a 4-digit SOC code.")
        record["soc_version"] = record["soc_version"] or "SOC 2020"
        return record["soc_code"]
    if kind == "check_areas":
        area = record["area"].upper()
        if not AREA_PATTERN.match(area):
            raise RulesError(f"{where}: '{record['area']}' is not a CAH1, CAH2 or CAH3 code.")
        known = {s.cah1 for s in vocabulary.subjects.values()}
        known |= {s.cah2 for s in vocabulary.subjects.values()} | set(vocabulary.subjects)
        if area not in known:
            raise RulesError(f"{where}: '{area}' is not a CAH v{vocabulary.version} code.")
        record["area"] = area
        return area
    if kind == "unresolved":
        code = record["code"].upper()
        if not CAH3_PATTERN.match(code):
            raise RulesError(f"{where}: '{record['code']}' is not a CAH3-form code.")
        if code in vocabulary.subjects:
            raise RulesError(
                f"{where}: '{code}' is a CAH v{vocabulary.version} code: list it as a subject."
            )
        record["code"] = code
        return code
    raise RulesError(f"{where}: unknown table kind '{kind}'.")  # pragma: no cover


def _check_levels_complete(rows: list[dict[str, str]], where: str) -> None:
    missing = [level for level in LEVELS if level not in {r["level"] for r in rows}]
    if missing:
        raise RulesError(f"{where}: the levels table has no row for {', '.join(missing)}.")


# ---------------------------------------------------------------------------------------------
# Writing and loading versions


def list_versions(rules_dir: Path = RULES_DIR) -> list[str]:
    """Complete versions (with a manifest), oldest first; staging directories are ignored."""
    if not rules_dir.is_dir():
        return []
    return sorted(
        p.name
        for p in rules_dir.iterdir()
        if p.is_dir() and VERSION_PATTERN.match(p.name) and (p / MANIFEST_FILE).is_file()
    )


def _check_date(value: str, what: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise RulesError(f"The {what} '{value}' is not a date in the form YYYY-MM-DD.") from None


def write_version(
    tables: Mapping[str, list[dict[str, str]]],
    *,
    version: str,
    verified_on: str,
    provenance: Mapping[str, str],
    notes: Iterable[str] = (),
    subject_list_complete: bool = False,
    based_on: str | None = None,
    rules_dir: Path = RULES_DIR,
) -> Path:
    """Write a complete, validated rules version atomically; refuse to overwrite a version."""
    staged = stage_version(
        tables,
        version=version,
        verified_on=verified_on,
        provenance=provenance,
        notes=notes,
        subject_list_complete=subject_list_complete,
        based_on=based_on,
        rules_dir=rules_dir,
    )
    return staged.put_in_force()


@dataclass
class StagedVersion:
    """A rules version written and validated under a hidden name, not yet in force: shown
    (``difference``) before it takes effect, then put in force or discarded."""

    version: str
    staging: Path
    rules_dir: Path
    rules: AtasRules

    def put_in_force(self) -> Path:
        final = self.rules_dir / self.version
        _refuse_taken(self.version, self.rules_dir)
        os.rename(self.staging, final)
        return final

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def _refuse_taken(version: str, rules_dir: Path) -> None:
    if (rules_dir / version).exists():
        raise RulesError(
            f"Rules version {version} already exists; versions are never overwritten. "
            "Import under a later date."
        )
    if version in withdrawn_versions(rules_dir):
        raise RulesError(
            f"Rules version {version} was withdrawn (exportctl atas-rules rollback); cases may "
            "name it, so its date is not used again. Import under a later date."
        )


def stage_version(
    tables: Mapping[str, list[dict[str, str]]],
    *,
    version: str,
    verified_on: str,
    provenance: Mapping[str, str],
    notes: Iterable[str] = (),
    subject_list_complete: bool = False,
    based_on: str | None = None,
    rules_dir: Path = RULES_DIR,
) -> StagedVersion:
    """Write a complete rules version into a hidden staging folder and load it back with the
    checks of any later load."""
    version = _check_date(version, "rules version")
    verified_on = _check_date(verified_on, "verification date")
    missing = [kind for kind in TABLES if kind not in tables]
    if missing:
        raise RulesError(f"Rules version {version} lacks table(s): {', '.join(missing)}.")
    _refuse_taken(version, rules_dir)
    rules_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{version}-", dir=rules_dir))
    try:
        files: dict[str, Any] = {}
        for kind, spec in TABLES.items():
            path = staging / spec.file
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(spec.columns), lineterminator="\n")
                writer.writeheader()
                writer.writerows(tables[kind])
                handle.flush()
                os.fsync(handle.fileno())
            files[kind] = {
                "file": spec.file,
                "rows": len(tables[kind]),
                "sha256": sha256_of(path),
                "provenance": provenance.get(kind, ""),
            }
        manifest = {
            "name": "atas-rules",
            "version": version,
            "verified_on": verified_on,
            "created": dt.date.today().isoformat(),
            "cah_version": load_vocabulary().version,
            "subject_list_complete": subject_list_complete,
            "based_on": based_on,
            "notes": list(notes),
            "tables": files,
        }
        with (staging / MANIFEST_FILE).open("w", encoding="utf-8") as handle:
            handle.write(json.dumps(manifest, indent=2) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        rules = load_rules_from(staging, version_name=version)  # the checks of any later load
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return StagedVersion(version, staging, rules_dir, rules)


@contextmanager
def rules_lock(rules_dir: Path = RULES_DIR) -> Iterator[None]:
    """One change to the rules versions at a time. Holding it, the staging folders that a
    killed import left behind are removed."""
    with exclusive(rules_dir / ".change.lock", f"the ATAS rules in {rules_dir}"):
        for stale in rules_dir.glob(f"{STAGING_PREFIX}*"):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
        yield


def withdrawn_versions(rules_dir: Path = RULES_DIR) -> list[str]:
    """Versions taken out of force by ``rollback``, oldest first."""
    folder = rules_dir / WITHDRAWN_FOLDER
    if not folder.is_dir():
        return []
    return sorted({p.name[:10] for p in folder.iterdir() if VERSION_PATTERN.match(p.name[:10])})


def rollback(
    *, reason: str, by: str, rules_dir: Path = RULES_DIR
) -> tuple[AtasRules, AtasRules, Path]:
    """Take the version in force out of force: the one before it applies again. The version
    is kept, with who withdrew it, when and why, under ``.withdrawn/``. Returns the version
    withdrawn, the version now in force and where the withdrawn one is kept."""
    if not reason.strip():
        raise RulesError("Say why the rules version is withdrawn (--reason).")
    current, previous = rollback_plan(rules_dir)
    kept = (
        rules_dir
        / WITHDRAWN_FOLDER
        / f"{current.version}-{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}"
    )
    kept.parent.mkdir(parents=True, exist_ok=True)
    note = {
        "withdrawn_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "withdrawn_by": by,
        "reason": reason.strip(),
        "in_force_again": previous.version,
    }
    os.rename(rules_dir / current.version, kept)
    (kept / "withdrawn.json").write_text(json.dumps(note, indent=2) + "\n", encoding="utf-8")
    return current, previous, kept


def rollback_plan(rules_dir: Path = RULES_DIR) -> tuple[AtasRules, AtasRules]:
    """The version in force and the one a rollback would put back in force."""
    versions = list_versions(rules_dir)
    if len(versions) < 2:
        raise RulesError(
            f"Only one rules version ({', '.join(versions) or 'none'}) is in {rules_dir}: there "
            "is nothing earlier to go back to."
        )
    return (
        load_rules(versions[-1], rules_dir=rules_dir),
        load_rules(versions[-2], rules_dir=rules_dir),
    )


def difference(old: AtasRules | None, new: AtasRules) -> list[str]:
    """What changes when ``new`` replaces ``old`` in force, one line per change: ``+`` added,
    ``-`` removed, ``~`` changed."""
    if old is None:
        return [f"  (no rules in force before: {len(new.subjects)} listed subjects)"]
    lines: list[str] = []

    def compare(what: str, before: dict[str, str], after: dict[str, str]) -> None:
        for key in sorted(before.keys() - after.keys()):
            lines.append(f"- {what} {key} {before[key]}".rstrip())
        for key in sorted(after.keys() - before.keys()):
            lines.append(f"+ {what} {key} {after[key]}".rstrip())
        for key in sorted(before.keys() & after.keys()):
            if before[key] != after[key]:
                lines.append(f"~ {what} {key}: {before[key]} -> {after[key]}")

    def subject(s: ListedSubject) -> str:
        levels = f" [{', '.join(s.levels)}]" if s.levels else ""
        return f"{s.label}{levels} ({s.confidence})"

    compare(
        "listed subject",
        {k: subject(v) for k, v in old.subjects.items()},
        {k: subject(v) for k, v in new.subjects.items()},
    )
    compare(
        "exempt nationality",
        {k: v.country for k, v in old.exempt.items()},
        {k: v.country for k, v in new.exempt.items()},
    )
    compare(
        "level",
        {k: v.scope for k, v in old.levels.items()},
        {k: v.scope for k, v in new.levels.items()},
    )
    compare(
        "occupation",
        {k: v.title for k, v in old.occupations.items()},
        {k: v.title for k, v in new.occupations.items()},
    )
    compare(
        "check area",
        {a.area: a.label for a in old.check_areas},
        {a.area: a.label for a in new.check_areas},
    )
    compare(
        "unresolved code",
        {u.code: u.source_label for u in old.unresolved},
        {u.code: u.source_label for u in new.unresolved},
    )
    if old.subject_list_complete != new.subject_list_complete:
        lines.append(
            f"~ subject list complete: {_yes(old.subject_list_complete)} -> "
            f"{_yes(new.subject_list_complete)}"
            + (" (unlisted subjects become 'not required')" if new.subject_list_complete else "")
        )
    lines.extend(f"- note: {note}" for note in old.notes if note not in new.notes)
    lines.extend(f"+ note: {note}" for note in new.notes if note not in old.notes)
    return lines or ["  (no change to any table)"]


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def load_rules(version: str | None = None, *, rules_dir: Path = RULES_DIR) -> AtasRules:
    """Load a rules version (the newest when ``version`` is None), validating every row."""
    versions = list_versions(rules_dir)
    if not versions:
        raise RulesError(f"No ATAS rules versions in {rules_dir}.")
    if version is None:
        version = versions[-1]
    elif version not in versions:
        raise RulesError(f"No ATAS rules version '{version}'. Available: {', '.join(versions)}.")
    return load_rules_from(rules_dir / version, version_name=version)


def load_rules_from(directory: Path, *, version_name: str | None = None) -> AtasRules:
    manifest_path = directory / MANIFEST_FILE
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise RulesError(f"Cannot read {manifest_path}: {error}.") from None
    version = manifest.get("version", "")
    if version_name is not None and version != version_name:
        raise RulesError(f"{manifest_path}: version '{version}' differs from its directory.")
    vocabulary = load_vocabulary()
    tables: dict[str, list[dict[str, str]]] = {}
    for kind, spec in TABLES.items():
        entry = manifest.get("tables", {}).get(kind)
        path = directory / spec.file
        if entry is None or not path.is_file():
            raise RulesError(f"Rules version {version}: table '{kind}' is missing.")
        if sha256_of(path) != entry["sha256"]:
            raise RulesError(
                f"Rules version {version}: {spec.file} does not match its manifest checksum "
                "(edited by hand?). Import changes as a new version instead."
            )
        with path.open(newline="", encoding="utf-8") as handle:
            grid = list(csv.reader(handle))
        raw = _rows_from_grid(spec, grid, f"{version}/{spec.file}")
        tables[kind] = validate_table(raw, vocabulary)
    _check_levels_complete(tables["levels"], f"{version}/{TABLES['levels'].file}")
    return AtasRules(
        version=version,
        verified_on=manifest["verified_on"],
        subject_list_complete=bool(manifest.get("subject_list_complete", False)),
        notes=tuple(manifest.get("notes", ())),
        subjects={
            r["cah3_code"]: ListedSubject(
                r["cah3_code"],
                r["cah3_label"],
                r["source_label"],
                _split(r["levels"]),
                r["qualifier"],
                _split(r["sources"]),
                r["confidence"],
            )
            for r in tables["subjects"]
        },
        exempt={
            r["iso_code"]: ExemptNationality(
                r["iso_code"], r["country"], r["basis"], _split(r["sources"])
            )
            for r in tables["nationalities"]
        },
        levels={
            r["level"]: LevelRule(r["level"], r["scope"], r["description"], _split(r["sources"]))
            for r in tables["levels"]
        },
        occupations={
            r["soc_code"]: Occupation(
                r["soc_code"], r["title"], r["soc_version"], _split(r["sources"])
            )
            for r in tables["occupations"]
        },
        check_areas=tuple(
            CheckArea(r["area"], r["label"], r["reason"]) for r in tables["check_areas"]
        ),
        unresolved=tuple(
            UnresolvedCode(
                r["code"], r["source_label"], r["note"], _split(r["sources"]), r["confidence"]
            )
            for r in tables["unresolved"]
        ),
        manifest=manifest,
    )


def _rows_of(rules: AtasRules, kind: str) -> list[dict[str, str]]:
    """A loaded version's table as canonical rows, to carry it over into a new version."""
    if kind == "subjects":
        return [
            {
                "cah3_code": s.cah3,
                "cah3_label": s.label,
                "source_label": s.source_label,
                "levels": ";".join(s.levels),
                "qualifier": s.qualifier,
                "sources": ";".join(s.sources),
                "confidence": s.confidence,
            }
            for s in rules.subjects.values()
        ]
    if kind == "nationalities":
        return [
            {
                "iso_code": n.iso_code,
                "country": n.country,
                "basis": n.basis,
                "sources": ";".join(n.sources),
            }
            for n in rules.exempt.values()
        ]
    if kind == "levels":
        return [
            {
                "level": r.level,
                "scope": r.scope,
                "description": r.description,
                "sources": ";".join(r.sources),
            }
            for r in rules.levels.values()
        ]
    if kind == "occupations":
        return [
            {
                "soc_code": o.soc_code,
                "title": o.title,
                "soc_version": o.soc_version,
                "sources": ";".join(o.sources),
            }
            for o in rules.occupations.values()
        ]
    if kind == "check_areas":
        return [{"area": a.area, "label": a.label, "reason": a.reason} for a in rules.check_areas]
    return [
        {
            "code": u.code,
            "source_label": u.source_label,
            "note": u.note,
            "sources": ";".join(u.sources),
            "confidence": u.confidence,
        }
        for u in rules.unresolved
    ]


def import_rules(
    paths: Iterable[Path],
    *,
    version: str,
    verified_on: str,
    source: str,
    table: str | None = None,
    confidence: str = "official",
    subject_list_complete: bool = False,
    notes: Iterable[str] = (),
    base_version: str | None = None,
    encoding: str = DEFAULT_ENCODING,
    rules_dir: Path = RULES_DIR,
) -> Path:
    """Create a new rules version from an officer's CSV or Excel files and put it in force
    (``stage_import`` shows the difference first)."""
    with rules_lock(rules_dir):
        staged = stage_import(
            paths,
            version=version,
            verified_on=verified_on,
            source=source,
            table=table,
            confidence=confidence,
            subject_list_complete=subject_list_complete,
            notes=notes,
            base_version=base_version,
            encoding=encoding,
            rules_dir=rules_dir,
        )
        try:
            return staged.put_in_force()
        finally:
            staged.discard()


def stage_import(
    paths: Iterable[Path],
    *,
    version: str,
    verified_on: str,
    source: str,
    table: str | None = None,
    confidence: str = "official",
    subject_list_complete: bool = False,
    notes: Iterable[str] = (),
    base_version: str | None = None,
    encoding: str = DEFAULT_ENCODING,
    rules_dir: Path = RULES_DIR,
) -> StagedVersion:
    """A new rules version from an officer's CSV or Excel files, written and checked but not
    yet in force. Call under ``rules_lock``.

    Tables in the files replace those of the base version (the newest, unless named); the
    others are carried over. Any error (bad or unknown code, duplicate, unknown column, bad
    country code, a table with a header but no rows, a file that cannot be decoded or opened)
    names the file and row and writes nothing.
    """
    if confidence not in CONFIDENCES:
        raise RulesError(f"Confidence '{confidence}' is not one of {', '.join(CONFIDENCES)}.")
    if not source.strip():
        raise RulesError("Say where the new rules come from (--source), e.g. the gov.uk URL.")
    version = _check_date(version, "rules version")
    base = load_rules(base_version, rules_dir=rules_dir) if list_versions(rules_dir) else None
    if base is not None and version <= base.version and base_version is None:
        raise RulesError(
            f"Rules version {version} is not newer than the current version {base.version}."
        )
    vocabulary = load_vocabulary()
    new_tables: dict[str, list[dict[str, str]]] = {}
    for path in paths:
        for raw in read_rules_file(Path(path), table=table, encoding=encoding):
            if raw.kind in new_tables:
                raise RulesError(f"{raw.where}: a second '{raw.kind}' table in this import.")
            if not raw.rows and raw.kind not in MAY_BE_EMPTY:
                raise RulesError(_empty_table(raw, subject_list_complete))
            new_tables[raw.kind] = validate_table(
                raw, vocabulary, default_confidence=confidence, default_sources=source
            )
    if not new_tables:
        raise RulesError("The files hold no rules tables.")
    if "levels" in new_tables:
        _check_levels_complete(new_tables["levels"], "levels table")
    provenance: dict[str, str] = {}
    tables: dict[str, list[dict[str, str]]] = {}
    for kind in TABLES:
        if kind in new_tables:
            tables[kind] = new_tables[kind]
            provenance[kind] = f"imported from {source}"
        elif base is not None:
            tables[kind] = _rows_of(base, kind)
            provenance[kind] = f"carried over from rules version {base.version}: " + str(
                base.manifest["tables"][kind]["provenance"]
            )
        else:
            raise RulesError(f"No earlier rules version to carry the '{kind}' table over from.")
    if "subjects" in new_tables and "unresolved" not in new_tables:
        tables["unresolved"] = []  # a new subject list supersedes the old unresolved codes
        provenance["unresolved"] = "cleared: superseded by the imported subject list"
    return stage_version(
        tables,
        version=version,
        verified_on=verified_on,
        provenance=provenance,
        notes=notes,
        subject_list_complete=subject_list_complete,
        based_on=base.version if base is not None else None,
        rules_dir=rules_dir,
    )


def _empty_table(raw: RawTable, subject_list_complete: bool) -> str:
    consequence = {
        "subjects": "no subject would need ATAS",
        "nationalities": "no nationality would be exempt",
        "levels": "no level of study would be known",
        "occupations": "no occupation code would be known",
        "check_areas": "no subject area would be flagged for a check",
    }.get(raw.kind, "the table would be emptied")
    if raw.kind == "subjects" and subject_list_complete:
        consequence += " (with --complete-list every assessment would be 'not required')"
    return (
        f"{raw.where}: the {raw.kind} table has a header but no rows: {consequence}. Check that "
        "the file is the whole list; nothing was imported."
    )
