"""Reading uploaded files: one abstract from ``.txt``/``.pdf``/``.docx``, or a batch of abstracts
from ``.csv``/``.xlsx``.

Every problem with a file (wrong type, empty, too big, corrupt, no text, missing columns) is an
:class:`UploadError` whose message says what was wrong and what to do; nothing is stored until
a file has been read completely.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

import docx
import pandas as pd
import pdfplumber
from docx.opc.exceptions import PackageNotFoundError
from lxml.etree import XMLSyntaxError
from openpyxl.utils.exceptions import InvalidFileException
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

from exportctl.appconfig import (
    BATCH_TYPES,
    DOCUMENT_TYPES,
    MAX_BATCH_BYTES,
    MAX_BATCH_ROWS,
    MAX_DOCUMENT_BYTES,
)
from exportctl.archives import DAMAGED_ARCHIVE_ERRORS, check_archive, damage
from exportctl.config import MAX_TEXT_CHARS
from exportctl.errors import ExportctlError

MAX_PDF_PAGES = 100
_PDF_ERRORS = (
    PdfminerException,
    MalformedPDFException,
    PDFSyntaxError,
    PSException,
    PDFEncryptionError,
    PDFPasswordIncorrect,
    ValueError,
    KeyError,
    TypeError,
)
_DOCX_ERRORS = (PackageNotFoundError, *DAMAGED_ARCHIVE_ERRORS, KeyError, ValueError, XMLSyntaxError)
_XLSX_ERRORS = (
    *DAMAGED_ARCHIVE_ERRORS,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
    XMLSyntaxError,
    OSError,
)


class UploadError(ExportctlError):
    """An uploaded file cannot be used."""

    code = "E300"


@dataclass(frozen=True)
class Document:
    """The text of one uploaded abstract."""

    name: str
    kind: str  # "txt" | "pdf" | "docx"
    text: str


@dataclass(frozen=True)
class BatchRow:
    row: int  # 1-based row number in the file (after the header)
    id: str  # the file's id, or "row-<n>" when the file has none
    title: str
    text: str
    external_id: str | None = None  # the file's id only: stored with the case
    owner: str | None = None  # the researcher column's value, as written


@dataclass(frozen=True)
class BatchTable:
    rows: tuple[BatchRow, ...]
    skipped: tuple[str, ...] = field(default_factory=tuple)  # why rows were left out


def _extension(name: str, allowed: Sequence[str]) -> str:
    suffix = PurePath(name).suffix.lower().lstrip(".")
    if suffix not in allowed:
        kinds = ", ".join(f".{k}" for k in allowed)
        shown = f"a .{suffix} file" if suffix else "a file without an extension"
        raise UploadError(f"'{name}' is {shown}; upload one of: {kinds}.")
    return suffix


def _check_size(name: str, data: bytes, max_bytes: int) -> None:
    if not data:
        raise UploadError(f"'{name}' is empty; choose the file again or paste the text.")
    if len(data) > max_bytes:
        raise UploadError(
            f"'{name}' is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes / 1_048_576:.0f} MB. Upload a smaller file or paste the text."
        )


def _decode(name: str, data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise UploadError(f"'{name}' is not a text file (it contains binary data).")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadError(f"'{name}' is not readable text; save it as UTF-8 and upload it again.")


def _pdf_text(name: str, data: bytes) -> str:
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PDF_PAGES:
                raise UploadError(
                    f"'{name}' has {len(pdf.pages)} pages; upload the abstract only (at most "
                    f"{MAX_PDF_PAGES} pages)."
                )
            return "\n".join(page.extract_text() or "" for page in pdf.pages)
    except _PDF_ERRORS as error:
        raise UploadError(
            f"'{name}' cannot be read as a PDF ({damage(error)}); it may be damaged or "
            "password-protected. Paste the text instead."
        ) from error


def _docx_text(name: str, data: bytes) -> str:
    check_archive(data, name=name, kind=".docx", error=UploadError)
    try:
        document = docx.Document(io.BytesIO(data))
    except _DOCX_ERRORS as error:
        raise UploadError(
            f"'{name}' cannot be read as a Word .docx document ({damage(error)}). "
            "Save it again as .docx or paste the text."
        ) from error
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def read_document(name: str, data: bytes, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> Document:
    """The text of an uploaded ``.txt``, ``.pdf`` or ``.docx`` abstract."""
    kind = _extension(name, DOCUMENT_TYPES)
    _check_size(name, data, max_bytes)
    if kind == "txt":
        text = _decode(name, data)
    elif kind == "pdf":
        text = _pdf_text(name, data)
    else:
        text = _docx_text(name, data)
    text = text.replace("\r\n", "\n").strip()
    if not text:
        hint = " (a scanned PDF has no text layer)" if kind == "pdf" else ""
        raise UploadError(f"No text found in '{name}'{hint}; paste the abstract instead.")
    if len(text) > MAX_TEXT_CHARS:
        raise UploadError(
            f"'{name}' holds {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}. "
            "Upload the abstract or a summary, not the whole document."
        )
    return Document(name=name, kind=kind, text=text)


# -- batches ---------------------------------------------------------------------------------


def read_table(
    name: str,
    data: bytes,
    *,
    max_bytes: int = MAX_BATCH_BYTES,
    max_rows: int = MAX_BATCH_ROWS,
) -> pd.DataFrame:
    """An uploaded ``.csv`` or ``.xlsx`` (first sheet) as a table of strings."""
    kind = _extension(name, BATCH_TYPES)
    _check_size(name, data, max_bytes)
    if kind == "csv":
        frame = _read_csv(name, data)
    else:
        check_archive(data, name=name, kind=".xlsx", error=UploadError)
        try:
            frame = pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl")
        except _XLSX_ERRORS as error:
            raise UploadError(
                f"'{name}' cannot be read as an Excel .xlsx workbook ({damage(error)}); "
                "it may be damaged or an old .xls file. Save it again as .xlsx or as .csv."
            ) from error
    frame = frame.fillna("")
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.loc[~(frame.astype(str).apply(lambda col: col.str.strip()) == "").all(axis=1)]
    if frame.empty:
        raise UploadError(f"'{name}' has a header but no rows of data.")
    if len(frame) > max_rows:
        raise UploadError(
            f"'{name}' has {len(frame):,} rows; the limit is {max_rows:,} per batch. "
            "Split the file."
        )
    return frame.reset_index(drop=True)


def _read_csv(name: str, data: bytes) -> pd.DataFrame:
    text = _decode(name, data)
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError as error:
        raise UploadError(f"'{name}' has no columns; it needs a header row.") from error
    except (pd.errors.ParserError, csv.Error) as error:
        problem = " ".join(str(error).split())  # pandas ends its message with a line break
        raise UploadError(
            f"'{name}' is not a well-formed CSV file ({problem}). Check the quoting and "
            "separators, or upload an .xlsx file."
        ) from error


_ID_NAMES = ("id", "case id", "reference", "ref", "project id", "grant id")
_TITLE_NAMES = ("title", "project title", "project", "name")
_TEXT_NAMES = ("abstract", "text", "summary", "description", "project summary")


def guess_columns(columns: Sequence[str]) -> dict[str, str | None]:
    """The id, title and text columns found by their names (the user confirms them); a column
    is never guessed from its position."""

    def pick(names: Sequence[str]) -> str | None:
        lowered = {re.sub(r"[_\s]+", " ", c.strip().lower()): c for c in columns}
        return next((lowered[n] for n in names if n in lowered), None)

    return {"id": pick(_ID_NAMES), "title": pick(_TITLE_NAMES), "text": pick(_TEXT_NAMES)}


def batch_rows(
    frame: pd.DataFrame,
    *,
    text_column: str,
    id_column: str | None = None,
    title_column: str | None = None,
    owner_column: str | None = None,
) -> BatchTable:
    """The abstracts of a batch table, by the columns the user chose."""
    chosen = [c for c in (id_column, title_column, text_column, owner_column) if c]
    missing = list(dict.fromkeys(c for c in chosen if c not in frame.columns))
    if missing:
        raise UploadError(
            f"The file has no column {', '.join(repr(c) for c in missing)}. Its columns are: "
            f"{', '.join(map(str, frame.columns))}."
        )
    if id_column:
        ids = frame[id_column].astype(str).str.strip()
        duplicated = sorted(set(ids[ids.duplicated() & (ids != "")]))
        if duplicated:
            raise UploadError(
                f"The id column '{id_column}' repeats {', '.join(duplicated[:5])}; ids must be "
                "unique. Fix the file or choose another id column."
            )
    rows: list[BatchRow] = []
    skipped: list[str] = []
    for index, record in enumerate(frame.to_dict("records"), start=1):
        text = str(record[text_column]).strip()
        external_id = " ".join(str(record[id_column]).split()) if id_column else ""
        row_id = external_id or f"row-{index}"
        if not text:
            skipped.append(f"{row_id}: no text in '{text_column}'")
            continue
        if len(text) > MAX_TEXT_CHARS:
            skipped.append(f"{row_id}: text longer than {MAX_TEXT_CHARS:,} characters")
            continue
        title = str(record[title_column]).strip() if title_column else ""
        title = title or _title_from(text)
        owner = str(record[owner_column]).strip() if owner_column else ""
        rows.append(
            BatchRow(
                row=index,
                id=row_id,
                title=title,
                text=text,
                external_id=external_id or None,
                owner=owner or None,
            )
        )
    if not rows:
        raise UploadError(f"No row of the file has text in the column '{text_column}'.")
    return BatchTable(rows=tuple(rows), skipped=tuple(skipped))


def _title_from(text: str, words: int = 10) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


@dataclass(frozen=True)
class BatchPlan:
    """The rows of a batch that may become cases, and the rows refused, each with why."""

    rows: tuple[BatchRow, ...]
    refused: tuple[str, ...] = ()


def check_batch(
    table: BatchTable,
    *,
    existing: Mapping[str, str],
    is_researcher: Callable[[str], bool] | None,
) -> BatchPlan:
    """Refuse the rows that must not become cases: an id that already names a case in the
    organisation (``existing``: id -> that case's reference), never a silent duplicate; an
    owner who is not a known researcher (``is_researcher``; ``None`` when no owner column was
    chosen). Each refusal names the row."""
    rows: list[BatchRow] = []
    refused: list[str] = []
    for row in table.rows:
        where = f"row {row.row} ({row.id})"
        if row.external_id is not None and row.external_id in existing:
            refused.append(
                f"{where}: the id is already case {existing[row.external_id]}; change the id "
                "or leave the row out"
            )
        elif is_researcher is not None and row.owner is None:
            refused.append(f"{where}: no researcher given")
        elif is_researcher is not None and not is_researcher(row.owner or ""):
            refused.append(f"{where}: '{row.owner}' is not a known researcher's user name")
        else:
            rows.append(row)
    return BatchPlan(rows=tuple(rows), refused=tuple(refused))
