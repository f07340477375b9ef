"""The PDF reader: printed lines with label TABs, page furniture dropped, typed errors.

Small PDFs are written by hand here (a few objects and an xref table), so the unit tests need
no PDF-writing library and say exactly what is on the page. The real list PDF is read once per
run (the session fixture ``annex_i_lines``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from exportctl.errors import SourceFormatError
from exportctl.lists.pdf_reader import looks_like_control_list, read_pdf_lines
from exportctl.lists.source import SourceLine

DATA = Path(__file__).parent / "data" / "pdf"
REAL_PDF = DATA / "annex-i-2021-821.pdf"
MILITARY_PDF = DATA / "common-military-list-2020.pdf"

PAGE_HEIGHT = 842


# --- writing small PDFs ----------------------------------------------------------------------


def _escape(text: str) -> bytes:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")


def text_ops(runs: list[tuple[float, float, str]], *, size: float = 10) -> bytes:
    """Content stream showing each (x, y, text) run in Helvetica; ``^n`` in a text sets the
    next character as a superscript (smaller, raised), as word processors print exponents."""
    ops = [b"BT"]
    for x, y, text in runs:
        ops.append(b"/F1 %.1f Tf 0 Ts 1 0 0 1 %.2f %.2f Tm" % (size, x, y))
        for index, part in enumerate(text.split("^")):
            if index == 0:
                ops.append(b"(" + _escape(part) + b") Tj")
            else:
                raised = b"/F1 %.1f Tf %.1f Ts (" % (size * 0.6, size * 0.4)
                ops.append(raised + _escape(part[0]) + b") Tj")
                ops.append(b"/F1 %.1f Tf 0 Ts (" % size + _escape(part[1:]) + b") Tj")
    ops.append(b"ET")
    return b"\n".join(ops)


IMAGE_ONLY = b"q 400 0 0 600 100 100 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x10\x80\x80\x10 EI Q"


def build_pdf(pages: list[bytes | None], *, encrypted: bool = False) -> bytes:
    """A PDF with one page per content stream (``None``: a page with no content at all)."""
    objects: list[bytes] = [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", b""]
    pages_ref = 2
    kids: list[int] = []
    for content in pages:
        page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 %d]" % PAGE_HEIGHT
        if content is not None:
            objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
            page += b" /Resources << /Font << /F1 1 0 R >> >> /Contents %d 0 R" % len(objects)
        objects.append(page + b" >>")
        kids.append(len(objects))
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    objects[pages_ref - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1 + encrypted, len(objects))
    if encrypted:  # standard security handler; the empty user password does not open it
        objects.append(
            b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -4 /O <%s> /U <%s> >>"
            % (b"11" * 32, b"22" * 32)
        )
        trailer += b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (len(objects), b"ab" * 16, b"ab" * 16)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def furniture(page: int) -> list[tuple[float, float, str]]:
    """Running head, document footer and page number of page ``page`` of the example list."""
    return [
        (200, 805, "EXAMPLE LIST - CATEGORY 3 - ELECTRONICS"),
        (72, 45, "CAT3_R07.docx"),
        (250, 45, f"Dual-Use List - Category 3 [Page {page + 10} of 13]"),
        (290, 32, str(page + 10)),
    ]


EXAMPLE_PAGES = [
    [
        (72, 760, "3A"),
        (130, 760, "Systems, Equipment and Components"),
        (72, 740, "3A001"),
        (130, 740, "Electronic items as follows:"),
        (130, 725, "a."),
        (160, 725, "General purpose integrated circuits, as follows:"),
        (160, 710, "1."),
        (190, 710, "a."),
        (220, 710, "A total dose of 5 x 10^3 Gy (silicon) or higher;"),
        (160, 695, "Note:"),
        (200, 695, "3A001.a.1. does not control Metal Insulator Semiconductors (MIS)."),
        (200, 680, "3A001.b. to 3A001.c. apply to the items in 3A001.a. as well."),
    ],
    [
        (72, 760, "3A001.a.   continued"),
        (160, 740, "2."),
        (190, 740, "Microprocessor microcircuits;"),
        (72, 725, "3A002"),
        (130, 725, "General purpose electronic equipment as follows:"),
    ],
    [
        (30, 760, "[W]"),
        (72, 760, "3A003"),
        (130, 760, "Spray cooling thermal management systems;"),
        (72, 745, "3A004"),
        (130, 745, "Not used."),
        (72, 730, "ACRONYM"),
        (200, 730, "MEANING"),
    ],
]

EXAMPLE_LINES = [
    "3A\tSystems, Equipment and Components",
    "3A001\tElectronic items as follows:",
    "a.\tGeneral purpose integrated circuits, as follows:",
    "1.\ta.\tA total dose of 5 x 103 Gy (silicon) or higher;",
    "Note:\t3A001.a.1. does not control Metal Insulator Semiconductors (MIS).",
    "3A001.b. to 3A001.c. apply to the items in 3A001.a. as well.",
    "2.\tMicroprocessor microcircuits;",
    "3A002\tGeneral purpose electronic equipment as follows:",
    "[W]\t3A003\tSpray cooling thermal management systems;",
    "3A004\tNot used.",
    "ACRONYM\tMEANING",
]


@pytest.fixture(scope="module")
def example_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "example-list.pdf"
    pages = [text_ops(runs + furniture(n)) for n, runs in enumerate(EXAMPLE_PAGES, start=1)]
    path.write_bytes(build_pdf(pages))
    return path


@pytest.fixture(scope="module")
def example_lines(example_pdf: Path) -> list[SourceLine]:
    return read_pdf_lines(example_pdf)


# --- the reader on a small list ----------------------------------------------------------------


def test_pdf_reader_example_lines_exactly(example_lines: list[SourceLine]) -> None:
    assert [line.text for line in example_lines] == EXAMPLE_LINES


def test_pdf_reader_example_pages_documents_and_numbers(example_lines: list[SourceLine]) -> None:
    # The footer names the document and its printed page, as the text reader reports them.
    assert {line.document for line in example_lines} == {"CAT3_R07"}
    assert [line.page for line in example_lines] == [11] * 6 + [12] * 2 + [13] * 3
    assert [line.line_no for line in example_lines] == list(range(1, len(EXAMPLE_LINES) + 1))


def test_pdf_reader_example_accepts_str_path(example_pdf: Path) -> None:
    assert [line.text for line in read_pdf_lines(str(example_pdf))] == EXAMPLE_LINES


def test_pdf_reader_without_footers_uses_pdf_pages(tmp_path: Path) -> None:
    path = tmp_path / "plain.pdf"
    path.write_bytes(
        build_pdf([text_ops([(72, 760, "ML1"), (130, 760, "Smooth-bore weapons")])] * 2)
    )
    lines = read_pdf_lines(path)
    assert [(line.text, line.page, line.document) for line in lines] == [
        ("ML1\tSmooth-bore weapons", 1, None),
        ("ML1\tSmooth-bore weapons", 2, None),
    ]


def test_pdf_reader_non_list_pdf_reads_but_is_not_a_list(tmp_path: Path) -> None:
    path = tmp_path / "minutes.pdf"
    runs = [
        (72, 760, "Minutes of the research committee, 3 March"),
        (72, 745, "1. Apologies were received from two members."),
        (72, 730, "2. The budget for 2025 was agreed."),
    ]
    path.write_bytes(build_pdf([text_ops(runs)]))
    lines = read_pdf_lines(path)
    assert lines[0].text == "Minutes of the research committee, 3 March"
    assert not looks_like_control_list(lines)


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["3A001\tElectronic items", "3A002\tx", "3B001\tx", "4A003\tx", "5A002\tx"], True),
        ([f"ML{n}\tweapons" for n in range(1, 6)], True),
        (["[W]\t9A001\tx", "9A002\tx", "9A003\tx", "9A004\tx", "PL9002\tx"], True),
        (["3A001\tElectronic items"] * 5, False),  # one code repeated is not a list
        (["See 3A001 and 3A002, 3B001, 4A003 and 5A002."], False),  # cited, not listed
        (["Minutes of the meeting", "1. Apologies"], False),
        ([], False),
    ],
)
def test_pdf_reader_looks_like_control_list(texts: list[str], expected: bool) -> None:
    lines = [SourceLine(text=text, page=1, line_no=n) for n, text in enumerate(texts, 1)]
    assert looks_like_control_list(lines) is expected


# --- files it must refuse --------------------------------------------------------------------


def _truncated_real_pdf(tmp_path: Path) -> Path:
    data = REAL_PDF.read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 3])
    return path


def _write(name: str, data: bytes):
    def make(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return make


REFUSED = {
    "text renamed .pdf": (
        _write("list.pdf", b"3A001\tElectronic items as follows:\n"),
        "is not a PDF",
    ),
    "empty file": (_write("empty.pdf", b""), "is not a PDF"),
    "garbage after the header": (
        _write("garbage.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 20),
        "is not a readable PDF",
    ),
    "truncated real PDF": (_truncated_real_pdf, "may be truncated or damaged"),
    "encrypted": (
        _write("locked.pdf", build_pdf([text_ops([(72, 700, "x")])], encrypted=True)),
        "is encrypted",
    ),
    "no pages": (_write("nopages.pdf", build_pdf([])), "has no pages"),
    "scan (images only)": (
        _write("scan.pdf", build_pdf([IMAGE_ONLY, IMAGE_ONLY, None])),
        "has no text layer",
    ),
    "mostly scanned": (
        _write("mostly.pdf", build_pdf([text_ops([(72, 700, "3A001")]), IMAGE_ONLY, IMAGE_ONLY])),
        "2 of the 3 pages",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_pdf_reader_refuses_unreadable_files(case: str, tmp_path: Path) -> None:
    make, message = REFUSED[case]
    path = make(tmp_path)
    with pytest.raises(SourceFormatError, match=re.escape(message)) as raised:
        read_pdf_lines(path)
    assert raised.value.code == "E100"
    assert path.name in str(raised.value)


def test_pdf_reader_refuses_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceFormatError, match="No file at"):
        read_pdf_lines(tmp_path / "absent.pdf")


def test_pdf_reader_keeps_text_of_partly_blank_pdf(tmp_path: Path) -> None:
    # A blank page among text pages (a separator sheet) is logged, not refused.
    path = tmp_path / "blank-page.pdf"
    body = text_ops([(72, 700, "3A001"), (130, 700, "Electronic items as follows:")])
    path.write_bytes(build_pdf([body, None, body]))
    assert [line.page for line in read_pdf_lines(path)] == [1, 3]


# --- the real list ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_lines(annex_i_lines: list[SourceLine]) -> list[SourceLine]:
    """The 253-page EU Annex I PDF, read once per run (conftest.py)."""
    return annex_i_lines


@pytest.fixture(scope="module")
def real_texts(real_lines: list[SourceLine]) -> list[str]:
    return [line.text for line in real_lines]


@pytest.mark.slow
def test_pdf_reader_real_entry_line(real_lines: list[SourceLine]) -> None:
    found = [line for line in real_lines if line.text.startswith("3A001\t")]
    assert [(line.text, line.page) for line in found] == [
        ("3A001\tElectronic items as follows:", 108)
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "3A\tSystems, Equipment and Components",
        "a.\tGeneral purpose integrated circuits, as follows:",
        "Note:\tIntegrated circuits include the following types:",
        '1.\tA resolution of 8 bit or more, but less than 10 bit, with a "sample rate"',
        "N.B.\tSEE ALSO 3A101",
        "Note 1:\tThe control status of equipment and components described in 3A001 or 3A002, "
        "other than",
        "Technical Note:",
        # superscripts stay flat, as printed: 5 x 10^3 Gy
        "a.\tA total dose of 5 x 103 Gy (silicon) or higher;",
        "a.\tTotal Dose\t5 x 103 Gy (silicon);",
        # a table with a column gap
        "AHRS\tAttitude and Heading Reference Systems",
    ],
)
def test_pdf_reader_real_lines_present(real_texts: list[str], text: str) -> None:
    assert text in real_texts


@pytest.mark.slow
def test_pdf_reader_real_page_break_joins_nothing(real_lines: list[SourceLine]) -> None:
    # 3A001.a.2 runs from page 108 onto 109: the last line of one page is followed directly
    # by the first line of the next, without the running head or page number in between.
    index = next(i for i, line in enumerate(real_lines) if line.page == 109)
    assert real_lines[index - 1].text == "to 398 K (125°C);"
    assert real_lines[index - 1].page == 108
    assert real_lines[index].text.startswith("Note:\t3A001.a.2. does not control integrated")
    assert real_lines[index + 1].text == "railway train applications."
    assert real_lines[index + 2].text == "Technical Note:"  # "3A001.a. continued" dropped


RUNNING_HEADS = [
    "Notes",
    "DEFINITIONS OF TERMS",
    "CATEGORY 1 – SPECIAL MATERIALS AND RELATED EQUIPMENT",
    "CATEGORY 3 - ELECTRONICS",
    'CATEGORY 5 - TELECOMMUNICATIONS AND "INFORMATION SECURITY" PART 1',
    "CATEGORY 6 - SENSORS AND LASERS",
    "CATEGORY 9 – AEROSPACE AND PROPULSION",
    "2020 UPDATE OF THE EU CONTROL LIST OF DUAL-USE ITEMS",
]


@pytest.mark.slow
@pytest.mark.parametrize("head", RUNNING_HEADS)
def test_pdf_reader_real_running_heads_dropped(real_texts: list[str], head: str) -> None:
    # A category's heading is printed once in the body (kept); its running head on every
    # page is not.
    assert real_texts.count(head) <= 1


@pytest.mark.slow
def test_pdf_reader_real_no_page_numbers_or_continuation_heads(real_texts: list[str]) -> None:
    assert not [t for t in real_texts if re.fullmatch(r"\s*\d{1,3}\s*", t)]
    assert not [t for t in real_texts if re.search(r"\bcontinued$", t)]


@pytest.mark.slow
def test_pdf_reader_real_line_numbers_and_pages(real_lines: list[SourceLine]) -> None:
    assert [line.line_no for line in real_lines] == list(range(1, len(real_lines) + 1))
    pages = [line.page for line in real_lines]
    assert pages == sorted(pages)
    assert pages[0] == 1 and pages[-1] == 253
    assert all(line.document is None for line in real_lines)  # no .docx footers in this PDF


@pytest.mark.slow
def test_pdf_reader_real_codes_at_line_starts_in_order(
    real_texts: list[str], annex_i_layout_codes: list[str]
) -> None:
    # Every entry code pdftotext prints at a line start (continuation heads aside) is a line
    # start here too, in the same order.
    expected = annex_i_layout_codes
    found = [match[1] for text in real_texts if (match := re.match(r"^(\d[A-E]\d{3})\b", text))]
    assert len(expected) > 350
    remaining = iter(found)
    assert [code for code in expected if code not in remaining] == []
    assert sorted(set(found)) == sorted(set(expected))


@pytest.mark.slow
def test_pdf_reader_real_entries_tabbed(real_texts: list[str]) -> None:
    # An entry's code is set off by a TAB; a code that only starts a wrapped sentence is not.
    entries = {text.split("\t")[0] for text in real_texts if re.match(r"^\d[A-E]\d{3}\t", text)}
    assert {"0A001", "1C350", "3A001", "4A003", "5A002", "6A003", "9E003"} <= entries
    assert "9A004 or sounding rockets specified in 9A104." in real_texts


@pytest.mark.slow
def test_pdf_reader_real_looks_like_control_list(real_lines: list[SourceLine]) -> None:
    assert looks_like_control_list(real_lines)


@pytest.mark.slow
def test_pdf_reader_real_military_list() -> None:
    # A second real list, from another template: footer with the page number on one line.
    # Its contents (page 2) and definitions (pages 43-48) also start lines with ML codes.
    lines = read_pdf_lines(MILITARY_PDF)
    texts = [line.text for line in lines]
    codes = [
        match[1]
        for line in lines
        if 3 <= (line.page or 0) <= 42 and (match := re.match(r"^(ML\d{1,2})\t", line.text))
    ]
    assert codes == [f"ML{n}" for n in range(1, 23)]
    assert not [t for t in texts if "Forsvarsrelaterte varer 2020" in t]
    rifles = "a.\tRifles and combination guns, handguns, machine, sub-machine and volley guns;"
    assert rifles in texts
