"""Fuzz targets shared by the tests (a short profile, ``tests/test_fuzz.py``) and the long run
(``benchmarks/fuzz.py``): one per kind of input a user hands exportctl.

Each target is a Hypothesis strategy of inputs and a check. A check runs the real code on one
input and returns its :class:`Outcome`: ``accepted`` (a result, a dataset, parsed rows) or
``refused`` with the message the user sees. A refusal must be *clear*: one of the package's
own errors (:class:`~exportctl.errors.ExportctlError`) with a non-empty message on one line
and no Python exception or traceback in it; from the command line, exit code 2 and one line
``error: [Exxx] ...`` on standard error (never E999). A refusal writes nothing. Anything else
(another exception, a failed assertion) is a crash.
"""

from __future__ import annotations

import atexit
import csv
import functools
import io
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
LIST_SAMPLES = [
    DATA / "lists" / "mini-list.txt",
    DATA / "lists" / "mini-list-amended.txt",
    *sorted((DATA / "lists").glob("excerpt-*.txt")),
]
MILITARY_PDF = DATA / "pdf" / "common-military-list-2020.pdf"
ABSTRACTS = ROOT / "benchmarks" / "data" / "abstracts_dev.jsonl"
UK_SOURCE = ROOT / "control_lists" / "sources" / "uk-consolidated-2025-12-16"
FORMULAS = ("=cmd|' /C calc'!A0", "=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(1)", '=HYPERLINK("x")')
_REPR = re.compile(r"Traceback|\b\w+(?:Error|Exception)\(|<[\w.]+ object at 0x|<class '")


@dataclass(frozen=True)
class Outcome:
    """What one input came to: ``accepted`` or ``refused`` (with the user's message)."""

    kind: str
    message: str = ""


ACCEPTED = Outcome("accepted")


class Crash(AssertionError):
    """The property does not hold: an unclear refusal, something written on refusal, a result
    that is not one."""


def assert_clear(error: BaseException) -> Outcome:
    """``error`` as a refusal when it is a clear one; otherwise it is re-raised (a crash)."""
    from exportctl.errors import ExportctlError

    if not isinstance(error, ExportctlError):
        raise error
    message = error.message
    if not message.strip() or "\n" in message or "\r" in message or _REPR.search(message):
        raise Crash(f"unclear message from {type(error).__name__}: {message!r}")
    return Outcome("refused", f"[{error.code}] {message}")


def assert_cli_refusal(result: Any) -> Outcome:
    """A command's refusal: exit code 2 and one coded line on standard error, never E999."""
    stderr = result.stderr
    if result.exit_code != 2 or not stderr.startswith("error: [E") or "E999" in stderr:
        raise Crash(f"exit code {result.exit_code}: {stderr[-500:]!r} {result.exception!r}")
    if stderr.count("\n") != 1 or _REPR.search(stderr):
        raise Crash(f"not one clear line of error: {stderr!r}")
    return Outcome("refused", stderr.removeprefix("error: ").strip())


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder under ``folder`` (hidden ones too), with file contents."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
        if p.name != ".import.lock" and p.name != ".change.lock"
    }


# -- shared inputs ------------------------------------------------------------------------------


@functools.cache
def abstract_texts() -> tuple[str, ...]:
    """Real research abstracts (the development file), the seed of valid text."""
    with ABSTRACTS.open(encoding="utf-8") as handle:
        return tuple(json.loads(line)["text"] for line in handle if line.strip())[:40]


@functools.cache
def real_list_slice() -> str:
    """The first pages of the shipped UK list's text (ML1 to ML3, with their page footers)."""
    source = next(UK_SOURCE.glob("*.txt"))
    return "".join(source.read_text(encoding="utf-8").splitlines(keepends=True)[:190])


def real_abstract() -> st.SearchStrategy[str]:
    """One of the real abstracts (drawn by its index: a short repr in Hypothesis's reports)."""
    return st.integers(0, len(abstract_texts()) - 1).map(lambda i: abstract_texts()[i])


