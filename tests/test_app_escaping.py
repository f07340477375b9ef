"""Markdown and HTML typed by users are shown as text on every page, never rendered: titles,
abstracts, names, notes, reasons, answers and comments, ids, file names and search words go
through every page, and each string Streamlit reads as Markdown, rendered, holds no image, link,
emphasis, HTML or Streamlit directive from them. (The browser test checks that nothing is
fetched.)"""

from __future__ import annotations

import re

import pytest
from helpers_app import (
    DEMO_OFFICER,
    DEMO_RESEARCHER,
    app_as,
    markdown_sources,
    page_html,
    shown,
)
from helpers_cases import stored_result

from exportctl.auth import User
from exportctl.cases import AnswerInput, CaseRepository
from exportctl.webapp.review import SECTIONS_KEY
from exportctl.webapp.screen import FORM_KEY, widget_key

markdown_it = pytest.importorskip("markdown_it")

PAYLOAD = (
    "pwn ![pwn-image](http://127.0.0.1:9/pwn.png) [pwn-link](http://127.0.0.1:9/) **pwn-bold** "
    "www.pwn.example pwn@example.org "
    '<img src="http://127.0.0.1:9/pwn-img.png"> <b>pwn-html</b> :red[pwn-red] $pwn^2$ '
    "<script>window.__pwned=1</script>"
)
SHORT = "pwn *em* [x](http://127.0.0.1:9/) <i>i</i>"  # for fields with a length limit
RENDERER = markdown_it.MarkdownIt("commonmark", {"html": True})
MARKUP = ("<img", "<a ", "<script", "<b>", "<i>i", "<strong>pwn", "<em>", "<strong>em")
DIRECTIVES = re.compile(r"(?<!\\)(:red\[|\$pwn)")
AUTOLINKS = re.compile(r"https?://|www\.|\w@\w")


def assert_shown_as_text(at) -> None:
    """Nothing on the page renders user markup, and the user's text is on the page."""
    assert not at.exception, at.exception
    sources = markdown_sources(at)
    for source in sources:
        rendered = RENDERER.render(source)
        for markup in MARKUP:
            assert markup not in rendered, (markup, source)
        assert not DIRECTIVES.search(source), source
        # Bare addresses would become links (Streamlit's Markdown links them after escapes).
        assert not AUTOLINKS.search(shown(source)), source
    html = page_html(at)
    for markup in ("<img", "<script", "<a ", "<b>pwn", "<i>i"):
        assert markup not in html, markup
    visible = "\n".join(shown(s) for s in sources) + html
    assert "pwn" in visible, "the user's text is not on the page: the check would be empty"


@pytest.fixture()
def repo(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("EXPORTCTL_DATABASE_URL", url)
    repository = CaseRepository.open(url)
    yield repository
    repository.dispose()


@pytest.fixture()
def case_id(repo):
    """A case with user text in every field, reviewed and decided with user text too."""
    researcher = User("researcher", PAYLOAD, "researcher")
    case_id = repo.create_case(
        researcher,
        title=PAYLOAD,
        abstract=PAYLOAD,
        result=stored_result(PAYLOAD),
        answers={"public_domain": AnswerInput("Published?", "yes", PAYLOAD)},
        partner_country=PAYLOAD,
        visitor_nationality=PAYLOAD,
        visitor_level="research",
        source_name=PAYLOAD,
    )
    first, second = repo.get_case(DEMO_OFFICER, case_id).suggestions
    repo.review_suggestion(
        DEMO_OFFICER, first.id, status="confirmed", note=PAYLOAD, expected_version=1
    )
    repo.review_suggestion(
        DEMO_OFFICER, second.id, status="rejected", note=PAYLOAD, expected_version=1
    )
    case = repo.get_case(DEMO_OFFICER, case_id)
    repo.decide(
        DEMO_OFFICER,
        case_id,
        decision="listed_licence_needed",
        atas_decision="required",
        note=PAYLOAD,
        expected_version=case.version,
    )
    case = repo.get_case(DEMO_OFFICER, case_id)
    repo.reopen(DEMO_OFFICER, case_id, reason=PAYLOAD, expected_version=case.version)
    return case_id


def test_app_escaping_review(repo, case_id):
    at = app_as(DEMO_OFFICER)
    suggestions = repo.get_case(DEMO_OFFICER, case_id).suggestions
    at.session_state[SECTIONS_KEY] = {s.id: True for s in suggestions}
    at.run()
    assert at.radio(key=f"review_s{suggestions[0].id}_status").value == "confirmed"
    assert_shown_as_text(at)
    at.text_input(key="review_f_text").input(SHORT).run()
    assert_shown_as_text(at)


def test_app_escaping_review_flash_messages(repo, case_id):
    at = app_as(DEMO_OFFICER)
    at.text_input(key="review_goto").input(SHORT).run()
    assert "is not a case reference" in shown(at.error[0].value)
    assert_shown_as_text(at)


def test_app_escaping_my_cases(repo, case_id):
    at = app_as(DEMO_RESEARCHER, page="my_cases")
    assert_shown_as_text(at)


def test_app_escaping_screen(repo):
    at = app_as(DEMO_RESEARCHER)
    form = at.session_state[FORM_KEY]
    at.text_input(key=widget_key("title", form)).input(PAYLOAD)
    at.text_area(key=widget_key("text", form)).input(PAYLOAD + " A fibre laser at 30 W.")
    at.button(key="screen_suggest").click().run()
    at.text_input(key=widget_key("answer_public_domain_comment", form)).input(PAYLOAD).run()
    assert "What may apply" in "\n".join(markdown_sources(at))
    assert_shown_as_text(at)


def test_app_escaping_batch(repo):
    data = (
        "ref,title,abstract,owner\n"
        f'"{SHORT}","{PAYLOAD}","A laser. {PAYLOAD}","{SHORT}"\n'
        f'"G-2","{PAYLOAD}","A radar. {PAYLOAD}",researcher\n'
    ).encode()
    at = app_as(DEMO_OFFICER, page="batch")
    at.file_uploader(key="batch_file").set_value((f"{SHORT}.csv", data, "text/csv")).run()
    at.selectbox(key="batch_researcher_col").select("owner")
    at.button(key="batch_run_button").click().run()
    assert "is not a known researcher" in "\n".join(shown(s) for s in markdown_sources(at))
    assert_shown_as_text(at)


def test_app_escaping_browse(repo):
    at = app_as(DEMO_RESEARCHER, query={"code": SHORT})
    assert at.error, "an unknown code in the address is reported"
    assert_shown_as_text(at)
    at.text_input(key="browse_query").input(SHORT).run()
    assert_shown_as_text(at)


@pytest.mark.parametrize("page", ["export_page", "overview"])
def test_app_escaping_export_and_overview(repo, case_id, page):
    at = app_as(DEMO_OFFICER, page=page)
    at.text_input(key=f"{'export' if page == 'export_page' else page}_f_text").input(SHORT).run()
    assert_shown_as_text(at)


def test_app_escaping_sign_in(repo):
    at = app_as(None)
    at.text_input(key="signin_username").input(PAYLOAD)
    at.text_input(key="signin_password").input("x")
    at.button[0].click().run()
    assert "Unknown user name or wrong password." in at.error[0].value
    sources = markdown_sources(at)
    for source in sources:
        assert "pwn" not in source
