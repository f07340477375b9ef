"""Source lines: what every reader (text file, PDF) hands to the parser."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLine:
    """One line of the published list, in reading order.

    ``document`` names the list document the line belongs to when the source says so (the UK
    text carries a footer per page such as ``CAT3_R07.docx``), ``page`` its page within that
    document. Readers drop page headers and footers; they keep everything else verbatim.
    """

    text: str
    page: int | None = None
    document: str | None = None
    line_no: int = 0