SCRIPTS = (
    "Разработка лазеров высокой мощности",
    "高功率光纤激光器的研究",
    "تطوير أجهزة الاستشعار",
    "量子コンピュータの開発",
    "Ανάπτυξη αισθητήρων",
    "שבבים אופטיים",
    "उच्च शक्ति लेजर",
)


def garbage_text() -> st.SearchStrategy[str]:
    """Any text: every code point (lone surrogates and control characters too), other scripts,
    real abstracts cut and mixed with junk, long repeats."""
    anything = st.text(st.characters(codec=None, categories=None), max_size=300)
    controls = st.text(st.characters(min_codepoint=0, max_codepoint=0x9F), max_size=200)
    real = real_abstract()
    return st.one_of(
        anything,
        controls,
        st.sampled_from(SCRIPTS),
        real,
        st.builds(lambda a, b, c: a + b + c, real, anything, st.sampled_from(SCRIPTS)),
        st.builds(lambda t, i: t[:i], real, st.integers(0, 2000)),
        st.builds(lambda unit, n: unit * n, st.text(max_size=8), st.integers(0, 30_000)),
        st.builds(
            lambda t, junk, n: t + junk * n,
            real,
            st.sampled_from("\x00\ufffd\ud800\x1b"),
            st.integers(0, 500),
        ),  # fmt: skip
    )


def mutated_bytes(base: bytes) -> st.SearchStrategy[bytes]:
    """``base`` truncated, with bytes flipped, a range deleted, duplicated or overwritten."""

    def flip(data: bytes, positions: list[int], value: int) -> bytes:
        out = bytearray(data)
        for p in positions:
            if out:
                out[p % len(out)] ^= value or 1
        return bytes(out)

    def cut(data: bytes, start: int, length: int) -> bytes:
        start %= max(len(data), 1)
        return data[:start] + data[start + length :]

    def dup(data: bytes, start: int, length: int) -> bytes:
        start %= max(len(data), 1)
        return data[: start + length] + data[start : start + length] + data[start + length :]

    def splice(data: bytes, start: int, junk: bytes) -> bytes:
        start %= max(len(data), 1)
        return data[:start] + junk + data[start + len(junk) :]

    n = st.integers(0, 1 << 30)
    return st.one_of(
        st.just(base),
        st.builds(lambda i: base[: i % (len(base) + 1)], n),
        st.builds(flip, st.just(base), st.lists(n, min_size=1, max_size=8), st.integers(0, 255)),
        st.builds(cut, st.just(base), n, st.integers(1, 4096)),
        st.builds(dup, st.just(base), n, st.integers(1, 4096)),
        st.builds(splice, st.just(base), n, st.binary(min_size=1, max_size=64)),
    )


def mutated_lines(base: str) -> st.SearchStrategy[str]:
    """``base`` with lines deleted, duplicated, swapped, or junk lines inserted."""
    lines = base.splitlines(keepends=True)
    junk = st.one_of(
        st.text(max_size=80),
        st.sampled_from(["ML99 \tItems\n", "3A001 \ta.\n", "Note:\t\n", "N.B.:\t\n", "a.\t\n",
                         "MLST_U22.docx \tUK Military List (Page 99 of 3) \t16 Dec 2025\n",
                         "\t\t\t\n", '"undefined term"\n', "Technical Note:\n", "\n" * 5]),
    )  # fmt: skip

    def edit(ops: list[tuple[int, int, int, str]]) -> str:
        out = list(lines)
        for op, i, j, text in ops:
            if not out:
                break
            i, j = i % len(out), j % len(out)
            if op == 0:
                del out[i]
            elif op == 1:
                out.insert(i, out[i])
            elif op == 2:
                out[i], out[j] = out[j], out[i]
            elif op == 3:
                out.insert(i, text if text.endswith("\n") else text + "\n")
            elif op == 4:
                out = out[: max(i, 1)]
            else:
                out[i] = out[i].replace("\t", " ").replace(".", "", 1)
        return "".join(out)

    op = st.tuples(st.integers(0, 5), st.integers(0, 1 << 20), st.integers(0, 1 << 20), junk)
    return st.builds(edit, st.lists(op, min_size=1, max_size=6))


