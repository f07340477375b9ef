"""Aliases: everyday vocabulary for control list clauses.

Researchers do not write in the list's words ("drone", not "unmanned aerial vehicle"), so the
suggestion engine also matches each clause's *aliases*. They come from two committed CSV files
under ``control_lists/aliases/``:

- ``aliases.csv``: plain-English rewrites, breadcrumbs and navigation labels from the UK
  government's 2018 "permissions finder" content-design workbook (MIT, Department for
  International Trade), built by ``python -m exportctl.suggest.aliases build``. Only text that
  adds words to the legal text is kept, and only for codes that still exist in the current list
  and still mean the same thing.
- ``curated.csv``: hand-curated research vocabulary, each row citing a public source.

The rewritten text is not legal text: it is used only as vocabulary for matching, never shown as
the list itself.
"""

from __future__ import annotations

import csv
import difflib
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import click

from exportctl.config import CONTROL_LISTS_DIR, SOURCES_DIR
from exportctl.errors import DatasetError
from exportctl.lists.store import ControlList, normalise_code

logger = logging.getLogger(__name__)

ALIASES_DIR = CONTROL_LISTS_DIR / "aliases"
WORKBOOK_ALIASES_CSV = ALIASES_DIR / "aliases.csv"
CURATED_ALIASES_CSV = ALIASES_DIR / "curated.csv"
ALIASES_README = ALIASES_DIR / "README.md"
PERMISSIONS_FINDER_XLSX = (
    SOURCES_DIR / "uk-permissions-finder-2018" / "permissions-finder-content-2018.xlsx"
)
PERMISSIONS_FINDER_SOURCE = "permissions-finder-2018"
PERMISSIONS_FINDER_LICENCE = "MIT (Department for International Trade, 2018)"
CSV_COLUMNS = ("code", "alias", "source", "licence")

# A workbook row whose own legal text shares less than this share of its content words with
# the current clause's text is taken to describe something else (renumbered since 2018, or a
# slip in the workbook), and its aliases are not carried over.
MIN_TEXT_AGREEMENT = 0.5
# An alias without words of its own is kept as a short name only if it has at most this share
# of the content words of the clause's own text.
SHORT_NAME_SHARE = 0.6


@dataclass(frozen=True)
class Alias:
    """Everyday words for one clause, and where they come from."""

    code: str
    text: str
    source: str


@dataclass(frozen=True)
class WorkbookAlias:
    """An alias read from the workbook, with the workbook's legal text for the same rating.

    ``legal_text`` lets the build check that the 2018 rating still means the same thing in the
    current list; it is empty for navigation labels, which lead to several ratings.
    """

    alias: Alias
    legal_text: str
    kind: str  # "rewrite", "breadcrumb" or "navigation"
    row_texts: tuple[str, ...] = ()  # the row's legal and browse-tree texts, for checking codes


# -- codes -----------------------------------------------------------------------------------

_RATING = re.compile(r"^(ML\d{1,2}|PL\d{4}|\d[A-E]\d{3})((?:\.?[a-z]+|\.?\d+)*)\.?$", re.I)


def parse_rating(value: object) -> str | None:
    """A workbook rating in any of its spellings as a dotted clause code, or ``None``.

    ``ML10a`` → ``ML10.a``; ``3A001b2`` / ``3A001.b.2.`` → ``3A001.b.2``; ``9a111 `` → ``9A111``.
    Category and product-group ratings (``9.0``, ``9C``) are not clauses and give ``None``.
    """
    if value is None:
        return None
    text = re.sub(r"\s+", "", str(value)).strip(".")
    match = _RATING.match(text)
    if not match:
        return None
    parts = re.findall(r"[a-z]+|\d+", match[2], re.I)
    return normalise_code(".".join([match[1], *parts]))


def _most_specific(codes: Iterable[str | None]) -> str | None:
    """The workbook keeps a rating and a "rating ID"; one usually extends the other."""
    found = [code for code in codes if code]
    if not found:
        return None
    best = found[0]
    for code in found[1:]:
        if code.startswith(best + "."):
            best = code
    return best


