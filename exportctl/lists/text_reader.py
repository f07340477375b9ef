"""Read the UK consolidated list as published text (one printed line per line).

The text carries each page's footer (``CAT3_R07.docx <TAB> Dual-Use List - Category 3 [Page 2 of
46] <TAB> 16 Dec 2025``) just before the page's own lines, and a running header at the top of
continuation pages naming the entry and clause being continued (``3A001 <TAB> a.``). Both are
dropped here; the footer tells which list document and page each line belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from exportctl.errors import SourceFormatError
from exportctl.lists.source import SourceLine

FOOTER = re.compile(
    r"^(?P<doc>[A-Z0-9]{3,5}[_.][A-Z]\d{2})\.docx\s*\t(?P<title>.*?)\t\s*(?P<date>.+)$"
)
PAGE_NUMBER = re.compile(r"Page\s+(\d+)")
ENTRY_CODE = r"(?:ML\d{1,2}|PL\d{4}|\d[A-E]\d{3})"
#: A page-top header: an entry code followed only by clause labels or a note name.
RUNNING_HEADER = re.compile(
    rf"^{ENTRY_CODE}(?:\s+(?:[a-z]{{1,2}}|\d{{1,2}})\.)*"
    r"(?:\s+(?:Technical\s+Notes?|Notes?|N\.B\.)\s*\d*)?\s*$"
)
NOTE_RUNNING_HEADER = re.compile(r"^Note\s+\d+$")
#: A page-top header inside a product group's notes ("2B <TAB>Technical Notes").
GROUP_RUNNING_HEADER = re.compile(r"^\d[A-E]\s+(?:Technical\s+Notes?|Notes?)\s*$")
BACK_COVER = "This document is also available on our"


@dataclass(frozen=True)
class PageFooter:
    document: str
    title: str
    page: int | None


def parse_footer(line: str) -> PageFooter | None:
    match = FOOTER.match(line.strip("\n"))
    if not match:
        return None
    page = PAGE_NUMBER.search(match["title"])
    return PageFooter(match["doc"], match["title"].strip(), int(page.group(1)) if page else None)


def read_text_lines(path: Path | str) -> list[SourceLine]:
    """Return the list's content lines with their document and page; raise on a non-list file."""
    path = Path(path)
    if not path.exists():
        raise SourceFormatError(f"Source file not found: {path}")
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise SourceFormatError(
            f"{path} is not UTF-8 text ({error.reason}); give the list's text export or its PDF."
        ) from error
    if not raw.strip():
        raise SourceFormatError(f"{path} is empty.")
    return list(iter_content_lines(raw.splitlines()))


def iter_content_lines(raw_lines: list[str]):
    """Yield SourceLines, dropping footers, running headers and the back cover."""
    document: str | None = None
    page: int | None = None
    pending_first_page: list[SourceLine] = []
    after_footer = False
    for number, text in enumerate(raw_lines, start=1):
        if text.startswith(BACK_COVER):
            break
        footer = parse_footer(text)
        if footer is not None:
            if footer.document != document:
                # Lines before a document's first footer belong to the page before it.
                start_page = footer.page - 1 if footer.page and footer.page > 1 else footer.page
                for line in pending_first_page:
                    yield SourceLine(line.text, start_page, footer.document, line.line_no)
                pending_first_page = []
            document, page = footer.document, footer.page
            after_footer = True
            continue
        stripped = text.strip()
        if after_footer and _is_running_header(stripped):
            continue
        after_footer = False
        if not stripped:
            continue
        if document is None:
            pending_first_page.append(SourceLine(text.rstrip(), None, None, number))
            continue
        yield SourceLine(text.rstrip(), page, document, number)
    for line in pending_first_page:
        yield line


HEADER_PATH = re.compile(rf"^({ENTRY_CODE})((?:\s+(?:[a-z]{{1,2}}|\d{{1,2}})\.)*)")


def running_header_paths(raw_lines: list[str]) -> dict[int, str]:
    """The clause path each page-top running header names, by its line number: ``6A001 <TAB>a.
    <TAB>1.`` just after a footer is the clause the page continues, ``6A001.a.1``."""
    paths: dict[int, str] = {}
    after_footer = False
    for number, text in enumerate(raw_lines, start=1):
        if parse_footer(text) is not None:
            after_footer = True
            continue
        stripped = text.strip()
        if after_footer and _is_running_header(stripped):
            if match := HEADER_PATH.match(stripped):
                labels = [label.strip(".") for label in match[2].split()]
                paths[number] = ".".join([match[1], *labels])
            continue
        if stripped:
            after_footer = False
    return paths


def _is_running_header(stripped: str) -> bool:
    return bool(
        RUNNING_HEADER.match(stripped)
        or NOTE_RUNNING_HEADER.match(stripped)
        or GROUP_RUNNING_HEADER.match(stripped)
    )