# -- suggest: any text, any bytes ----------------------------------------------------------------


_ENGINE: list[Any] = []


def use_suggester(engine: Any) -> None:
    """Check suggestions with ``engine`` (one already loaded, e.g. the tests' own)."""
    _ENGINE[:] = [engine]


def suggester() -> Any:
    """The real engine over the shipped list, loaded once."""
    if not _ENGINE:
        from exportctl.suggest.engine import Suggester

        _ENGINE.append(Suggester.load())
    return _ENGINE[0]


def check_suggest_text(text: str) -> Outcome:
    """``Suggester.suggest``: a result (every candidate's score its evidence's sum) or a clear
    refusal."""
    from exportctl.suggest.result import SuggestionResult

    try:
        result = suggester().suggest(text, top_k=5)
    except Exception as error:  # noqa: BLE001 - judged by assert_clear
        return assert_clear(error)
    if not isinstance(result, SuggestionResult):
        raise Crash(f"suggest returned {type(result).__name__}")
    json.dumps(result.to_dict())  # what the CLI and the app print or store
    return ACCEPTED


ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "ascii", "shift_jis", "nope")


def _encode(pair: tuple[str, str]) -> bytes:
    """Text in an encoding: lone surrogates as Python keeps undecodable bytes
    (surrogateescape) where they can be, whatever the encoding cannot hold as '?'."""
    text, encoding = pair
    try:
        return text.encode(encoding, errors="surrogateescape")
    except UnicodeEncodeError:
        return text.encode(encoding, errors="replace")


def suggest_bytes() -> st.SearchStrategy[tuple[bytes, str]]:
    """Bytes on standard input with an ``--encoding``: text encoded any way, BOMs, raw bytes."""
    encodable = st.tuples(garbage_text(), st.sampled_from(ENCODINGS[:-1])).map(_encode)
    boms = st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])
    data = st.one_of(
        st.binary(max_size=2000),
        encodable,
        st.builds(bytes.__add__, boms, st.one_of(encodable, st.binary(max_size=200))),
    )
    return st.tuples(data, st.sampled_from(ENCODINGS))


def check_suggest_bytes(case: tuple[bytes, str]) -> Outcome:
    """``exportctl suggest - --encoding ENC`` with the bytes on standard input: results, or
    one coded line of error with exit code 2."""
    from click.testing import CliRunner

    from exportctl.cli import main
    from exportctl.suggest import commands

    data, encoding = case
    loaded = suggester()
    original, commands._suggester = commands._suggester, lambda: loaded  # loaded once per run
    try:
        result = CliRunner().invoke(main, ["-q", "suggest", "-", "--encoding", encoding,
                                           "--json"], input=data)  # fmt: skip
    finally:
        commands._suggester = original
    if result.exit_code == 0:
        if "controls" not in json.loads(result.stdout):
            raise Crash("no suggested controls in the JSON result")
        return ACCEPTED
    return assert_cli_refusal(result)


# -- the list importer: mutated list text, damaged PDFs -------------------------------------------


LIST_NAMES = ("x", "x", "x", "eu-military", "uk-consolidated")
#: How an import meets the dataset already there (x/2025-01-01): it replaces it (--replace), is
#: of another date, or is of the same date without --replace (refused before parsing).
MODES = ("replace", "new", "new", "existing")


def list_text() -> st.SearchStrategy[tuple[bytes, str, str]]:
    """(source bytes, --list-name, mode): real list text mutated line by line or byte by
    byte."""
    bases = [p.read_text(encoding="utf-8") for p in LIST_SAMPLES]
    real = real_list_slice()
    without_footers = "".join(
        line for line in real.splitlines(keepends=True) if ".docx" not in line
    )
    texts = st.sampled_from([*bases, real, without_footers]).flatmap(mutated_lines)
    encoded = texts.map(lambda t: t.encode("utf-8"))
    raw = st.sampled_from([b.encode("utf-8") for b in bases]).flatmap(mutated_bytes)
    return st.tuples(st.one_of(encoded, raw, st.binary(max_size=300)),
                     st.sampled_from(LIST_NAMES), st.sampled_from(MODES))  # fmt: skip


