"""Checks on pasted text before it is analysed: empty, binary, too long, not English."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from exportctl.config import MAX_TEXT_CHARS
from exportctl.errors import InputTextError
from exportctl.textio import replace_surrogates

COMMON_ENGLISH = frozenset(
    "the of and to in a is for with on that by this we are as an be from at which or it".split()
)


@dataclass(frozen=True)
class CheckedText:
    text: str
    warnings: tuple[str, ...]


def check_text(text: object) -> CheckedText:
    """The text to analyse and any warnings; ``InputTextError`` when there is nothing to use."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InputTextError(
                "The input is binary data, not text: paste the abstract as plain text."
            ) from None
    if not isinstance(text, str):
        raise InputTextError(f"Expected text, got {type(text).__name__}.")
    warnings: list[str] = []
    # Lone surrogates (undecodable bytes kept by a lenient decoding, or a JSON "\ud800") are
    # not text: spaCy and the tokenizer refuse them.
    text, replaced = replace_surrogates(text)
    if replaced:
        warnings.append(
            f"{replaced} character{'s' if replaced > 1 else ''} of the text could not be "
            f"decoded and {'were' if replaced > 1 else 'was'} replaced with '\ufffd': check "
            "the text's encoding."
        )
    stripped = text.replace("\x00", "").strip()
    if not stripped:
        raise InputTextError("The text is empty: paste a project abstract or description.")
    if _control_ratio(stripped) > 0.05 or "\ufffd" * 3 in stripped:
        raise InputTextError(
            "The input looks like binary data, not text: paste the abstract as plain text."
        )
    if len(stripped) > MAX_TEXT_CHARS:
        warnings.append(
            f"The text is {len(stripped):,} characters long; only the first {MAX_TEXT_CHARS:,} "
            "were screened. Screen the rest separately."
        )
        stripped = stripped[:MAX_TEXT_CHARS]
    words = re.findall(r"[^\W\d_]+", stripped.lower())
    if len(words) < 5:
        warnings.append(
            "Very short text: give a full description of the work (what is built, measured or "
            "shared, with numbers) for useful suggestions."
        )
    elif not _looks_english(words):
        warnings.append(
            "The text does not look like English. The control lists are in English and the "
            "matching is English-only: translate the abstract, or ask an officer to screen it."
        )
    return CheckedText(stripped, tuple(warnings))


def _control_ratio(text: str) -> float:
    controls = sum(
        1 for ch in text if unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in "\n\r\t"
    )
    return controls / max(len(text), 1)


def _looks_english(words: list[str]) -> bool:
    latin = sum(1 for w in words if w.isascii())
    if latin / len(words) < 0.6:
        return False
    if len(words) < 8:
        return True
    common = sum(1 for w in words if w in COMMON_ENGLISH)
    return common / len(words) >= 0.08
