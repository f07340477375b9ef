"""The researcher's Screen page and the officer's Batch page in AppTest, with the real
suggestion engine."""

from __future__ import annotations

import io
import re

import docx
import pytest
from helpers_app import DEMO_OFFICER, DEMO_RESEARCHER, app_as, page_html, shown, texts

from exportctl.cases import CaseRepository
from exportctl.webapp.screen import FORM_KEY, widget_key

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


def key(at, name: str) -> str:
    """The key of a Screen widget in the form on show."""
    return widget_key(name, at.session_state[FORM_KEY])


def screen(at, text: str, title: str = "Fibre laser", **details):
    """Fill the form (details: partner, nationality, level) and press Suggest."""
    at.text_input(key=key(at, "title")).input(title)
    at.text_area(key=key(at, "text")).input(text)
    for name, value in details.items():
        at.session_state[key(at, name)] = value
    at.button(key="screen_suggest").click().run()
    assert not at.exception, at.exception
    return at


def summary(at) -> str:
    """What the page says will be sent (the table beside Submit)."""
    (table,) = [
        str(h.proto.body) for h in at.get("html") if 'class="facts-screen_summary"' in h.proto.body
    ]
    return table


def screened(text: str, **details):
    return screen(app_as(DEMO_RESEARCHER), text, **details)


def test_app_screen_suggest_answer_and_submit(repo):
    at = screened(LASER, nationality=["CN"], level="research")
    labels = [e.label for e in at.expander if e.label[:1].isdigit()]
    assert labels and labels[0].startswith("1. 6A005")
    page = texts(at)
    assert "Suggestion only — an export-control officer decides." in page
    assert re.search(r"Screening: (Likely listed|Possibly listed)\.", page)
    assert '<mark class="match"' in page and '<mark class="clause"' in page
    assert "ATAS assessment: **required**" in page
    assert {r.key for r in at.radio} >= {
        key(at, "answer_public_domain"),
        key(at, "answer_basic_research"),
        key(at, "answer_patent"),
        key(at, "answer_end_use"),
    }
    at.radio(key=key(at, "answer_public_domain")).set_value("yes")
    at.radio(key=key(at, "answer_end_use")).set_value("no")
    at.text_input(key=key(at, "answer_end_use_comment")).input("Civil aerospace only").run()
    # What will be sent is shown beside the button.
    sent = summary(at)
    assert "China (CN)" in sent and "Research degree (PhD" in sent
    assert "2 of 4 questions answered" in sent
    at.button(key="screen_submit").click().run()
    assert not at.exception
    (case,) = repo.list_cases(DEMO_RESEARCHER)
    assert f"Submitted as case {case.ref}" in texts(at)
    # The next case starts from an empty form, details and answers included.
    assert at.text_area(key=key(at, "text")).value == ""
    assert at.multiselect(key=key(at, "nationality")).value == []
    assert at.selectbox(key=key(at, "level")).value == ""
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
    at.text_area(key=key(at, "text")).input(LASER + " And a second laser.").run()
    assert "has changed since it was screened" in texts(at)
    assert at.button(key="screen_submit").disabled


def test_app_screen_changed_visitor_blocks_submit(repo):
    at = screened(LASER, nationality=["CN"], level="research")
    at.multiselect(key=key(at, "nationality")).set_value(["FR"]).run()
    assert "nationality or level has changed" in texts(at)
    assert at.button(key="screen_submit").disabled


def test_app_screen_two_abstracts_in_a_row_keep_their_own_details(repo):
    """The partner, visitor and level of one case are never stored with the next."""
    at = screened(LASER, partner="US", nationality=["IR"], level="research")
    at.button(key="screen_submit").click().run()
    screen(at, "Medieval manuscripts of northern England and their scribes.", title="Scribes")
    assert at.expander[0].label == "Partner and visitor (optional): none given"
    sent = summary(at)
    assert "United States" not in sent and "Iran" not in sent
    at.button(key="screen_submit").click().run()
    second, first = repo.list_cases(DEMO_RESEARCHER)
    assert (first.title, first.partner_country, first.visitor_nationality) == (
        "Fibre laser",
        "United States (US)",
        "Iran, Islamic Republic of (IR)",
    )
    assert first.atas_summary.startswith("ATAS")
    assert second.title == "Scribes"
    assert (second.partner_country, second.visitor_nationality, second.visitor_level) == (
        None,
        None,
        None,
    )
    assert second.atas_summary is None


def test_app_screen_new_screening_empties_the_form(repo):
    at = screened(LASER, partner="JP")
    at.button(key="screen_new").click().run()
    assert at.text_area(key=key(at, "text")).value == ""
    assert at.text_input(key=key(at, "title")).value == ""
    assert at.selectbox(key=key(at, "partner")).value == ""
    assert "What may apply" not in texts(at)
    assert repo.list_cases(DEMO_OFFICER) == []


def test_app_screen_levels_are_found_by_the_words_people_use(repo):
    at = app_as(DEMO_RESEARCHER)
    shown_options = list(at.selectbox(key=key(at, "level")).proto.options)
    (phd,) = [option for option in shown_options if "PhD" in option]
    assert phd.startswith("Research degree")
    assert any("postdoc" in option for option in shown_options)


def test_app_screen_empty_abstract_is_refused(repo):
    at = app_as(DEMO_RESEARCHER)
    at.button(key="screen_suggest").click().run()
    assert at.error[0].value == "Paste an abstract or upload a file first."
    assert repo.list_cases(DEMO_OFFICER) == []