@functools.cache
def small_pdf() -> bytes:
    """A page of the EU Common Military List (2020) (ML1 to ML3), the real PDF cut short."""
    import pypdfium2

    source = pypdfium2.PdfDocument(str(MILITARY_PDF))
    cut = pypdfium2.PdfDocument.new()
    cut.import_pages(source, [2])
    buffer = io.BytesIO()
    cut.save(buffer)
    return buffer.getvalue()


def list_pdf() -> st.SearchStrategy[tuple[bytes, str, str]]:
    """(PDF bytes, --list-name, mode): a small real list PDF damaged."""
    return st.tuples(
        mutated_bytes(small_pdf()), st.sampled_from(LIST_NAMES), st.sampled_from(MODES)
    )


@functools.cache
def _existing_lists() -> Path:
    """An output folder holding one good import (x/2025-01-01), copied for every case."""
    from exportctl.lists.importer import import_source, write_dataset

    folder = Path(tempfile.mkdtemp(prefix="fuzz-lists-"))
    atexit.register(shutil.rmtree, folder, True)
    imported = import_source(LIST_SAMPLES[0], list_name="x", list_date="2025-01-01")
    write_dataset(imported, folder / "out")
    return folder / "out"


def _check_import(case: tuple[bytes, str, str], suffix: str) -> Outcome:
    from click.testing import CliRunner

    from exportctl.cli import main

    data, list_name, mode = case
    date = "2025-02-01" if mode == "new" else "2025-01-01"
    with tempfile.TemporaryDirectory(prefix="fuzz-import-") as folder:
        out = Path(folder) / "out"
        shutil.copytree(_existing_lists(), out)
        source = Path(folder) / f"source{suffix}"
        source.write_bytes(data)
        before = snapshot(out)
        args = ["-q", "import", str(source), "--list-name", list_name,
                "--list-date", date, "--output", str(out)]  # fmt: skip
        result = CliRunner().invoke(main, args + (["--replace"] if mode == "replace" else []))
        if result.exit_code != 0:
            outcome = assert_cli_refusal(result)
            if snapshot(out) != before:
                raise Crash(f"the output folder changed on a refusal: {outcome.message}")
            return outcome
        manifest = json.loads((out / list_name / date / "manifest.json").read_text())
        if manifest["counts"]["entries"] < 1 or manifest["source_sha256"] is None:
            raise Crash("a dataset without entries was written")
        replaced = list_name == "x" and mode == "replace"
        if replaced and not list((out / ".backups" / "x").glob("2025-01-01-*")):
            raise Crash("the replaced dataset was not kept as a backup")
        return ACCEPTED


def check_import_text(case: tuple[bytes, str, str]) -> Outcome:
    """``exportctl import SOURCE.txt``: a dataset, or a clear refusal and the output folder as
    it was."""
    return _check_import(case, ".txt")


def check_import_pdf(case: tuple[bytes, str, str]) -> Outcome:
    """``exportctl import SOURCE.pdf``: as for text."""
    return _check_import(case, ".pdf")