# -- text ------------------------------------------------------------------------------------

_STOPWORDS = frozenset(
    """a an and any are as at be being by eg e.g for from having in including into is it its
    of on or other specially designed modified such than that the their therefor thereof these
    this those to under use used using which with within following follows all both not
    specified controlled elsewhere related""".split()
)
# Workbook filler: cross-references and abbreviations that add no vocabulary of their own.
_FILLER = frozenset(
    """above below next uk military list control entry entries mentioned described description
    descriptions meet meeting meets various max maxi min ie cas specific capable providing
    provide provided they them have has do does""".split()
)
# Words too general to name a clause by themselves ("Technology for development").
_GENERIC = frozenset(
    """technology software development production equipment system component part material
    good item device assembly unit product accessory other various type form means rest
    operation maintenance design manufacture new general specific certain one more according
    note requirement required function""".split()
)
_PARAMETER = re.compile(r"\d|[<>≤≥±+%]")


def clean_text(value: object) -> str:
    """Workbook cell text without markup: quotes around defined terms, design notes in capitals,
    list numbering, trailing colons and stray whitespace."""
    if value is None:
        return ""
    text = str(value)
    text = re.sub(r"\((?:LINKED TO|SEE)[^)]*\)", " ", text)
    text = text.replace("\u00a0", " ")
    text = re.sub(r"[\"“”]", "", text)
    text = re.sub(r"(?<![A-Za-z])['‘’]|['‘’](?![A-Za-z])", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^(?:[a-z]|\d{1,2}|[ivx]+)[.)]\s+", "", text)
    text = re.sub(r"[\s:;,.-]+$", "", text)
    text = re.sub(
        r"\s*,?\s*(?:as follows|having any of the following|having all of the following)$",
        "",
        text,
        flags=re.I,
    )
    return text.strip()