def test_app_screen_html_abstract_is_shown_as_text(repo):
    at = screened(SCRIPT)
    bodies = page_html(at)
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
    at.text_area(key=key(at, "text")).input("My own text").run()
    at.file_uploader(key=key(at, "file")).set_value((name, data, "application/octet-stream"))
    at.run()
    assert message in shown(at.error[0].value)
    assert at.text_area(key=key(at, "text")).value == "My own text"
    assert repo.list_cases(DEMO_OFFICER) == []


def docx_bytes(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_app_screen_docx_upload_fills_the_abstract(repo):
    at = app_as(DEMO_RESEARCHER)
    at.file_uploader(key=key(at, "file")).set_value(
        ("laser-project.docx", docx_bytes(LASER), "application/octet-stream")
    ).run()
    assert not at.error
    assert at.text_area(key=key(at, "text")).value == LASER
    assert at.text_input(key=key(at, "title")).value == "laser-project"
    # Another file replaces the title it gave; a title typed by the user stays.
    at.file_uploader(key=key(at, "file")).set_value(
        ("radar-project.txt", b"A 77 GHz radar sensor.", "text/plain")
    ).run()
    assert at.text_input(key=key(at, "title")).value == "radar-project"
    at.text_input(key=key(at, "title")).input("My own title").run()
    at.file_uploader(key=key(at, "file")).set_value(
        ("third.txt", b"A third abstract.", "text/plain")
    ).run()
    assert at.text_input(key=key(at, "title")).value == "My own title"
    assert at.text_area(key=key(at, "text")).value == "A third abstract."


BATCH_CSV = (
    "ref,project,abstract,owner\n"
    'G-1,Laser,"' + LASER + '",researcher\n'
    "G-2,Pottery,Archaeology of Roman pottery in northern Britain,researcher2\n"
    "G-3,Empty,,researcher\n"
).encode()


def run_batch(at, name: str, data: bytes, owner_column: str | None = None):
    at.file_uploader(key="batch_file").set_value((name, data, "text/csv")).run()
    if owner_column:
        at.selectbox(key="batch_researcher_col").select(owner_column)
    at.button(key="batch_run_button").click().run()
    assert not at.exception
    return at


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
    assert cases["G-1"].researcher == "researcher" and cases["G-2"].researcher == "researcher2"
    assert cases["G-2"].researcher_name == "Ravi Researcher"
    assert cases["G-1"].source_name == "grants.csv"
    assert [c.id for c in repo.list_cases(DEMO_RESEARCHER)] == [cases["G-1"].id]


def test_app_batch_same_file_twice_creates_no_duplicates(repo):
    at = app_as(DEMO_OFFICER, page="batch")
    run_batch(at, "grants.csv", BATCH_CSV, "owner")
    at.button(key="batch_create").click().run()
    first = {c.external_id: c.ref for c in repo.list_cases(DEMO_OFFICER)}
    at = app_as(DEMO_OFFICER, page="batch")
    run_batch(at, "grants-again.csv", BATCH_CSV, "owner")
    page = texts(at)
    assert f"Left out: row 1 (G-1): the id is already case {first['G-1']}" in page
    assert f"Left out: row 2 (G-2): the id is already case {first['G-2']}" in page
    assert "Suggestions for 0 abstracts" in page
    assert [b.key for b in at.button if b.key == "batch_create"] == []
    assert len(repo.list_cases(DEMO_OFFICER)) == 2


@pytest.mark.parametrize(
    ("owner", "reason"),
    [
        ("nobody-such-user", "'nobody-such-user' is not a known researcher's user name"),
        ("officer", "'officer' is not a known researcher's user name"),
        ('=HYPERLINK(""http://x.example"",""go"")', "is not a known researcher's user name"),
        ("", "no researcher given"),
    ],
)
def test_app_batch_owner_must_be_a_known_researcher(repo, owner, reason):
    data = (
        "ref,abstract,owner\n"
        'P-1,A 77 GHz automotive radar sensor.,"' + owner + '"\n'
        "P-2,Roman pottery in northern Britain.,researcher\n"
    ).encode()
    at = run_batch(app_as(DEMO_OFFICER, page="batch"), "owners.csv", data, "owner")
    assert "Left out: row 1 (P-1): " in texts(at)
    assert reason in texts(at)
    at.button(key="batch_create").click().run()
    (case,) = repo.list_cases(DEMO_OFFICER)
    assert (case.external_id, case.researcher) == ("P-2", "researcher")


def test_app_batch_text_column_is_found_by_name_never_by_position(repo):
    data = b"notes,ref,body\nsee file,G-1,A laser for lidar\n"
    at = app_as(DEMO_OFFICER, page="batch")
    at.file_uploader(key="batch_file").set_value(("grants.csv", data, "text/csv")).run()
    assert at.selectbox(key="batch_text_col").value == ""  # not the first column
    assert at.button(key="batch_run_button").disabled
    assert "choose the column that holds the text" in texts(at)
    at.selectbox(key="batch_text_col").select("body").run()
    at.button(key="batch_run_button").click().run()
    assert "Suggestions for 1 abstracts" in texts(at)


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
    assert message in shown(at.error[0].value)
    assert len(at.button) == 1  # only sign-out: no run or create
    assert repo.list_cases(DEMO_OFFICER) == []


def test_app_batch_text_column_without_text(repo):
    data = b"ref,abstract,notes\nG-1,Some text,\nG-2,More text,\n"
    at = app_as(DEMO_OFFICER, page="batch")
    at.file_uploader(key="batch_file").set_value(("grants.csv", data, "text/csv")).run()
    at.selectbox(key="batch_text_col").select("notes")
    at.button(key="batch_run_button").click().run()
    assert "No row of the file has text in the column 'notes'." in shown(at.error[0].value)
    assert repo.list_cases(DEMO_OFFICER) == []