# -- uploads: one abstract (Screen), a batch (Batch) -----------------------------------------------


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in _writable(text.split("\n")):
        document.add_paragraph(paragraph)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Formula", FORMULAS[0]
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _writable(row: list[Any]) -> list[Any]:
    """A row openpyxl can write: characters XML cannot hold left out."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return [
        re.sub("[\ud800-\udfff]", "", ILLEGAL_CHARACTERS_RE.sub("", v)) if isinstance(v, str) else v
        for v in row
    ]


def _xlsx(rows: list[list[Any]], *, formulas: bool = False) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(_writable(row))
    if formulas:
        sheet.append(["f1", "=1+1", "=cmd|' /C calc'!A0"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


@functools.cache
def zip_bomb(kind: str) -> bytes:
    """An Office file whose one member unpacks to 101 MB of zeros (a few hundred kB packed),
    or (``many``) one of 10,001 members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if kind == "many":
            for number in range(10_001):
                archive.writestr(f"word/part{number}.xml", "")
        else:
            archive.writestr("word/document.xml", b"\0" * (101 * 1024 * 1024))
    return buffer.getvalue()


@functools.cache
def _valid_documents() -> dict[str, bytes]:
    from test_pdf_reader import build_pdf, text_ops

    text = abstract_texts()[0]
    lines = [text[i : i + 80] for i in range(0, 400, 80)]
    pdf = build_pdf([text_ops([(72, 700 - 14 * i, line) for i, line in enumerate(lines)])])
    return {"docx": _docx(text), "pdf": pdf, "txt": text.encode("utf-8")}


NAMES = ("abstract", "Abstract Notes", "a.b", ".hidden", "")
EXTENSIONS = ("txt", "pdf", "docx", "DOCX", "doc", "xlsx", "csv", "exe", "")


def document_upload() -> st.SearchStrategy[tuple[str, bytes]]:
    """(file name, bytes) as the Screen page's upload gets them."""
    valid = _valid_documents()
    kinds = st.sampled_from(sorted(valid))
    mutated = kinds.flatmap(lambda k: st.tuples(st.just(k), mutated_bytes(valid[k])))
    text = garbage_text().map(lambda t: ("txt", t.encode("utf-8", errors="surrogatepass")))
    data = st.one_of(
        mutated,
        text,
        st.builds(lambda: ("docx", zip_bomb("deep"))),
        st.builds(lambda: ("docx", zip_bomb("many"))),
        st.just(("txt", b"")),
        st.builds(lambda: ("txt", b"a" * (10 * 1024 * 1024 + 1))),
        st.builds(lambda t: ("docx", _docx(t)), garbage_text()),
        st.tuples(st.just("pdf"), st.binary(max_size=500)),
    )

    def named(base: str, ext: str | None, pair: tuple[str, bytes]) -> tuple[str, bytes]:
        extension = pair[0] if ext is None else ext
        return (f"{base}.{extension}" if extension else base or "upload", pair[1])

    ext = st.one_of(st.none(), st.none(), st.sampled_from(EXTENSIONS))
    return st.builds(named, st.sampled_from(NAMES), ext, data)


def check_document_upload(case: tuple[str, bytes]) -> Outcome:
    """``read_document``: the abstract's text, or a clear ``UploadError``."""
    from exportctl.config import MAX_TEXT_CHARS
    from exportctl.uploads import read_document

    name, data = case
    try:
        document = read_document(name, data)
    except Exception as error:  # noqa: BLE001 - judged by assert_clear
        return assert_clear(error)
    if not document.text.strip() or len(document.text) > MAX_TEXT_CHARS:
        raise Crash(f"accepted a document of {len(document.text)} characters")
    return ACCEPTED


HEADERS = ("id", "title", "abstract", "Text", "summary", "researcher", "", "Case ID", "=A1", "a\nb")


def _table_rows() -> st.SearchStrategy[list[list[Any]]]:
    cell = st.one_of(real_abstract(), st.sampled_from(FORMULAS),
                     st.text(max_size=40), st.integers(), st.none())  # fmt: skip
    header = st.lists(st.sampled_from(HEADERS), min_size=0, max_size=5)
    return header.flatmap(
        lambda h: st.lists(st.lists(cell, min_size=len(h), max_size=len(h) + 1), max_size=6).map(
            lambda rows: [h, *rows]
        )
    )


