"""The officer's Review page and the researcher's My cases page, in AppTest (no browser)."""

from __future__ import annotations

import pytest
from helpers_app import DEMO_OFFICER, DEMO_RESEARCHER, app_as, texts
from helpers_cases import stored_result

from exportctl.cases import CaseRepository

ABSTRACT = "Fibre laser delivering 30 W continuous output at 1064 nm."
SCRIPT_ABSTRACT = '<script>alert("x")</script><img src=x onerror=alert(1)> laser design'


@pytest.fixture()
def repo(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("EXPORTCTL_DATABASE_URL", url)
    repository = CaseRepository.open(url)
    yield repository
    repository.dispose()


def submit(repo, abstract=ABSTRACT, title="Fibre laser"):
    return repo.create_case(
        DEMO_RESEARCHER, title=title, abstract=abstract, result=stored_result(abstract)
    )


def test_app_review_confirm_reject_add_and_decide(repo):
    case_id = submit(repo)
    first, second = repo.get_case(DEMO_OFFICER, case_id).suggestions
    at = app_as(DEMO_OFFICER)
    assert not at.exception
    assert at.selectbox(key="review_case").value == case_id
    assert f"C-{case_id:05d}: Fibre laser" in texts(at)

    at.radio(key=f"review_s{second.id}_status").set_value("rejected")
    at.button(key=f"review_s{second.id}_save").click().run()
    assert "a rejection needs a note" in at.error[0].value
    assert repo.get_case(DEMO_OFFICER, case_id).suggestions[1].status == "pending"

    at.text_input(key=f"review_s{second.id}_note").input("Not production technology")
    at.button(key=f"review_s{second.id}_save").click().run()
    assert "6E002: rejected." in texts(at)
    at.radio(key=f"review_s{first.id}_status").set_value("confirmed")
    at.button(key=f"review_s{first.id}_save").click().run()

    at.text_input(key=f"review_add_query_{case_id}").input("6A005.b").run()
    at.selectbox(key=f"review_add_code_{case_id}").select("6A005.b")
    at.text_input(key=f"review_add_note_{case_id}").input("Pulsed mode too")
    at.button(key=f"review_add_submit_{case_id}").click().run()
    assert "6A005.b added and confirmed." in texts(at)

    at.selectbox(key=f"review_decision_{case_id}").select("listed_licence_needed")
    at.selectbox(key=f"review_atas_{case_id}").select("not_required")
    at.text_area(key=f"review_note_{case_id}").input("Licence before shipping")
    at.button(key=f"review_decide_{case_id}").click().run()
    assert not at.exception
    case = repo.get_case(DEMO_OFFICER, case_id)
    assert case.status == "decided"
    assert case.decision == "listed_licence_needed"
    assert case.confirmed_codes == ("6A005.a", "6A005.b")
    assert case.officer == "officer"
    actions = [e.action for e in repo.audit_trail(DEMO_OFFICER, case_id)]
    assert actions == [
        "case_submitted",
        "suggestion_rejected",
        "suggestion_confirmed",
        "entry_added",
        "case_decided",
    ]


def test_app_review_stale_save_is_refused_and_nothing_overwritten(repo):
    case_id = submit(repo)
    at = app_as(DEMO_OFFICER)
    # Another officer decides while this page is open.
    case = repo.get_case(DEMO_OFFICER, case_id)
    repo.decide(
        DEMO_OFFICER.__class__("ola", "Ola", "officer"),
        case_id,
        decision="refer_ecju",
        atas_decision="not_assessed",
        note=None,
        expected_version=case.version,
    )
    at.selectbox(key=f"review_decision_{case_id}").select("not_listed")
    at.button(key=f"review_decide_{case_id}").click().run()
    assert "changed by someone else" in at.error[0].value
    assert repo.get_case(DEMO_OFFICER, case_id).decision == "refer_ecju"


def test_app_review_html_in_abstract_is_shown_as_text(repo):
    submit(repo, abstract=SCRIPT_ABSTRACT, title="<b>Bold</b> title")
    at = app_as(DEMO_OFFICER)
    bodies = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in bodies
    assert "<script" not in bodies and "<img" not in bodies
    assert at.header[0].value.endswith(r"\<b\>Bold\</b\> title")


def test_app_review_researcher_sees_own_cases_and_decision(repo):
    case_id = submit(repo)
    repo.create_case(
        DEMO_OFFICER.__class__("researcher2", "Ravi", "researcher"),
        title="Someone else's",
        abstract=ABSTRACT,
        result=stored_result(ABSTRACT),
    )
    case = repo.get_case(DEMO_OFFICER, case_id)
    repo.decide(
        DEMO_OFFICER,
        case_id,
        decision="not_listed",
        atas_decision="not_applicable",
        note=None,
        expected_version=case.version,
    )
    at = app_as(DEMO_RESEARCHER, page="my_cases")
    assert not at.exception
    assert at.selectbox(key="mycases_case").options == [f"C-{case_id:05d} — Fibre laser"]
    assert "Decision: **Not listed**" in texts(at)