def _stem(word: str) -> str:
    for suffix in ("ies", "ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_words(text: str) -> set[str]:
    """Lower-case content words, crudely stemmed, for comparing texts."""
    words = set()
    for word in re.findall(r"[a-z0-9][a-z0-9-]*", text.lower()):
        if word in _STOPWORDS or len(word) < 2:
            continue
        words.add(_stem(word))
    return words


def new_words(alias: str, legal_text: str) -> set[str]:
    """Content words of ``alias`` missing from the legal text, ignoring numbers and codes
    (respelled quantities and ratings), workbook filler and near-spellings (typos)."""
    legal = content_words(legal_text)
    legal_raw = set(re.findall(r"[a-z0-9][a-z0-9-]*", legal_text.lower())) | _STOPWORDS
    found = set()
    for raw in set(re.findall(r"[a-z0-9][a-z0-9-]*", alias.lower())):
        word = _stem(raw)
        if raw in _STOPWORDS or raw in _FILLER or len(raw) < 2 or word in legal:
            continue
        if any(ch.isdigit() for ch in raw):
            continue
        parts = [_stem(part) for part in raw.split("-") if part]
        if len(parts) > 1 and all(p in legal or p in _STOPWORDS or p in _FILLER for p in parts):
            continue
        if difflib.get_close_matches(raw, legal_raw, n=1, cutoff=0.8):
            continue
        found.add(word)
    return found


def adds_vocabulary(alias: str, legal_text: str) -> bool:
    """Whether ``alias`` has a content word the legal text lacks."""
    return bool(new_words(alias, legal_text))


def is_rewrite(alias: str, legal_text: str, own_text: str | None = None) -> bool:
    """Whether ``alias`` says something other than copy the legal text back: it adds words, or
    it is a short name, without thresholds, for a clause whose own text (``own_text``, default
    ``legal_text``) is long. Either way it needs a word more specific than "technology" or
    "equipment". Short names matter to the matcher: a mention scores far higher against
    "Hard body armour plates" than against the clause's full sentence."""
    own_text = legal_text if own_text is None else own_text
    words = content_words(alias) - _FILLER
    specific_words = [w for w in words if w.isalpha() and w not in _GENERIC]
    if not specific_words:
        return False
    if _comparable(alias) == _comparable(own_text):
        return False
    if adds_vocabulary(alias, legal_text):
        return True
    if _PARAMETER.search(alias):
        return False  # a threshold restated: the parameter checks read the clause itself
    own_words = content_words(own_text) - _FILLER
    return (
        len(specific_words) >= 2
        and len(own_words) >= 4
        and len(words) <= SHORT_NAME_SHARE * len(own_words)
    )


def _comparable(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", clean_text(text).lower()))


def _strip_code_prefix(text: str) -> str:
    return re.sub(r"^(?:ML\d{1,2}|PL\d{4}|\d[A-E]\d{3})[a-z0-9.]*\s+", "", text, flags=re.I)


# -- the workbook ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _SheetLayout:
    """Where one sheet keeps its browse tree, ratings and rewrites (0-based columns)."""

    name: str
    tree_columns: range
    rating_columns: tuple[int, ...]
    tree_header: str
    breadcrumb_column: int | None = None
    breadcrumb_header: str = "Breadcrumb"
    legal_column: int | None = None
    first_row: int = 4  # 1-based; the rows above are headers


# The main sheets first: on duplicates, the first source is kept.
_LAYOUTS = (
    _SheetLayout("EU Dual-Use List", range(0, 10), (10, 11), "Browse tree", 26, "Breadcrumb", 25),
    _SheetLayout(
        "MVP FREDSHEET (Military)", range(1, 11), (13,), "Browse content", 23, "Breadcrumb text"
    ),
    _SheetLayout("UK Military List", range(0, 10), (10, 11), "Browse tree", 26, "Breadcrumb", 25),
    _SheetLayout(
        "Military List content design - ",
        range(1, 11),
        (13, 14),
        "Browse content",
        28,
        "Breadcrumb",
    ),
    _SheetLayout(
        "Draft fredsheet - No duplicates",
        range(1, 11),
        (13, 14),
        "Browse content",
        28,
        "Breadcrumb",
    ),
    _SheetLayout(
        "Draft fredsheet with duplicates",
        range(1, 11),
        (13, 14),
        "Browse content",
        28,
        "Breadcrumb",
    ),
    _SheetLayout(
        "Test target fredsheet", range(1, 11), (13,), "Browse content", 23, "Breadcrumb text"
    ),
)
_FALSE_DOORS = "False doors"


@dataclass
class _TreeRow:
    row: int
    depth: int
    text: str
    code: str | None
    legal_text: str
    breadcrumb: str = ""
    children: list[_TreeRow] = field(default_factory=list)


def _cell(row: tuple, column: int | None) -> object:
    if column is None or column >= len(row):
        return None
    return row[column]


def _read_tree(rows: list[tuple], layout: _SheetLayout) -> list[_TreeRow]:
    out: list[_TreeRow] = []
    for number, row in enumerate(rows, start=1):
        if number < layout.first_row:
            continue
        depth, text = next(
            (
                (i, row[col])
                for i, col in enumerate(layout.tree_columns)
                if col < len(row) and row[col] not in (None, "")
            ),
            (None, None),
        )
        if depth is None:
            continue
        code = _most_specific(parse_rating(_cell(row, col)) for col in layout.rating_columns)
        legal = _strip_code_prefix(clean_text(_cell(row, layout.legal_column)))
        out.append(
            _TreeRow(
                number,
                depth,
                str(text),
                code,
                legal,
                str(_cell(row, layout.breadcrumb_column) or ""),
            )
        )
    return out


def _source(sheet: str, row: int, column: str) -> str:
    return f"{PERMISSIONS_FINDER_SOURCE}:{sheet}!row {row}:col {column}"


def _tree_aliases(tree: list[_TreeRow], layout: _SheetLayout) -> Iterator[WorkbookAlias]:
    for node in tree:
        if node.code is None:
            continue
        # The browse tree text is itself a light rewrite; when the sheet has no legal column it
        # stands in as the legal text the breadcrumb is compared with.
        legal = node.legal_text or clean_text(node.text)
        for kind, header, raw in (
            ("rewrite", layout.tree_header, node.text),
            ("breadcrumb", layout.breadcrumb_header, node.breadcrumb),
        ):
            text = clean_text(raw)
            if not text or not is_rewrite(text, legal):
                continue
            yield WorkbookAlias(
                Alias(node.code, text, _source(layout.name, node.row, header)),
                legal,
                kind,
                (node.legal_text, clean_text(node.text)),
            )


def _navigation_aliases(tree: list[_TreeRow], layout: _SheetLayout) -> Iterator[WorkbookAlias]:
    """Top-level labels with no rating of their own lead to the ratings listed beneath them."""
    label: _TreeRow | None = None
    for node in tree:
        if node.depth == 0:
            label = node if node.code is None else None
            continue
        if label is not None and node.depth == 1 and node.code is not None:
            text = clean_text(label.text)
            if text:
                source = _source(layout.name, label.row, f"{layout.tree_header} (navigation)")
                yield WorkbookAlias(Alias(node.code, text, source), "", "navigation")


def _false_door_aliases(
    rows: list[tuple], titles: list[tuple[frozenset[str], str]]
) -> Iterator[WorkbookAlias]:
    """The "False doors" sheet: navigation labels above the entry titles they lead to; the
    titles are linked to ratings through the browse trees (or an explicit "LINKED TO" note)."""
    label: tuple[int, str] | None = None
    for number, row in enumerate(rows, start=1):
        if number < 2:
            continue
        first, title = _cell(row, 0), _cell(row, 1)
        if first not in (None, "") and title in (None, "") and str(first).strip().lower() != "x":
            label = (number, clean_text(first))
            continue
        if label is None or title in (None, ""):
            continue
        linked = re.search(r"LINKED TO (\S+) RATING", str(title))
        code = parse_rating(linked[1]) if linked else _match_title(str(title), titles)
        logger.debug("False doors row %d: %r -> %s", number, title, code)
        if code:
            source = _source(_FALSE_DOORS, label[0], "False doors (navigation)")
            yield WorkbookAlias(Alias(code, label[1], source), "", "navigation")


def _match_title(title: str, titles: list[tuple[frozenset[str], str]]) -> str | None:
    """The entry whose browse-tree or legal title holds nearly all the words of ``title``
    (titles on this sheet are sometimes cut short); ties go to the closest title."""
    words = {w for w in content_words(clean_text(title)) if w.isalpha()}
    if not words:
        return None
    best, best_score = None, (0.0, 0.0)
    for candidate, code in titles:
        if not candidate:
            continue
        score = (
            len(words & candidate) / len(words),
            len(words & candidate) / len(words | candidate),
        )
        if score > best_score:
            best, best_score = code, score
    return best if best_score[0] >= 0.85 else None


@lru_cache(maxsize=4)
def _extract(path: str, mtime_ns: int) -> tuple[WorkbookAlias, ...]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        found: list[WorkbookAlias] = []
        titles: list[tuple[frozenset[str], str]] = []
        for layout in _LAYOUTS:
            if layout.name not in workbook.sheetnames:
                logger.warning("Workbook %s has no sheet %r; skipped.", path, layout.name)
                continue
            tree = _read_tree(list(workbook[layout.name].iter_rows(values_only=True)), layout)
            for node in tree:
                if node.code and "." not in node.code:
                    for text in (node.text, node.legal_text):
                        if text:
                            titles.append((frozenset(content_words(clean_text(text))), node.code))
            found.extend(_tree_aliases(tree, layout))
            found.extend(_navigation_aliases(tree, layout))
        if _FALSE_DOORS in workbook.sheetnames:
            rows = list(workbook[_FALSE_DOORS].iter_rows(values_only=True))
            found.extend(_false_door_aliases(rows, titles))
    finally:
        workbook.close()
    return tuple(_dedupe(found))


def _dedupe(found: Iterable[WorkbookAlias]) -> Iterator[WorkbookAlias]:
    seen: set[tuple[str, str]] = set()
    for item in found:
        key = (item.alias.code, item.alias.text.casefold())
        if key not in seen:
            seen.add(key)
            yield item


def extract_permissions_finder_rows(
    xlsx_path: Path | str = PERMISSIONS_FINDER_XLSX,
) -> list[WorkbookAlias]:
    """Aliases from the workbook with the legal text they were compared with (parsed once per
    file version)."""
    path = Path(xlsx_path)
    if not path.exists():
        raise DatasetError(f"The permissions-finder workbook is missing: {path}.")
    return list(_extract(str(path.resolve()), path.stat().st_mtime_ns))


def extract_permissions_finder_aliases(
    xlsx_path: Path | str = PERMISSIONS_FINDER_XLSX,
) -> list[Alias]:
    """Plain-English rewrites, breadcrumbs and navigation labels from the 2018 workbook, by
    rating, deduplicated, without markup, and only where they add words to the legal text."""
    return [item.alias for item in extract_permissions_finder_rows(xlsx_path)]


# -- building aliases.csv ----------------------------------------------------------------------


@dataclass
class BuildReport:
    """What the build kept and dropped, for the command's summary and the README."""

    extracted: int = 0
    kept: int = 0
    kept_codes: int = 0
    unknown_codes: dict[str, int] = field(default_factory=dict)  # 2018 code → aliases dropped
    mismatched: dict[str, int] = field(default_factory=dict)  # code → aliases dropped
    copies: int = 0  # aliases that only repeat the current clause's words

    @property
    def dropped_unknown(self) -> int:
        return sum(self.unknown_codes.values())

    @property
    def dropped_mismatched(self) -> int:
        return sum(self.mismatched.values())


def text_agreement(workbook_text: str, clause_text: str) -> float:
    """Share of the workbook's content words found in the clause text."""
    words = {w for w in content_words(workbook_text) if w not in _FILLER}
    if not words:
        return 1.0
    return len(words & content_words(clause_text)) / len(words)


def _clause_words_text(control_list: ControlList, code: str) -> str:
    clause = control_list.get(code)
    return " ".join([clause.text, *(c.text for c in control_list.children(code))])


def build_workbook_aliases(
    control_list: ControlList, xlsx_path: Path | str = PERMISSIONS_FINDER_XLSX
) -> tuple[list[Alias], BuildReport]:
    """The workbook aliases that still apply to ``control_list``, with what was dropped."""
    report = BuildReport()
    kept: list[Alias] = []
    for item in extract_permissions_finder_rows(xlsx_path):
        report.extracted += 1
        code = item.alias.code
        if code not in control_list:
            report.unknown_codes[code] = report.unknown_codes.get(code, 0) + 1
            continue
        clause = control_list.get(code)
        if item.row_texts:
            clause_words = _clause_words_text(control_list, code)
            agreement = max(text_agreement(text, clause_words) for text in item.row_texts if text)
            if agreement < MIN_TEXT_AGREEMENT:
                report.mismatched[code] = report.mismatched.get(code, 0) + 1
                continue
            if not is_rewrite(item.alias.text, clause.full_text, clause.text):
                report.copies += 1
                continue
        kept.append(Alias(clause.code, item.alias.text, item.alias.source))
    kept.sort(key=lambda a: (_code_sort_key(a.code), a.text.casefold()))
    report.kept = len(kept)
    report.kept_codes = len({a.code for a in kept})
    return kept, report


def _code_sort_key(code: str) -> tuple:
    return tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p)
        for p in re.findall(r"[A-Z]+|\d+|[a-z]+", code)
    )