def table_upload() -> st.SearchStrategy[tuple[str, bytes, tuple[str | None, ...]]]:
    """(file name, bytes, chosen columns) as the Batch page's upload gets them: CSV and Excel
    tables with formulas and missing columns, damaged, empty, huge, zip bombs."""
    rows = _table_rows()
    csv_file = rows.map(lambda r: ("csv", _csv(r)))
    xlsx_file = st.builds(lambda r, f: ("xlsx", _xlsx(r, formulas=f)), rows, st.booleans())
    damaged = st.one_of(
        rows.map(_csv).flatmap(lambda b: st.tuples(st.just("csv"), mutated_bytes(b))),
        rows.map(_xlsx).flatmap(lambda b: st.tuples(st.just("xlsx"), mutated_bytes(b))),
    )
    data = st.one_of(
        csv_file,
        xlsx_file,
        damaged,
        st.tuples(st.just("csv"), st.binary(max_size=400)),
        st.builds(lambda: ("xlsx", zip_bomb("deep"))),
        st.builds(lambda: ("xlsx", zip_bomb("many"))),
        st.just(("csv", b"")),
        st.builds(lambda: ("csv", b"id,abstract\n" + b"1,laser\n" * 3_000_000)),
        st.builds(lambda: ("csv", b"id,abstract\n" + b"".join(b"%d,l\n" % i for i in range(2001)))),
    )
    columns = st.tuples(
        st.one_of(st.none(), st.sampled_from(HEADERS)),  # text column; None: the guessed one
        st.one_of(st.none(), st.sampled_from(HEADERS)),  # id
        st.one_of(st.none(), st.sampled_from(HEADERS)),  # title
    )
    ext = st.one_of(st.none(), st.none(), st.sampled_from(EXTENSIONS))
    return st.builds(
        lambda pair, e, cols: (f"batch.{pair[0] if e is None else e}", pair[1], cols),
        data, ext, columns,
    )  # fmt: skip


def check_table_upload(case: tuple[str, bytes, tuple[str | None, ...]]) -> Outcome:
    """``read_table`` then ``batch_rows``: rows, or a clear ``UploadError``. Accepted rows are
    written as the export writes text, and read back: no cell is a formula, every text is kept
    as it was read."""
    from exportctl.uploads import batch_rows, guess_columns, read_table

    name, data, (text_column, id_column, title_column) = case
    try:
        frame = read_table(name, data)
        guessed = guess_columns([str(c) for c in frame.columns])
        table = batch_rows(
            frame,
            text_column=text_column or guessed["text"] or str(frame.columns[0]),
            id_column=id_column,
            title_column=title_column,
        )
    except Exception as error:  # noqa: BLE001 - judged by assert_clear
        return assert_clear(error)
    _check_exported_as_text([row.text for row in table.rows] + [row.title for row in table.rows])
    return ACCEPTED


def _check_exported_as_text(texts: list[str]) -> None:
    """Write ``texts`` through the export's cells and read the workbook back with openpyxl:
    no formula, the text as written (its line endings as line feeds)."""
    import openpyxl

    from exportctl import xlsx_writer as xlsx
    from exportctl.export_excel import _cell, safe_text

    sheet = xlsx.Sheet("Cases", [40])
    for text in texts:
        value, style = _cell(text, False)
        sheet.append([value], [style])
    buffer = io.BytesIO()
    xlsx.save([sheet], buffer, creator="exportctl")
    cells = list(openpyxl.load_workbook(buffer).active.iter_rows(values_only=False))
    for text, (cell,) in zip(texts, cells, strict=True):
        # XML reads every line ending as a line feed: a carriage return comes back as one
        kept = re.sub("\r\n?", "\n", safe_text(text))
        if cell.data_type == "f" or (cell.value or "") != kept:
            raise Crash(f"exported {text[:60]!r} as {cell.data_type} {str(cell.value)[:60]!r}")


# -- ATAS rules files ------------------------------------------------------------------------------


RULES_VERSION = "2026-08-14"


@functools.cache
def _shipped_rules() -> Path:
    from exportctl.atas.defaults import RULES_DIR

    return RULES_DIR / RULES_VERSION


