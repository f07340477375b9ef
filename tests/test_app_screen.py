"""The researcher's Screen page and the officer's Batch page in AppTest, with the real
suggestion engine."""

from __future__ import annotations

import io

import docx
import pytest
from helpers_app import DEMO_OFFICER, DEMO_RESEARCHER, app_as, texts

from exportctl.cases import CaseRepository

LASER = (
    "We will develop a continuous wave fibre laser with an output power of 30 W at 1064 nm "
    "for additive manufacturing of titanium aerospace parts, with a partner in Japan."
)
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)> pulsed laser for lidar'


@pytest.fixture()
def repo(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("EXPORTCTL_DATABASE_URL", url)
    repository = CaseRepository.open(url)
    yield repository
    repository.dispose()


def screened(text: str, **inputs):
    at = app_as(DEMO_RESEARCHER)
    at.text_input(key="screen_title").input(inputs.pop("title", "Fibre laser"))
    at.text_area(key="screen_text").input(text)
    for key, value in inputs.items():
        at.session_state[key] = value
    at.button(key="screen_suggest").click().run()
    assert not at.exception, at.exception
    return at


def test_app_screen_suggest_answer_and_submit(repo):
    at = screened(LASER, screen_nationality=["CN"], screen_level="research")
    labels = [e.label for e in at.expander if e.label[:1].isdigit()]
    assert labels and labels[0].startswith("1. 6A005")
    page = texts(at)
    assert "Suggestion only — an export-control officer decides." in page
    assert '<mark class="match"' in page and '<mark class="clause"' in page
    assert "ATAS assessment: **required**" in page
    assert {r.key for r in at.radio} >= {
        "screen_answer_public_domain",
        "screen_answer_basic_research",
        "screen_answer_patent",
        "screen_answer_end_use",
    }
    at.radio(key="screen_answer_public_domain").set_value("yes")
    at.radio(key="screen_answer_end_use").set_value("no")
    at.text_input(key="screen_answer_end_use_comment").input("Civil aerospace only")
    at.button(key="screen_submit").click().run()
    assert not at.exception
    (case,) = repo.list_cases(DEMO_RESEARCHER)
    assert f"Submitted as case {case.ref}" in texts(at)
    assert at.text_area(key="screen_text").value == ""  # the form is cleared
    assert case.title == "Fibre laser"
    assert case.abstract == LASER
    assert case.suggestions[0].code.startswith("6A005")
    assert case.visitor_nationality == "China (CN)" and case.visitor_level == "research"
    assert case.atas_summary.startswith("ATAS required")
    assert case.rules_version
    answers = {a.key: (a.answer, a.comment) for a in case.answers}
    assert answers["public_domain"] == ("yes", None)
    assert answers["end_use"] == ("no", "Civil aerospace only")
    assert answers["patent"] == ("unanswered", None)


def test_app_screen_changed_text_blocks_submit(repo):
    at = screened(LASER)
    at.text_area(key="screen_text").input(LASER + " And a second laser.").run()
    assert "has changed since it was screened" in texts(at)
    assert at.button(key="screen_submit").disabled


def test_app_screen_empty_abstract_is_refused(repo):
    at = app_as(DEMO_RESEARCHER)
    at.button(key="screen_suggest").click().run()
    assert at.error[0].value == "Paste an abstract or upload a file first."
    assert repo.list_cases(DEMO_OFFICER) == []


def test_app_screen_html_abstract_is_shown_as_text(repo):
    at = screened(SCRIPT)
    bodies = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert "&lt;script&gt;" in bodies
    assert "<script" not in bodies and "<img" not in bodies


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("abstract.pdf", b"%PDF-1.4 broken", "cannot be read as a PDF"),
        ("abstract.txt", b"", "is empty"),
        ("abstract.docx", b"PK\x03\x04 broken", "cannot be read as a Word"),
    ],
)
def test_app_screen_bad_upload_changes_nothing(repo, name, data, message):
    at = app_as(DEMO_RESEARCHER)
    at.text_area(key="screen_text").input("My own text").run()
    at.file_uploader(key="screen_file").set_value((name, data, "application/octet-stream")).run()
    assert message in at.error[0].value
    assert at.text_area(key="screen_text").value == "My own text"
    assert repo.list_cases(DEMO_OFFICER) == []


def test_app_screen_docx_upload_fills_the_abstract(repo):
    document = docx.Document()
    document.add_paragraph(LASER)
    buffer = io.BytesIO()
    document.save(buffer)
    at = app_as(DEMO_RESEARCHER)
    at.file_uploader(key="screen_file").set_value(
        ("laser-project.docx", buffer.getvalue(), "application/octet-stream")
    ).run()
    assert not at.error
    assert at.text_area(key="screen_text").value == LASER
    assert at.text_input(key="screen_title").value == "laser-project"


BATCH_CSV = (
    "ref,project,abstract,owner\n"
    'G-1,Laser,"' + LASER + '",researcher\n'
    "G-2,Pottery,Archaeology of Roman pottery in northern Britain,\n"
    "G-3,Empty,,\n"
).encode()


def test_app_batch_runs_and_creates_cases(repo):
    at = app_as(DEMO_OFFICER, page="batch")
    at.file_uploader(key="batch_file").set_value(("grants.csv", BATCH_CSV, "text/csv")).run()
    assert at.selectbox(key="batch_text_col").value == "abstract"
    assert at.selectbox(key="batch_id_col").value == "ref"
    assert at.selectbox(key="batch_title_col").value == "project"
    at.selectbox(key="batch_researcher_col").select("owner")
    at.button(key="batch_run_button").click().run()
    assert not at.exception
    assert "Suggestions for 2 abstracts" in texts(at)
    assert "Left out: G-3: no text in 'abstract'" in texts(at)
    assert repo.list_cases(DEMO_OFFICER) == []  # nothing stored before 'Create cases'
    at.button(key="batch_create").click().run()
    assert "Created 2 cases" in texts(at)
    cases = {c.external_id: c for c in repo.list_cases(DEMO_OFFICER)}
    assert set(cases) == {"G-1", "G-2"}
    assert cases["G-1"].researcher == "researcher" and cases["G-2"].researcher == "officer"
    assert cases["G-1"].source_name == "grants.csv"
    assert [c.id for c in repo.list_cases(DEMO_RESEARCHER)] == [cases["G-1"].id]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("grants.xlsx", b"PK\x03\x04 not a workbook", "cannot be read as an Excel"),
        ("grants.csv", b"", "is empty"),
        ("grants.csv", b"ref,abstract\n", "no rows of data"),
        ("grants.csv", b"a" * (21 * 1024 * 1024), "the limit is 20 MB"),
    ],
)
def test_app_batch_bad_file_gives_message_and_changes_nothing(repo, name, data, message):
    at = app_as(DEMO_OFFICER, page="batch")
    at.file_uploader(key="batch_file").set_value((name, data, "text/csv")).run()
    assert message in at.error[0].value
    assert len(at.button) == 1  # only sign-out: no run or create
    assert repo.list_cases(DEMO_OFFICER) == []


def test_app_batch_text_column_without_text(repo):
    data = b"ref,abstract,notes\nG-1,Some text,\nG-2,More text,\n"
    at = app_as(DEMO_OFFICER, page="batch")
    at.file_uploader(key="batch_file").set_value(("grants.csv", data, "text/csv")).run()
    at.selectbox(key="batch_text_col").select("notes")
    at.button(key="batch_run_button").click().run()
    assert "No row of the file has text in the column 'notes'." in at.error[0].value
    assert repo.list_cases(DEMO_OFFICER) == []
