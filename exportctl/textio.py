"""Text that users give on standard input, as an argument or in a file, decoded explicitly.

Bytes are decoded with the encoding the user names (UTF-8 unless ``--encoding`` says
otherwise); a byte-order mark is honoured and dropped. Bytes that the encoding cannot decode
are an error naming where they are and what to do, never a crash further on (spaCy and the
tokenizer refuse the lone surrogates Python's lenient decoding would leave in the text).
"""

from __future__ import annotations

import codecs
import os
import re
import sys
from typing import BinaryIO

from exportctl.errors import ExportctlError, InputTextError

DEFAULT_ENCODING = "utf-8"
#: Lone surrogates: what ``surrogateescape`` makes of undecodable bytes, or a JSON ``\ud800``.
SURROGATE = re.compile("[\ud800-\udfff]")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def check_encoding(encoding: str, *, error: type[ExportctlError] = InputTextError) -> str:
    """The codec's canonical name, or ``error`` for a name Python does not know."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise error(
            f"Unknown encoding '{encoding}': give one such as utf-8, cp1252 or latin-1."
        ) from None


def decode_bytes(
    data: bytes,
    *,
    where: str,
    encoding: str = DEFAULT_ENCODING,
    error: type[ExportctlError] = InputTextError,
) -> str:
    """``data`` as text. A UTF-8 or UTF-16 byte-order mark decides the encoding (and is
    dropped); otherwise ``encoding``. Undecodable bytes raise ``error`` naming the line and
    column of the first one."""
    codec = check_encoding(encoding, error=error)
    for bom, name in _BOMS:
        if data.startswith(bom):
            codec, data = name, data[len(bom) :]
            if name == "utf-16":
                data = bom + data  # the UTF-16 codec reads its byte order from the mark
            break
    try:
        return data.decode(codec)
    except UnicodeDecodeError as problem:
        raise error(undecodable(data, problem, where=where, encoding=codec)) from None


def undecodable(data: bytes, problem: UnicodeDecodeError, *, where: str, encoding: str) -> str:
    """Where the first undecodable byte is, and what to do about it."""
    before = data[: problem.start]
    line = before.count(b"\n") + 1
    column = problem.start - (before.rfind(b"\n") + 1) + 1
    byte = data[problem.start : problem.start + 1].hex()
    return (
        f"{where} is not {encoding} text: byte 0x{byte} at line {line}, column {column} cannot be "
        "decoded. Save it as UTF-8, or name its encoding with --encoding (e.g. --encoding cp1252 "
        "for text from Windows)."
    )


def read_stream(stream: BinaryIO | None = None, **options) -> str:
    """Standard input (or ``stream``) read as bytes and decoded (``decode_bytes``)."""
    if stream is None:
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text-only stdin (an embedding program): already decoded
            return argument_text(sys.stdin.read(), **options)
    return decode_bytes(stream.read(), **{"where": "standard input", **options})


def argument_text(text: str, *, where: str = "The TEXT argument", **options) -> str:
    """A command-line argument as the user meant it: Python decodes arguments leniently,
    keeping undecodable bytes as lone surrogates; they are decoded again with the encoding
    given, or refused."""
    if not SURROGATE.search(text):
        return text
    try:
        data = os.fsencode(text)
    except UnicodeEncodeError:  # surrogates that did not come from bytes (a program's call)
        return text
    return decode_bytes(data, where=where, **options)


def replace_surrogates(text: str) -> tuple[str, int]:
    """``text`` with each lone surrogate replaced by U+FFFD, and how many there were."""
    return SURROGATE.subn("\ufffd", text)
