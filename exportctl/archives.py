"""Office files (.docx, .xlsx) are zip archives: their declared contents are checked before any
reader opens them, so that a small file that would expand to gigabytes (a zip bomb) is refused
instead of filling the memory. (A file that is not a readable archive at all is left to the
reader, whose error says what the file should have been.)"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

from exportctl.errors import ExportctlError

#: The most an Office file may expand to, and the most files it may hold. A real abstract or a
#: 2,000-row batch workbook is a few megabytes unpacked.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 10_000
#: What reading a damaged archive's members raises: a bad header or checksum (``BadZipFile``),
#: compressed data that does not decompress (``zlib.error``), data cut short (``EOFError``), a
#: damaged compression-method field (``NotImplementedError``: "That compression method is not
#: supported"). Readers of Office files catch these as a damaged file.
DAMAGED_ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)


def damage(error: BaseException) -> str:
    """What was wrong with a file that could not be read, in a word for its message: the
    error's type (``BadZipFile``), or for zlib's bare ``error`` what it means."""
    if isinstance(error, zlib.error):
        return "damaged compressed data"
    return type(error).__name__


def check_archive(
    source: bytes | Path,
    *,
    name: str,
    kind: str,
    error: type[ExportctlError],
    max_bytes: int = MAX_UNPACKED_BYTES,
) -> None:
    """Raise ``error`` when the zip archive ``source`` would unpack to more than ``max_bytes``
    or ``MAX_MEMBERS`` files. ``kind`` (".docx") names it in the message. Python's zip reader
    never returns more than a member's declared size, so the declared sizes bound what a
    reader can unpack."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (*DAMAGED_ARCHIVE_ERRORS, zipfile.LargeZipFile, OSError, ValueError):
        return  # not an archive: the reader says so in its own words
    with archive:
        members = archive.infolist()
        unpacked = sum(member.file_size for member in members)
    if len(members) > MAX_MEMBERS or unpacked > max_bytes:
        raise error(
            f"'{name}' would unpack to {unpacked / 1_048_576:,.0f} MB in {len(members):,} parts "
            f"(the limit is {max_bytes / 1_048_576:.0f} MB): it is not an ordinary {kind} file. "
            "Save the content again in a new file."
        )
