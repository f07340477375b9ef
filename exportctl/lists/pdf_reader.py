"""Read a control-list PDF into source lines, the same shape the text reader gives the parser.

The official lists are published as PDFs made from word-processor files. Their text layer has
what the parser needs (one printed line per line, labels and their text in separate columns)
and what it must not see: running heads, page numbers and document footers, repeated on every
page. This module rebuilds printed lines from word positions, marks the label column with a
TAB (``3A001<TAB>Electronic items as follows:``, ``1.<TAB>a.<TAB>text``), drops the page
furniture, and otherwise keeps the text as the PDF has it: a flattened superscript stays
``5 x 103 Gy``; guessing the exponent is not a reader's job.

Page furniture is found from the document itself rather than from fixed margins:

* a line near the top or bottom edge whose text (digits ignored) repeats at the same height on
  several pages, with clear space between it and the body, is a running head or footer; the
  band such lines occupy is the page's header (footer) zone, and everything in that zone is
  dropped on every page of that size, including heads that occur only once;
* a bare page number ("12", "Page 3 of 40", "- 7 -") at the top or bottom edge is dropped;
* a continuation head such as ``3A001.a. continued`` (repeated at the top of a page when an
  entry runs over) is dropped: it restates the entry being continued and would otherwise read
  as a new entry.
"""

from __future__ import annotations

import logging
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import PdfminerException

from exportctl.errors import SourceFormatError
from exportctl.lists.source import SourceLine

logger = logging.getLogger(__name__)

__all__ = ["read_pdf_lines", "looks_like_control_list"]

#: Errors pdfminer raises on a damaged or protected file (pdfplumber wraps most of them in
#: ``PdfminerException``; some escape unwrapped from lazily parsed pages).
_PDF_ERRORS = (PdfminerException, PDFSyntaxError, PSException, PDFEncryptionError)

# Geometry, in PDF points unless said otherwise. Word documents set body text at 9-12 pt with a
# space of about a quarter of the font size; a label column is set off by a tab stop.
_X_TOLERANCE = 1.5  # chars closer than this belong to one word (pdfplumber's default is 3)
_Y_TOLERANCE = 3.0
_JOIN_GAP = 1.0  # words closer than this are printed together: "10" + superscript "3" = "103"
_LABEL_GAP_EM = 0.4  # a label is followed by at least this many ems of space ...
_LABEL_GAP_RATIO = 1.5  # ... and by more than this times the line's usual word gap
_COLUMN_GAP_EM = 1.5  # a table column gap inside a line is at least this many ems ...
_COLUMN_GAP_RATIO = 2.5  # ... and this many times the line's usual word gap
_SMALL_FONT_RATIO = 0.8  # smaller than this (relative to the line) is a super/subscript
_EDGE_BAND = 0.12  # header/footer candidates lie in the top/bottom 12 % of the page ...
_EDGE_LINES = 3  # ... among the first/last three lines of the page
_SAME_HEIGHT = 2.0  # repeated lines are at the same height within this tolerance
_MIN_REPEATS = 3  # pages a running head must repeat on to define the header zone
_FURNITURE_GAP = 10.0  # median space between a running head and the body, at least

#: Labels that start a printed line and are set off from their text by a tab stop: entry and
#: group codes, clause labels, bullets, note headings, margin regime markers.
_LABEL = re.compile(
    r"""(?x)
    (?:\d[A-E]\d{3}|\d[A-E]|ML\d{1,2}|PL\d{4})(?:\.[a-z0-9]{1,3})*\.?   # 3A001  3A  ML10.a.
    | \[[A-Za-z0-9*.\-]{1,12}\]                        # [W]  [M6C5]  [N*]
    | \(?(?:[a-z]{1,2}|[A-Z]|[ivxl]{1,6}|\d{1,3})[.)]   # a.  1.  (a)  iv.  A.
    | \((?:[a-z]{1,4}|\d{1,3})\)                       # (iii)  (12)
    | [\u2013\u2014\u2022\u25aa\u25e6\u00b7\-]         # bullets and dashes
    | (?:Technical\s|General\s)?Notes?(?:\s\d{1,2}(?:\s?(?:&|and)\s?\d{1,2})?)?\s?:?
    | N\.\s?B\.(?:\s?\d{1,2}\.?)?:?
    """
)
_MAX_LABEL_WORDS = 5  # "Notes 1 & 2 :" is the longest label

