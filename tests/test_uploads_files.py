from __future__ import annotations

import io
import tomllib

import docx
import pytest
from fuzz_targets import damaged_member, unsupported_method
from openpyxl import Workbook

from exportctl.appconfig import MAX_BATCH_BYTES, MAX_BATCH_ROWS, MAX_DOCUMENT_BYTES
from exportctl.config import PROJECT_DIR
from exportctl.uploads import (
    UploadError,
    batch_rows,
    guess_columns,
    read_document,
    read_table,
)

ABSTRACT = "We develop a 30 W fibre laser at 1064 nm for additive manufacturing of titanium."


def make_pdf(text: str) -> bytes:
    """A minimal one-page PDF with ``text`` in Helvetica (valid cross-reference table)."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def make_docx(*paragraphs: str) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_uploads_reads_txt_pdf_docx():
    assert read_document("a.txt", ABSTRACT.encode()).text == ABSTRACT
    assert read_document("a.TXT", b"\xef\xbb\xbf" + "Caf\u00e9".encode()).text == "Caf\u00e9"
    assert read_document("a.txt", "na\u00efve".encode("cp1252")).text == "na\u00efve"
    assert read_document("a.pdf", make_pdf("Fibre laser 30 W")).text == "Fibre laser 30 W"
    document = read_document("a.docx", make_docx("Title", ABSTRACT))
    assert document.kind == "docx" and document.text == f"Title\n{ABSTRACT}"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("abstract.exe", b"MZ...", "upload one of: .txt, .pdf, .docx"),
        ("abstract", b"text", "without an extension"),
        ("abstract.txt", b"", "is empty"),
        ("abstract.txt", b"   \n  ", "No text found"),
        ("abstract.txt", b"\x00\x01binary", "binary data"),
        ("abstract.pdf", b"%PDF-1.4 this is not really a pdf", "cannot be read as a PDF"),
        ("abstract.pdf", b"hello", "cannot be read as a PDF"),
        ("abstract.docx", b"PK\x03\x04 broken zip", "cannot be read as a Word"),
        ("abstract.docx", make_xlsx([["a"]]), "cannot be read as a Word"),
        ("abstract.pdf", make_pdf(""), "No text found"),
        # the document's compressed XML does not decompress (zlib.error)
        ("abstract.docx", damaged_member(make_docx("x"), "word/document"), "cannot be read"),
        # a compression method the zip reader does not know (NotImplementedError)
        (
            "abstract.docx",
            unsupported_method(make_docx("x"), "word/document.xml"),
            r"cannot be read as a Word \.docx document \(NotImplementedError\)",
        ),
        # a version needed to extract that the zip reader does not know (zip file version 14.8)
        (
            "abstract.docx",
            unsupported_method(make_docx("x"), "word/document.xml", field=6, value=148),
            r"cannot be read as a Word \.docx document \(NotImplementedError\)",
        ),
    ],
)
def test_uploads_bad_document_gives_clear_error(name, data, message):
    with pytest.raises(UploadError, match=message) as caught:
        read_document(name, data)
    assert caught.value.code == "E300"


def test_uploads_huge_document_is_refused():
    with pytest.raises(UploadError, match="the limit is 1 MB"):
        read_document("big.txt", b"a" * (1_048_576 + 1), max_bytes=1_048_576)
    with pytest.raises(UploadError, match="characters; the limit"):
        read_document("long.txt", b"word " * 50_000)


def test_uploads_reads_csv_and_xlsx_batches():
    csv_bytes = b"id,title,abstract\nP1,Laser,A laser\nP2,Sensor,A sensor\n,,\n"
    frame = read_table("batch.csv", csv_bytes)
    assert list(frame.columns) == ["id", "title", "abstract"]
    assert len(frame) == 2  # the blank line is dropped
    xlsx = make_xlsx([["Ref", "Project title", "Summary"], [1, "Laser", "A laser"]])
    frame = read_table("batch.xlsx", xlsx)
    assert frame.iloc[0].tolist() == ["1", "Laser", "A laser"]
    assert guess_columns(list(frame.columns)) == {
        "id": "Ref",
        "title": "Project title",
        "text": "Summary",
    }


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("batch.xls", b"\xd0\xcf\x11\xe0", "upload one of: .csv, .xlsx"),
        ("batch.csv", b"", "is empty"),
        ("batch.csv", b"\n\n", "no columns"),
        ("batch.csv", b"id,abstract\n", "no rows of data"),
        ("batch.csv", b'id,abstract\n1,"unterminated\n', "not a well-formed CSV"),
        ("batch.xlsx", b"PK\x03\x04 not a workbook", "cannot be read as an Excel"),
        ("batch.xlsx", b"plain text pretending", "cannot be read as an Excel"),
        ("batch.xlsx", make_docx("not a workbook"), "cannot be read as an Excel"),
        (
            "batch.xlsx",
            damaged_member(make_xlsx([["id"], ["1"]]), "xl/worksheets/"),
            r"cannot be read as an Excel \.xlsx workbook \(damaged compressed data\)",
        ),
    ],
)
def test_uploads_bad_batch_file_gives_clear_error(name, data, message):
    with pytest.raises(UploadError, match=message):
        read_table(name, data)


def test_uploads_malformed_csv_is_one_line_of_error():
    with pytest.raises(UploadError) as caught:
        read_table("batch.csv", b"id\n1\n2,3\n")
    assert caught.value.message == (
        "'batch.csv' is not a well-formed CSV file (Error tokenizing data. C error: Expected 1 "
        "fields in line 3, saw 2). Check the quoting and separators, or upload an .xlsx file."
    )


def test_uploads_missing_column_error_quotes_column_names_on_one_line():
    frame = read_table("batch.csv", b'"a\nb",id\nlaser,1\n')
    with pytest.raises(UploadError) as caught:
        batch_rows(frame, text_column="abstract", title_column="abstract")
    assert caught.value.message == "The file has no column 'abstract'. Its columns are: a\\nb, id."


def test_uploads_batch_row_limit():
    data = b"id,abstract\n" + b"".join(b"%d,text\n" % i for i in range(11))
    with pytest.raises(UploadError, match="11 rows; the limit is 10"):
        read_table("batch.csv", data, max_rows=10)


def test_uploads_batch_rows_by_chosen_columns():
    frame = read_table("b.csv", b"ref,name,body\nA1,Laser,A laser text\nA2,,Sensor text\nA3,X,\n")
    table = batch_rows(frame, id_column="ref", title_column="name", text_column="body")
    assert [(r.id, r.title, r.text) for r in table.rows] == [
        ("A1", "Laser", "A laser text"),
        ("A2", "Sensor text", "Sensor text"),
    ]
    assert table.skipped == ("A3: no text in 'body'",)
    untitled = batch_rows(frame, text_column="body")
    assert [r.id for r in untitled.rows] == ["row-1", "row-2"]


def test_uploads_batch_missing_or_bad_columns():
    frame = read_table("b.csv", b"ref,body\nA1,text\nA1,more\n")
    with pytest.raises(UploadError, match="no column 'abstract'. Its columns are: ref, body"):
        batch_rows(frame, text_column="abstract")
    with pytest.raises(UploadError, match="repeats A1"):
        batch_rows(frame, id_column="ref", text_column="body")
    empty = read_table("b.csv", b"ref,body,other\nA1,,x\n")
    with pytest.raises(UploadError, match="No row of the file has text"):
        batch_rows(empty, text_column="body")


# -- the limits as shipped (exportctl.appconfig), not lowered for the test ----------------------


def _batch_csv(rows: int, row_bytes: int = 20) -> bytes:
    header = b"id,abstract\n"
    filler = b"x" * max(row_bytes - 8, 1)  # "000042," and the newline take 8 bytes
    return header + b"".join(b"%06d,%s\n" % (i, filler) for i in range(rows))


def test_uploads_batch_of_2000_rows_is_accepted_and_2001_refused():
    assert MAX_BATCH_ROWS == 2_000
    assert len(read_table("batch.csv", _batch_csv(2_000))) == 2_000
    with pytest.raises(UploadError, match="has 2,001 rows; the limit is 2,000 per batch"):
        read_table("batch.csv", _batch_csv(2_001))
    xlsx = make_xlsx([["id", "abstract"], *([i, "A laser"] for i in range(2_001))])
    with pytest.raises(UploadError, match="has 2,001 rows; the limit is 2,000 per batch"):
        read_table("batch.xlsx", xlsx)


def test_uploads_batch_of_20_mb_is_accepted_and_one_byte_more_refused():
    assert MAX_BATCH_BYTES == 20 * 1_048_576
    row_bytes = (MAX_BATCH_BYTES - len(b"id,abstract\n")) // 2_000
    at_limit = _batch_csv(2_000, row_bytes)
    assert MAX_BATCH_BYTES - 2_000 < len(at_limit) <= MAX_BATCH_BYTES
    assert len(read_table("big.csv", at_limit)) == 2_000
    over = at_limit + b"y" * (MAX_BATCH_BYTES - len(at_limit) + 1)
    with pytest.raises(UploadError, match="the limit is 20 MB"):
        read_table("big.csv", over)


def test_uploads_document_of_more_than_10_mb_is_refused():
    assert MAX_DOCUMENT_BYTES == 10 * 1_048_576
    with pytest.raises(UploadError, match="'big.txt' is 10.0 MB; the limit is 10 MB"):
        read_document("big.txt", b"a" * (MAX_DOCUMENT_BYTES + 1))


def test_uploads_streamlit_lets_files_up_to_exportctl_limits_through():
    # Streamlit's own cap must be higher, so that users see exportctl's clearer messages.
    config = tomllib.loads((PROJECT_DIR / ".streamlit" / "config.toml").read_text())
    streamlit_cap = config["server"]["maxUploadSize"] * 1_048_576
    assert streamlit_cap > max(MAX_BATCH_BYTES, MAX_DOCUMENT_BYTES)
