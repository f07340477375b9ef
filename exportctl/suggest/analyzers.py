"""Turning text into index terms, the same way for abstracts and clauses.

Word terms are lower-cased, stop words dropped, lightly stemmed (so "lasers"/"laser",
"cryptographic"/"cryptography" meet) and paired into bigrams. Character n-grams catch what
stemming misses ("superconducting" ~ "superconductors"). Each term remembers the words it came
from so evidence can point at them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*|\d+(?:\.\d+)?")
#: Words that carry no meaning for matching in list text or abstracts.
EXTRA_STOP_WORDS = frozenset(
    """following specified specially designed modified controlled control controls note notes
    technical having used use using entry entries item items paper study studies work results
    result present presents presented propose proposed approach based new novel method methods
    show shows shown demonstrate demonstrated research researchers also et al including include
    includes e g i ie eg b c d f h j k l n o p q r s t u v w x y z said thereof therefor therefore
    purpose purposes described describe describes specified""".split()
)
#: Unit symbols ("ms", "nm", "GHz") say little about the subject and are compared as
#: quantities by the threshold checks instead.
UNIT_WORDS = frozenset(
    """pm nm um mm cm km hz khz mhz ghz thz mw kw gw tw pw nj uj mj kj ev kev mev gev mk mv kv
    ma ka fs ps ns us ms min pa kpa mpa gpa mbar kbar psi mg kg gy kgy msps gsps dbi dbc dbm db
    bps kbps mbps gbps tbps bq kbq mbq gbq tbq ci mci deg rad mrad""".split()
)
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | EXTRA_STOP_WORDS | UNIT_WORDS

_SUFFIXES = (
    ("ational", "ate"),
    ("ization", "ize"),
    ("isation", "ize"),
    ("ically", "ic"),
    ("ities", "ity"),
    ("ness", ""),
    ("ments", "ment"),
    ("ings", ""),
    ("ing", ""),
    ("ied", "y"),
    ("ies", "y"),
    ("ers", "er"),
    ("ors", "or"),
    ("sses", "ss"),
    ("ches", "ch"),
    ("shes", "sh"),
    ("xes", "x"),
    ("ed", ""),
    ("es", "e"),
    ("s", ""),
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light, predictable stemmer: plurals and common verb endings only."""
    if len(word) <= 4 or word.isdigit():
        return word
    if word.endswith(("ss", "us", "is", "sis")):
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stemmed = word[: -len(suffix)] + replacement
            if suffix in ("ing", "ings", "ed") and len(stemmed) >= 3 and stemmed[-1] == stemmed[-2]:
                stemmed = stemmed[:-1]  # "modelling" → "model"
            return stemmed
    return word


@dataclass(frozen=True)
class Token:
    text: str  # as written
    term: str  # stemmed, lower-cased
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """Content words of ``text`` with their character spans."""
    out: list[Token] = []
    for match in TOKEN.finditer(text):
        word = match.group(0)
        lower = word.lower().replace("'", "")
        if lower in STOP_WORDS or len(lower) < 2:
            continue
        if lower.replace(".", "").isdigit():
            continue  # bare numbers match by threshold checks, not by words
        out.append(Token(word, stem(lower), match.start(), match.end()))
    return out


def word_terms(text: str) -> list[str]:
    """Unigram and adjacent-bigram terms (the analyzer the word vectoriser uses)."""
    toks = tokens(text)
    terms = [t.term for t in toks]
    terms.extend(
        f"{a.term} {b.term}" for a, b in zip(toks, toks[1:], strict=False) if b.start - a.end <= 2
    )
    return terms


def term_spans(text: str) -> dict[str, list[tuple[int, int]]]:
    """Where each word term of ``text`` occurs, for evidence highlighting."""
    toks = tokens(text)
    spans: dict[str, list[tuple[int, int]]] = {}
    for token in toks:
        spans.setdefault(token.term, []).append((token.start, token.end))
    for a, b in zip(toks, toks[1:], strict=False):
        if b.start - a.end <= 2:
            spans.setdefault(f"{a.term} {b.term}", []).append((a.start, b.end))
    return spans


def char_text(text: str) -> str:
    """Text for character n-grams: content words only, lower-cased."""
    return " ".join(t.text.lower() for t in tokens(text))