@functools.cache
def _rules_grids() -> dict[str, list[list[str]]]:
    """The shipped rules tables as officers' files (the stored CSVs are in the import format)."""
    from exportctl.atas.rules import TABLES

    grids = {}
    for kind, spec in TABLES.items():
        with (_shipped_rules() / spec.file).open(encoding="utf-8", newline="") as handle:
            grids[kind] = list(csv.reader(handle))
    return grids


def _edit_grid(grid: list[list[str]], ops: list[tuple[int, int, int, str]]) -> list[list[str]]:
    out = [list(row) for row in grid]
    for op, i, j, text in ops:
        if not out:
            break
        i = i % len(out)
        if op == 0:
            del out[i]
        elif op == 1:
            out.insert(i, list(out[i]))
        elif op == 2 and out[i]:
            out[i][j % len(out[i])] = text
        elif op == 3:
            out = [row[: j % (len(row) + 1)] + row[j % (len(row) + 1) + 1 :] for row in out]
        elif op == 4:
            out.insert(i, [text] * (j % 8))
        else:
            out = out[: max(i, 1)]
    return out


CELLS = ("", "CAH10-01-04", "CAH99-99-99", "cah10-01-04", "XX", "GB", "UK", "research", "phd",
         "official", "in-scope", "=1+1", "\x00", "a\nb", "CAH10", *FORMULAS[:2])  # fmt: skip


def rules_files() -> st.SearchStrategy[tuple[list[tuple[str, bytes, str]], bool]]:
    """Officers' rules files, [(file name, bytes, --encoding)], and whether --table names the
    first one's table (its file name): the shipped tables edited row
    by row and cell by cell, encoded any way, as CSV or Excel, damaged."""
    grids = _rules_grids()
    op = st.tuples(st.integers(0, 5), st.integers(0, 1 << 20), st.integers(0, 1 << 20),
                   st.one_of(st.sampled_from(CELLS), st.text(max_size=20)))  # fmt: skip
    edited = st.builds(
        lambda kind, ops: (kind, _edit_grid(grids[kind], ops)),
        st.sampled_from(sorted(grids)),
        st.lists(op, max_size=4),
    )

    def as_csv(pair: tuple[str, list[list[str]]], encoding: str) -> tuple[str, bytes, str]:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(pair[1])
        data = buffer.getvalue().encode(encoding, errors="replace")
        return (f"{pair[0]}.csv", data, encoding if encoding != "utf-16" else "utf-8")

    def as_xlsx(pairs: list[tuple[str, list[list[str]]]]) -> tuple[str, bytes, str]:
        import openpyxl

        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for kind, grid in pairs:
            sheet = workbook.create_sheet(kind if kind not in workbook.sheetnames else None)
            for row in grid:
                sheet.append(_writable(row))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return ("rules.xlsx", buffer.getvalue(), "utf-8")

    csv_file = st.builds(as_csv, edited, st.sampled_from(["utf-8", "utf-8-sig", "cp1252",
                                                          "utf-16", "latin-1"]))  # fmt: skip
    xlsx_file = st.lists(edited, min_size=1, max_size=3).map(as_xlsx)
    damaged = st.one_of(csv_file, xlsx_file).flatmap(
        lambda f: mutated_bytes(f[1]).map(lambda b: (f[0], b, f[2]))
    )
    odd = st.one_of(
        st.tuples(st.sampled_from(["rules.csv", "rules.xlsx", "rules.txt"]),
                  st.binary(max_size=300), st.sampled_from(["utf-8", "cp1252", "nope"])),
        st.builds(lambda: ("rules.xlsx", zip_bomb("deep"), "utf-8")),
        st.just(("rules.csv", b"", "utf-8")),
    )  # fmt: skip
    one = st.one_of(csv_file, xlsx_file, damaged, odd)
    return st.tuples(st.lists(one, min_size=1, max_size=3), st.booleans())