_PAGE_NUMBER = re.compile(
    r"(?i)^(?:page\s+)?[-\u2013(]?\s*(?:\d{1,4}|[ivxlc]{1,7})\s*[-\u2013)]?"
    r"(?:\s*(?:of|/)\s*\d{1,4})?$"
)
_CONTINUATION_HEAD = re.compile(
    r"(?i)^(?:\d[A-E]\d{3}|ML\d{1,2}|PL\d{4})(?:\.[a-z0-9]{1,3})*\.?\s*\(?continued\)?\.?$"
)
_DOCUMENT_NAME = re.compile(r"\b[\w.\-]+\.docx?\b", re.IGNORECASE)
_CONTROL_CODE_AT_START = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?(?:\d[A-E]\d{3}|ML\d{1,2}|PL\d{4})\b")


@dataclass(frozen=True)
class _Word:
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    text: str


@dataclass
class _Line:
    """A printed line being rebuilt from the words that share its baseline band."""

    top: float
    bottom: float
    size: float
    words: list[_Word] = field(default_factory=list)
    text: str = ""  # rendered, with TABs

    @property
    def plain(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class _Page:
    number: int  # 1-based page of the PDF file
    width: float
    height: float
    lines: list[_Line]


def read_pdf_lines(path: str | Path) -> list[SourceLine]:
    """Read a control-list PDF into lines in reading order, page furniture removed.

    ``page`` of each line is its 1-based page in the PDF file; ``document`` is the word-processor
    file named in the page footer when there is one (the UK list's ``CAT3_R07.docx``), else
    ``None``; ``line_no`` numbers the returned lines from 1. Nothing is joined: a clause that
    wraps or runs over a page break arrives as several lines, as it does from the text reader.

    Raises ``SourceFormatError`` when the file is not a PDF, is encrypted or damaged, has no
    pages, or has no text layer (a scan).
    """
    path = Path(path)
    pages = _read_pages(path)
    zones = _furniture_zones(pages)
    result: list[SourceLine] = []
    dropped = 0
    for page in pages:
        header_bottom, footer_top = zones.get(_page_size(page), (None, None))
        document: str | None = None
        kept: list[str] = []
        for index, line in enumerate(page.lines):
            if _is_furniture(line, index, page, header_bottom, footer_top):
                found = _DOCUMENT_NAME.search(line.plain)
                document = found.group(0) if found else document
            elif not _CONTINUATION_HEAD.match(line.plain):
                kept.append(line.text)
                continue
            dropped += 1
        result.extend(SourceLine(text=text, page=page.number, document=document) for text in kept)
    logger.info(
        "Read %d lines from %d pages of %s (%d header, footer and continuation lines dropped)",
        len(result),
        len(pages),
        path.name,
        dropped,
    )
    return [
        SourceLine(text=s.text, page=s.page, document=s.document, line_no=number)
        for number, s in enumerate(result, start=1)
    ]


def looks_like_control_list(lines: Iterable[SourceLine], *, min_codes: int = 5) -> bool:
    """Whether some lines start with a control code (``3A001``, ``ML10``, ``PL9002``).

    A cheap check so an importer can refuse, with a useful message, a PDF that reads fine but is
    something else (minutes, a guidance note). ``min_codes`` distinct codes are required.
    """
    codes: set[str] = set()
    for line in lines:
        found = _CONTROL_CODE_AT_START.match(line.text)
        if found:
            codes.add(found.group(0).split("]")[-1].strip())
            if len(codes) >= min_codes:
                return True
    return False


# --- reading ---------------------------------------------------------------------------------


def _read_pages(path: Path) -> list[_Page]:
    if not path.is_file():
        raise SourceFormatError(f"No file at {path}. Give the path of the list's PDF.")
    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise SourceFormatError(
            f"{path.name} is not a PDF (it does not start with '%PDF-'). "
            "Give the official list's PDF, or its text with a .txt name."
        )
    pages: list[_Page] = []
    try:
        with pdfplumber.open(path) as pdf:
            if not pdf.pages:
                raise SourceFormatError(f"{path.name} has no pages.")
            for number, page in enumerate(pdf.pages, start=1):
                words = page.extract_words(
                    x_tolerance=_X_TOLERANCE,
                    y_tolerance=_Y_TOLERANCE,
                    keep_blank_chars=False,
                    use_text_flow=False,
                    extra_attrs=["size"],
                )
                pages.append(
                    _Page(
                        number=number,
                        width=float(page.width),
                        height=float(page.height),
                        lines=_build_lines(
                            _Word(
                                x0=float(w["x0"]),
                                x1=float(w["x1"]),
                                top=float(w["top"]),
                                bottom=float(w["bottom"]),
                                size=float(w["size"]),
                                text=w["text"],
                            )
                            for w in words
                        ),
                    )
                )
                page.close()  # frees the page's parsed objects: keeps memory flat
    except PDFPasswordIncorrect as error:
        raise _encrypted(path) from error
    except _PDF_ERRORS as error:
        cause = error.args[0] if isinstance(error, PdfminerException) and error.args else error
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise _encrypted(path) from error
        raise SourceFormatError(
            f"{path.name} is not a readable PDF ({type(cause).__name__}: {cause}). "
            "It may be truncated or damaged: download it again from the publisher."
        ) from error
    empty = [p.number for p in pages if not p.lines]
    if len(empty) == len(pages):
        raise SourceFormatError(
            f"{path.name} has no text layer (it is probably a scan). "
            "Use the publisher's text PDF, or run OCR on it first."
        )
    if len(empty) * 2 > len(pages):
        raise SourceFormatError(
            f"{len(empty)} of the {len(pages)} pages of {path.name} have no text layer "
            "(scanned pages?). Use the publisher's text PDF, or run OCR on it first."
        )
    if empty:
        logger.warning("Pages without text in %s: %s", path.name, ", ".join(map(str, empty)))
    return pages


def _encrypted(path: Path) -> SourceFormatError:
    return SourceFormatError(
        f"{path.name} is encrypted and cannot be opened without a password. "
        "Use the unprotected PDF from the publisher."
    )


# --- lines -----------------------------------------------------------------------------------


def _build_lines(words: Iterable[_Word]) -> list[_Line]:
    """Group words into printed lines and render each with its label TABs.

    Full-size words are placed first so that a superscript or subscript (smaller, raised or
    lowered) joins the line it belongs to even when it overlaps that line only in part.
    """
    lines: list[_Line] = []
    for word in sorted(words, key=lambda w: (-round(w.size, 1), w.top, w.x0)):
        height = max(word.bottom - word.top, 0.1)
        best: _Line | None = None
        best_overlap = 0.0
        for line in lines:
            overlap = min(word.bottom, line.bottom) - max(word.top, line.top)
            if overlap > best_overlap:
                best, best_overlap = line, overlap
        small = best is not None and word.size < _SMALL_FONT_RATIO * best.size
        needed = 0.25 if small else 0.5
        if best is not None and best_overlap >= needed * min(height, best.bottom - best.top):
            best.words.append(word)
        else:
            lines.append(_Line(top=word.top, bottom=word.bottom, size=word.size, words=[word]))
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
        line.text = _render(line)
    lines.sort(key=lambda line: (line.top, line.words[0].x0))
    return lines


def _render(line: _Line) -> str:
    """Print a line's words: one space between words, TAB after labels and between columns."""
    words = line.words
    gaps = [b.x0 - a.x1 for a, b in zip(words, words[1:], strict=False)]
    em = line.size
    # How many leading words are labels set off by a tab stop ("1.", "a.", "Note 2:")?
    tabs: set[int] = set()  # index of the gap after which a TAB goes
    start = 0
    while start < len(words) - 1:
        end = _label_end(words, start)
        if end is None or end >= len(words):
            break
        gap = gaps[end - 1]
        others = [g for i, g in enumerate(gaps) if i != end - 1 and i not in tabs and g >= 0]
        usual = statistics.median(others) if others else 0.0
        if gap < _LABEL_GAP_EM * em or gap <= _LABEL_GAP_RATIO * usual:
            break
        tabs.add(end - 1)
        start = end
    body = [g for i, g in enumerate(gaps) if i not in tabs and g >= _JOIN_GAP]
    usual = statistics.median(body) if body else 0.0
    for i, gap in enumerate(gaps):
        if i in tabs or gap < _COLUMN_GAP_EM * em:
            continue
        if len(body) <= 1 or gap >= _COLUMN_GAP_RATIO * usual:
            tabs.add(i)
    parts = [words[0].text]
    for i, gap in enumerate(gaps):
        parts.append("\t" if i in tabs else (" " if gap >= _JOIN_GAP else ""))
        parts.append(words[i + 1].text)
    return "".join(parts)


def _label_end(words: Sequence[_Word], start: int) -> int | None:
    """If words[start:end] spell a label, return the smallest such ``end``."""
    for end in range(start + 1, min(start + _MAX_LABEL_WORDS, len(words)) + 1):
        if _LABEL.fullmatch(" ".join(w.text for w in words[start:end])):
            return end
    return None


# --- page furniture --------------------------------------------------------------------------


def _page_size(page: _Page) -> tuple[int, int]:
    return round(page.width), round(page.height)


def _furniture_key(text: str) -> str:
    """Compare running heads with their page numbers and dates ignored."""
    return re.sub(r"\d+", "#", " ".join(text.casefold().split()))


def _edge_lines(page: _Page) -> Iterable[tuple[int, _Line, str]]:
    """Lines near the top ("top") or bottom ("bottom") edge of a page."""
    count = len(page.lines)
    for index, line in enumerate(page.lines):
        if index < _EDGE_LINES and line.top < _EDGE_BAND * page.height:
            yield index, line, "top"
        elif index >= count - _EDGE_LINES and line.bottom > (1 - _EDGE_BAND) * page.height:
            yield index, line, "bottom"


def _furniture_zones(pages: Sequence[_Page]) -> dict[tuple[int, int], tuple[float, float]]:
    """Per page size, the bottom of the header zone and the top of the footer zone.

    A zone is defined by running heads/footers: lines at the page edge whose text repeats, at
    the same height, on ``_MIN_REPEATS`` pages or more, set apart from the body by a clear space
    (so a "Technical Note:" that happens to open three pages is not taken for a running head).
    """
    groups: dict[tuple, list[tuple[_Line, float]]] = defaultdict(list)
    for page in pages:
        for index, line, edge in _edge_lines(page):
            if edge == "top":
                nxt = page.lines[index + 1] if index + 1 < len(page.lines) else None
                space = nxt.top - line.bottom if nxt else page.height - line.bottom
            else:
                prev = page.lines[index - 1] if index > 0 else None
                space = line.top - prev.bottom if prev else line.top
            key = (_page_size(page), edge, _furniture_key(line.plain), round(line.top / 4))
            groups[key].append((line, space))
    zones: dict[tuple[int, int], tuple[float, float]] = {}
    for (size, edge, _text, _height), members in groups.items():
        if len(members) < _MIN_REPEATS:
            continue
        if statistics.median(space for _, space in members) < _FURNITURE_GAP:
            continue
        header_bottom, footer_top = zones.get(size, (float("-inf"), float("inf")))
        if edge == "top":
            header_bottom = max(header_bottom, max(line.bottom for line, _ in members))
        else:
            footer_top = min(footer_top, min(line.top for line, _ in members))
        zones[size] = (header_bottom, footer_top)
    for size, (header_bottom, footer_top) in zones.items():
        logger.debug(
            "Page size %s: header above %.1f pt, footer below %.1f pt",
            size,
            header_bottom,
            footer_top,
        )
    return zones


def _is_furniture(
    line: _Line, index: int, page: _Page, header_bottom: float | None, footer_top: float | None
) -> bool:
    if header_bottom is not None and line.bottom <= header_bottom + _SAME_HEIGHT:
        return True
    if footer_top is not None and line.top >= footer_top - _SAME_HEIGHT:
        return True
    at_edge = (index < _EDGE_LINES and line.top < _EDGE_BAND * page.height) or (
        index >= len(page.lines) - _EDGE_LINES and line.bottom > (1 - _EDGE_BAND) * page.height
    )
    return at_edge and bool(_PAGE_NUMBER.match(line.plain))