# -- reading and writing the CSVs -------------------------------------------------------------


@dataclass(frozen=True)
class AliasRow:
    code: str
    alias: str
    source: str
    licence: str


def write_alias_csv(path: Path, aliases: Iterable[Alias], licence: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for alias in aliases:
            writer.writerow([alias.code, alias.text, alias.source, licence])
            count += 1
    return count


def read_alias_csv(path: Path) -> list[AliasRow]:
    """Rows of an alias CSV, checked for the expected columns and non-empty cells."""
    if not path.exists():
        raise DatasetError(
            f"The alias file {path} is missing. Rebuild the workbook aliases with "
            "'python -m exportctl.suggest.aliases build'."
        )
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
            raise DatasetError(
                f"{path} has columns {reader.fieldnames}; expected {', '.join(CSV_COLUMNS)}."
            )
        rows = []
        for line, record in enumerate(reader, start=2):
            values = {key: (record.get(key) or "").strip() for key in CSV_COLUMNS}
            empty = [key for key, value in values.items() if not value]
            if empty:
                raise DatasetError(f"{path}, line {line}: empty {', '.join(empty)}.")
            rows.append(
                AliasRow(
                    normalise_code(values["code"]),
                    values["alias"],
                    values["source"],
                    values["licence"],
                )
            )
    return rows


def load_aliases(
    control_list: ControlList,
    *,
    paths: Iterable[Path] = (WORKBOOK_ALIASES_CSV, CURATED_ALIASES_CSV),
) -> dict[str, list[Alias]]:
    """Aliases by clause code, from the workbook and curated CSVs.

    Rows whose code is not in ``control_list`` (another list version) are skipped with a
    warning; duplicate (code, alias) pairs are kept once.
    """
    table: dict[str, list[Alias]] = {}
    seen: set[tuple[str, str]] = set()
    for path in paths:
        missing: list[str] = []
        for row in read_alias_csv(Path(path)):
            if row.code not in control_list:
                missing.append(row.code)
                continue
            code = control_list.get(row.code).code
            key = (code, row.alias.casefold())
            if key in seen:
                continue
            seen.add(key)
            table.setdefault(code, []).append(Alias(code, row.alias, row.source))
        if missing:
            logger.warning(
                "%d aliases in %s name codes not in %s (e.g. %s); skipped.",
                len(missing),
                path,
                control_list.version,
                ", ".join(sorted(set(missing))[:5]),
            )
    return table


# -- the README ------------------------------------------------------------------------------

_README = """\
# Aliases: everyday vocabulary for control list clauses

Researchers rarely write in the list's words ("drone", not "unmanned aerial vehicle"). The
suggestion engine therefore also matches each clause's aliases, loaded with
`exportctl.suggest.aliases.load_aliases(control_list)` (a `dict` of code → list of `Alias`).

**Rewritten text is not legal text: it is used only as vocabulary.** The list's own wording in
`control_lists/uk-consolidated/` is the only authority shown to users.

Both files have the columns `code, alias, source, licence`; every code exists in
`{list_version}`.

## `aliases.csv`: the 2018 permissions-finder workbook

- Source: the UK government's 2018 content-design workbook for its "permissions finder" service,
  `control_lists/sources/uk-permissions-finder-2018/permissions-finder-content-2018.xlsx`
  (GitHub `uktrade/lite-permissions-finder-archive`, row `uk-permissions-finder-2018` of the
  sources provenance table).
- Licence: MIT, Department for International Trade. The workbook follows the 2018 list.
- What is taken: the plain-English browse-tree rewrites, breadcrumb texts and high-level
  navigation labels (e.g. "Aircraft, vehicles and vessels - including accessories and
  components" for ML10, ML6, ML9), by the rating they are written for. Defined-term quotes,
  list numbering and design notes are stripped. `source` names the sheet, row and column,
  e.g. `permissions-finder-2018:EU Dual-Use List!row 68:col Breadcrumb`.
- What is kept: text with a content word the current clause lacks (e.g. "UAVs" where the
  clause says "unmanned aerial vehicles"), or a short name (at most {short_share:.0%} of the
  words, at least two specific ones) for a clause whose own text is long.
- What is left out: text that only repeats the legal text, thresholds restated ("Peak power
  > 100MW"), names too general to point anywhere ("Technology for development"), the category
  and product-group ratings (`9.0`, `9C`), definitions and note rewrites.

### Counts ({list_version})

| | aliases |
|---|---:|
| extracted from the workbook (deduplicated) | {extracted} |
| dropped: the 2018 code no longer exists ({unknown_code_count} codes) | {dropped_unknown} |
| dropped: the code now means something else ({mismatched_code_count} codes) | {mismatched} |
| dropped: only repeats the current clause's words | {copies} |
| **kept** ({kept_codes} codes) | **{kept}** |

2018 codes that no longer exist: {unknown_codes}.

A workbook row is carried over only if at least {min_agreement:.0%} of the content words of
its own legal text (the "Orig content" column, else the browse-tree text) appear in the text
of the current clause with the same code or its sub-items; otherwise the rating was renumbered
since 2018 or mistyped in the workbook.

## `curated.csv`: research vocabulary

{curated} hand-curated rows mapping everyday research terms (e.g. "qubit", "drone",
"LiDAR", "3D printing", "anthrax") to the most specific clause they fit. Every row cites, in
`source`, the words of the current list that name the kind of item (`list:<code> "<phrase>"`,
checked to occur in that clause's text or notes) and, where the term itself is not the list's,
a public Wikipedia page that defines it. Licence column: the rows are project data
(Apache-2.0); the cited list text is Crown copyright under the Open Government Licence v3.0
and the cited pages are CC BY-SA 4.0 (only terms are taken from them, no text). The rows were
chosen from the list and the cited pages, never from evaluation cases.

## Rebuilding

```
python -m exportctl.suggest.aliases build      # rewrites aliases.csv and this README
python -m exportctl.suggest.aliases check      # every code in both files exists in the list
```

`curated.csv` is edited by hand; add a row only with a public source in its `source` column.
"""


def render_readme(report: BuildReport, control_list: ControlList, curated: int) -> str:
    return _README.format(
        list_version=control_list.version,
        extracted=report.extracted,
        dropped_unknown=report.dropped_unknown,
        unknown_code_count=len(report.unknown_codes),
        mismatched=report.dropped_mismatched,
        mismatched_code_count=len(report.mismatched),
        copies=report.copies,
        kept=report.kept,
        kept_codes=report.kept_codes,
        unknown_codes=", ".join(
            f"`{code}`" for code in sorted(report.unknown_codes, key=_code_sort_key)
        )
        or "none",
        min_agreement=MIN_TEXT_AGREEMENT,
        short_share=SHORT_NAME_SHARE,
        curated=curated,
    )


# -- commands --------------------------------------------------------------------------------


@click.group()
def cli() -> None:
    """Build and check the alias files under control_lists/aliases/."""


@cli.command()
@click.option(
    "--workbook",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=PERMISSIONS_FINDER_XLSX,
    show_default=True,
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=ALIASES_DIR,
    show_default=True,
)
def build(workbook: Path, out_dir: Path) -> None:
    """Rebuild aliases.csv (and its README) from the permissions-finder workbook."""
    control_list = ControlList.load()
    aliases, report = build_workbook_aliases(control_list, workbook)
    write_alias_csv(out_dir / WORKBOOK_ALIASES_CSV.name, aliases, PERMISSIONS_FINDER_LICENCE)
    curated_path = out_dir / CURATED_ALIASES_CSV.name
    curated = len(read_alias_csv(curated_path)) if curated_path.exists() else 0
    (out_dir / ALIASES_README.name).write_text(
        render_readme(report, control_list, curated), encoding="utf-8"
    )
    click.echo(
        f"{report.extracted} aliases extracted; kept {report.kept} for {report.kept_codes} codes; "
        f"dropped {report.dropped_unknown} (2018 code gone: {len(report.unknown_codes)} codes), "
        f"{report.dropped_mismatched} (text no longer matches), {report.copies} (copies)."
    )


@cli.command()
def check() -> None:
    """Check that every code in the alias files exists in the current list."""
    control_list = ControlList.load()
    problems = 0
    for path in (WORKBOOK_ALIASES_CSV, CURATED_ALIASES_CSV):
        rows = read_alias_csv(path)
        unknown = sorted({row.code for row in rows if row.code not in control_list})
        pairs = [(row.code, row.alias.casefold()) for row in rows]
        duplicates = len(pairs) - len(set(pairs))
        problems += len(unknown) + duplicates
        click.echo(
            f"{path.name}: {len(rows)} rows, {len(unknown)} unknown codes "
            f"{unknown[:10]}, {duplicates} duplicates"
        )
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    cli()