@functools.cache
def _rules_copy() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="fuzz-rules-")) / "rules"
    atexit.register(shutil.rmtree, folder.parent, True)
    shutil.copytree(_shipped_rules(), folder / RULES_VERSION)
    return folder


def check_rules_import(case: tuple[list[tuple[str, bytes, str]], bool]) -> Outcome:
    """``atas-rules import FILES --dry-run`` into a copy of the shipped rules: the difference
    shown, or a clear ``RulesError``; the rules in force as they were either way."""
    from exportctl.atas.rules import difference, load_rules, rules_lock, stage_import

    files, name_table = case
    table = Path(files[0][0]).stem if name_table and files[0][0].endswith(".csv") else None
    rules_dir = _rules_copy()
    before = snapshot(rules_dir)
    with tempfile.TemporaryDirectory(prefix="fuzz-rules-files-") as folder:
        paths = []
        for number, (name, data, _) in enumerate(files):
            path = Path(folder) / f"{number}-{name}"
            path.write_bytes(data)
            paths.append(path)
        try:
            with rules_lock(rules_dir):
                staged = stage_import(
                    paths,
                    version="2099-01-01",
                    verified_on="2099-01-01",
                    source="fuzz",
                    table=table if table != "rules" else None,
                    encoding=files[0][2],
                    rules_dir=rules_dir,
                )
                try:
                    difference(load_rules(rules_dir=rules_dir), staged.rules)
                finally:
                    staged.discard()
            outcome = ACCEPTED
        except Exception as error:  # noqa: BLE001 - judged by assert_clear
            outcome = assert_clear(error)
    if snapshot(rules_dir) != before:
        raise Crash(f"the rules folder changed ({outcome.kind}): {outcome.message}")
    if load_rules(rules_dir=rules_dir).version != RULES_VERSION:
        raise Crash("another rules version is in force")
    return outcome


# -- the targets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One fuzz target: its inputs and the check of one input."""

    name: str
    strategy: Callable[[], st.SearchStrategy[Any]]
    check: Callable[[Any], Outcome]


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("suggest-text", garbage_text, check_suggest_text),
        Target("suggest-bytes", suggest_bytes, check_suggest_bytes),
        Target("import-text", list_text, check_import_text),
        Target("import-pdf", list_pdf, check_import_pdf),
        Target("upload-document", document_upload, check_document_upload),
        Target("upload-table", table_upload, check_table_upload),
        Target("atas-rules", rules_files, check_rules_import),
    )
}


def refusal_kind(message: str) -> str:
    """A refusal's kind: its code and its words without the names and numbers in it."""
    kind = re.sub(r"is not \S+ text: byte 0x\w\w", "is not … text: byte …", message)
    kind = re.sub(r"(Its columns are:|repeats|from its columns) .*", r"\1 …", kind)
    kind = re.sub(r"'[^']*'|\"[^\"]*\"|/\S+|\d[\d,.]*", "…", kind)
    return kind[:110]


def damaged_member(archive: bytes, prefix: str) -> bytes:
    """``archive`` (a zip) with the compressed data of its first member named ``prefix...``
    made undecompressable (an invalid deflate block type), its sizes and checksum intact."""
    with zipfile.ZipFile(io.BytesIO(archive)) as source:
        member = next(i for i in source.infolist() if i.filename.startswith(prefix))
    start = member.header_offset
    name_length = int.from_bytes(archive[start + 26 : start + 28], "little")
    extra_length = int.from_bytes(archive[start + 28 : start + 30], "little")
    data = start + 30 + name_length + extra_length
    return archive[:data] + b"\xff" + archive[data + 1 :]


def unsupported_method(archive: bytes, name: str, *, field: int = 10, value: int = 99) -> bytes:
    """``archive`` (a zip) whose central directory gives member ``name`` a compression method
    Python cannot read (99), or another value to another two-byte field (6: the version
    needed to extract)."""
    start = archive.rfind(name.encode()) - 46  # the central directory's header of the member
    return archive[: start + field] + value.to_bytes(2, "little") + archive[start + field + 2 :]
