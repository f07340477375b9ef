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
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException
from tqdm import tqdm

from exportctl import progress
from exportctl.errors import SourceFormatError
from exportctl.lists.source import SourceLine

logger = logging.getLogger(__name__)

__all__ = ["read_pdf_lines", "looks_like_control_list"]

#: Errors pdfminer raises on a damaged or protected file (pdfplumber wraps most of them in
#: ``PdfminerException``; some escape unwrapped from lazily parsed pages, and a page whose box
#: is damaged fails in pdfplumber itself: ``MalformedPDFException``, or a ``TypeError`` for a
#: box that is not a list).
_PDF_ERRORS = (PdfminerException, PSException, MalformedPDFException, TypeError, ValueError)

# Geometry, in PDF points unless said otherwise. Word documents set body text at 9-12 pt with a
# space of about a quarter of the font size; a label column is set off by a tab stop.
_X_TOLERANCE = 1.5  # chars closer than this belong to one word (pdfplumber's default is 3)
_Y_TOLERANCE = 3.0
_JOIN_GAP = 1.0  # words closer than this are printed together: "10" + superscript "3" = "103"
_LABEL_GAP_EM = 0.4  # a label is followed by at least this many ems of space ...
_LABEL_GAP_RATIO = 1.25  # ... and by more than this times the line's usual word gap,
_ALIGNED_GAP_EM = 0.3  # or, when its text is aligned with a column, by this many ems ...
_ALIGNED_GAP_RATIO = 1.1  # ... and more than this times the usual gap
_TAB_STOP_SHARE = 0.002  # a column is where at least this share of all lines start
_COLUMN_GAP_EM = 1.5  # a table column gap inside a line is at least this many ems ...
_COLUMN_GAP_RATIO = 2.5  # ... and this many times the line's usual word gap
_ALIGNED = 1.5  # x positions this close are one tab stop
_SMALL_FONT_RATIO = 0.8  # smaller than this (relative to the line) is a super/subscript
_EDGE_BAND = 0.12  # header/footer candidates lie in the top/bottom 12 % of the page ...
_EDGE_LINES = 3  # ... among the first/last three lines of the page
_SAME_HEIGHT = 2.0  # repeated lines are at the same height within this tolerance
_MIN_REPEATS = 3  # pages a running head must repeat on to define the header zone
_FURNITURE_GAP = 10.0  # median space between a running head and the body, at least
_PROGRESS_PAGES = 20  # show a progress bar (on a terminal) from this many pages

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
    r"""(?ix)^
    (?!\(?continued)  # something must come before "continued"
    (?:(?:\d[A-E]\d{3}|ML\d{1,2}|PL\d{4})(?:\.[a-z0-9]{1,3})*\.?\s*)?  # 3A001.a.
    (?:(?:Technical\s)?Notes?\s?\d{0,2}(?:\.[a-z0-9]{1,3})*\.?\s*)?  # Note 2.a.
    \(?continued\)?\.?$"""
)
_DOCUMENT_NAME = re.compile(r"\b(?P<stem>[\w.\-]+)\.docx?\b", re.IGNORECASE)
_DOCUMENT_PAGE = re.compile(r"\bPage\s+(\d+)\b", re.IGNORECASE)
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

    ``document`` is the word-processor file named in the page footer, without its extension,
    when there is one (the UK list's ``CAT3_R07.docx`` gives ``CAT3_R07``, as the text reader
    does), else ``None``; ``page`` is then the page the footer prints ("Page 2 of 46"), and
    otherwise the 1-based page of the PDF file; ``line_no`` numbers the returned lines from 1.
    Nothing is joined: a clause that wraps or runs over a page break arrives as several lines,
    as it does from the text reader.

    Raises ``SourceFormatError`` when the file is not a PDF, is encrypted or damaged, has no
    pages, or has no text layer (a scan).
    """
    path = Path(path)
    pages = _read_pages(path)
    tab_stops = _tab_stops(pages)
    for page in pages:
        _render_page(page, tab_stops)
    zones = _furniture_zones(pages)
    result: list[SourceLine] = []
    dropped = 0
    for page in pages:
        header_bottom, footer_top = zones.get(_page_size(page), (None, None))
        document: str | None = None
        page_number = page.number
        kept: list[str] = []
        for index, line in enumerate(page.lines):
            if _is_furniture(line, index, page, header_bottom, footer_top):
                # A footer such as "CAT3_R07.docx  Dual-Use List - Category 3 [Page 2 of 46]"
                # says which document of the list this page belongs to, and its page there.
                if found := _DOCUMENT_NAME.search(line.plain):
                    document = found["stem"]
                    if numbered := _DOCUMENT_PAGE.search(line.plain):
                        page_number = int(numbered[1])
            elif not _CONTINUATION_HEAD.match(line.text):
                kept.append(line.text)
                continue
            dropped += 1
        result.extend(SourceLine(text=text, page=page_number, document=document) for text in kept)
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
            # Reading takes about 0.15 s a page; the bar shows only on a terminal.
            bar = tqdm(
                pdf.pages,
                desc=f"Reading {path.name}",
                unit="page",
                leave=False,
                disable=len(pdf.pages) < _PROGRESS_PAGES or progress.bar_disabled(),
                file=sys.stderr,
            )
            for number, page in enumerate(bar, start=1):
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
            f"{path.name} is not a readable PDF ({_problem(cause)}). "
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


def _problem(cause: BaseException) -> str:
    """What pdfminer found wrong, short: its words when they are a sentence ("PSEOF: Unexpected
    EOF"), only the error's name when they dump the file's internals."""
    words = str(cause)
    if not words or len(words) > 80 or any(c in words for c in "[]<>{}\\"):
        return type(cause).__name__
    return f"{type(cause).__name__}: {words}"


def _encrypted(path: Path) -> SourceFormatError:
    return SourceFormatError(
        f"{path.name} is encrypted and cannot be opened without a password. "
        "Use the unprotected PDF from the publisher."
    )


# --- lines -----------------------------------------------------------------------------------


def _build_lines(words: Iterable[_Word]) -> list[_Line]:
    """Group words into printed lines, top to bottom, words left to right.

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
    lines.sort(key=lambda line: (line.top, line.words[0].x0))
    return lines


def _tab_stops(pages: Sequence[_Page]) -> list[float]:
    """x positions where many lines of the document start: the label and text columns."""
    starts: dict[float, int] = defaultdict(int)
    total = 0
    for page in pages:
        for line in page.lines:
            starts[round(line.words[0].x0 * 2) / 2] += 1
            total += 1
    needed = max(_MIN_REPEATS, _TAB_STOP_SHARE * total)
    return sorted(x for x, count in starts.items() if count >= needed)


def _render_page(page: _Page, tab_stops: Sequence[float]) -> None:
    following_lines: list[_Line | None] = [*page.lines[1:], None] if page.lines else []
    for line, following in zip(page.lines, following_lines, strict=True):
        indent = None
        if following is not None and following.top - line.bottom < line.bottom - line.top:
            indent = following.words[0].x0
        line.text = _render(line, hanging_indent=indent, tab_stops=tab_stops)


def _render(
    line: _Line, *, hanging_indent: float | None = None, tab_stops: Sequence[float] = ()
) -> str:
    """Print a line's words: one space between words, TAB after labels and between columns.

    A leading label ("a.", "3A001", "Note 2:") is set off by a tab stop, which shows as a
    wider space than the line's other word spaces, or as its text starting where the next line
    starts (a hanging indent), or at a column where many lines of the document start. Either
    alignment counts only with a space wider than a plain one, and a column only if that space
    is also wider than the line's usual one: a justified line's spaces are all stretched alike.
    """
    words = line.words
    gaps = [b.x0 - a.x1 for a, b in zip(words, words[1:], strict=False)]
    em = line.size
    tabs: set[int] = set()  # indexes of the gaps that become TABs
    start = 0
    while start < len(words) - 1:
        end = _label_end(words, start)
        if end is None or end >= len(words):
            break
        gap = gaps[end - 1]
        others = [g for i, g in enumerate(gaps) if i != end - 1 and i not in tabs]
        usual = statistics.median(others) if others else 0.0
        x = words[end].x0
        hanging = (
            hanging_indent is not None
            and abs(x - hanging_indent) <= _ALIGNED
            and hanging_indent > words[0].x0 + _ALIGNED
        )
        column = any(abs(x - stop) <= _ALIGNED for stop in tab_stops)
        wide = gap >= _LABEL_GAP_EM * em and gap > _LABEL_GAP_RATIO * usual
        spaced = gap >= _ALIGNED_GAP_EM * em
        if not (wide or (spaced and (hanging or (column and gap > _ALIGNED_GAP_RATIO * usual)))):
            break
        tabs.add(end - 1)
        start = end
    for i, gap in enumerate(gaps):
        if i in tabs or gap < _COLUMN_GAP_EM * em:
            continue
        others = [g for j, g in enumerate(gaps) if j != i and j not in tabs and g >= _JOIN_GAP]
        if not others or gap >= _COLUMN_GAP_RATIO * statistics.median(others):
            tabs.add(i)
    parts = [words[0].text]
    for i, gap in enumerate(gaps):
        parts.append("\t" if i in tabs else (" " if gap >= _JOIN_GAP else ""))
        parts.append(words[i + 1].text)
    return "".join(parts)


def _label_end(words: Sequence[_Word], start: int) -> int | None:
    """If words[start:end] spell a label, return the largest such ``end`` ("Note 1:", not
    "Note")."""
    for end in range(min(start + _MAX_LABEL_WORDS, len(words)), start, -1):
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


def _group_key(page: _Page, line: _Line, edge: str) -> tuple:
    """Lines with the same key are the same running head or footer on different pages."""
    height = round(line.top / (2 * _SAME_HEIGHT))
    return _page_size(page), edge, _furniture_key(line.plain), height


def _furniture_zones(pages: Sequence[_Page]) -> dict[tuple[int, int], tuple[float, float]]:
    """Per page size, the bottom of the header zone and the top of the footer zone.

    Running heads and footers are the lines at a page edge whose text (digits ignored) repeats
    at the same height on ``_MIN_REPEATS`` pages or more. On each page they form a run from the
    edge inwards (a two-line head is one run; its lines are close together), and the run is set
    apart from the body by clear space on most pages. Requiring the run to start at the edge
    keeps out body lines that happen to repeat (a "Technical Note:" opening three pages, a
    table's repeated header row); requiring clear space on most, not all, pages copes with a
    body that runs close to the footer on some pages.
    """
    pages_with: dict[tuple, set[int]] = defaultdict(set)
    for page in pages:
        for _index, line, edge in _edge_lines(page):
            if not _CONTINUATION_HEAD.match(line.text):
                pages_with[_group_key(page, line, edge)].add(page.number)
    repeated = {key for key, numbers in pages_with.items() if len(numbers) >= _MIN_REPEATS}
    clearances: dict[tuple, list[float]] = defaultdict(list)
    members: dict[tuple, list[_Line]] = defaultdict(list)
    for page in pages:
        edges = {index: edge for index, _line, edge in _edge_lines(page)}
        count = len(page.lines)
        for edge, order in (("top", range(count)), ("bottom", range(count - 1, -1, -1))):
            run: list[tuple[tuple, _Line]] = []
            clearance = float("inf")
            for index in order:
                line = page.lines[index]
                key = _group_key(page, line, edge)
                space = _space_between(run[-1][1], line) if run else 0.0
                if edges.get(index) != edge or key not in repeated or space >= _FURNITURE_GAP:
                    if run:
                        clearance = _space_between(run[-1][1], line)
                    break
                run.append((key, line))
            for key, line in run:
                clearances[key].append(clearance)
                members[key].append(line)
    zones: dict[tuple[int, int], tuple[float, float]] = {}
    for key, spaces in clearances.items():
        if statistics.median(spaces) < _FURNITURE_GAP:
            continue
        size, edge = key[0], key[1]
        header_bottom, footer_top = zones.get(size, (float("-inf"), float("inf")))
        if edge == "top":
            header_bottom = max(header_bottom, max(line.bottom for line in members[key]))
        else:
            footer_top = min(footer_top, min(line.top for line in members[key]))
        zones[size] = (header_bottom, footer_top)
    for size, (header_bottom, footer_top) in zones.items():
        logger.debug(
            "Page size %s: header above %.1f pt, footer below %.1f pt",
            size,
            header_bottom,
            footer_top,
        )
    return zones


def _space_between(a: _Line, b: _Line) -> float:
    return max(b.top - a.bottom, a.top - b.bottom)


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
