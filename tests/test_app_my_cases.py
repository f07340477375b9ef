"""The researcher's My cases page in AppTest: their own cases only, the decision, their answers
and comments, corrections before review and withdrawal."""

from __future__ import annotations

import pytest
from helpers_app import DEMO_OFFICER, DEMO_RESEARCHER, app_as, shown, texts
from helpers_cases import stored_result

from exportctl.auth import User
from exportctl.cases import AnswerInput, CaseRepository

ABSTRACT = "Fibre laser delivering 30 W continuous output at 1064 nm."
RAVI = User("researcher2", "Ravi Researcher", "researcher")


@pytest.fixture()
def repo(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("EXPORTCTL_DATABASE_URL", url)
    repository = CaseRepository.open(url)
    yield repository
    repository.dispose()


def submit(repo, user=DEMO_RESEARCHER, title="Fibre laser"):
    return repo.create_case(
        user,
        title=title,
        abstract=ABSTRACT,
        result=stored_result(ABSTRACT),
        answers={
            "public_domain": AnswerInput("Will the results be published?", "yes", "In Nature"),
            "end_use": AnswerInput("Any military end use?", "unanswered"),
        },
        partner_country="Japan (JP)",
    )


def test_app_my_cases_shows_own_cases_decision_and_comments(repo):
    case_id = submit(repo)
    submit(repo, RAVI, title="Someone else's")
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
    answers = at.dataframe[-1].value
    assert list(answers["Your comment"]) == ["In Nature", ""]
    assert "Someone else's" not in texts(at)
    # A decided case can no longer be changed or withdrawn.
    assert f"mycases_save_{case_id}" not in [b.key for b in at.button]
    assert f"mycases_withdraw_button_{case_id}" not in [b.key for b in at.button]


def test_app_my_cases_correct_details_and_answers_before_review(repo):
    case_id = submit(repo)
    at = app_as(DEMO_RESEARCHER, page="my_cases")
    at.text_input(key=f"mycases_title_{case_id}").input("Fibre laser for welding")
    at.selectbox(key=f"mycases_partner_{case_id}").select("")
    at.button(key=f"mycases_save_{case_id}").click().run()
    assert "Saved." in texts(at)
    case = repo.get_case(DEMO_RESEARCHER, case_id)
    assert (case.title, case.partner_country) == ("Fibre laser for welding", None)
    at.radio(key=f"mycases_answer_{case_id}_end_use").set_value("no")
    at.text_input(key=f"mycases_comment_{case_id}_end_use").input("Civil welding only")
    at.button(key=f"mycases_save_answers_{case_id}").click().run()
    assert "Saved 1 changed answers." in texts(at)
    answers = {a.key: (a.answer, a.comment) for a in repo.get_case(DEMO_OFFICER, case_id).answers}
    assert answers["end_use"] == ("no", "Civil welding only")
    assert answers["public_domain"] == ("yes", "In Nature")


def test_app_my_cases_no_changes_once_review_started(repo):
    case_id = submit(repo)
    s = repo.get_case(DEMO_OFFICER, case_id).suggestions[0]
    at = app_as(DEMO_RESEARCHER, page="my_cases")
    repo.review_suggestion(DEMO_OFFICER, s.id, status="confirmed", note=None, expected_version=1)
    # The page was opened before the officer's save: saving is refused, nothing changes.
    at.text_input(key=f"mycases_title_{case_id}").input("Late title")
    at.button(key=f"mycases_save_{case_id}").click().run()
    assert "before an officer starts the review" in shown(at.error[0].value)
    assert repo.get_case(DEMO_OFFICER, case_id).title == "Fibre laser"
    at = app_as(DEMO_RESEARCHER, page="my_cases")
    assert f"mycases_save_{case_id}" not in [b.key for b in at.button]
    assert "can no longer be changed here" in texts(at)


def test_app_my_cases_withdraw(repo):
    case_id = submit(repo)
    at = app_as(DEMO_RESEARCHER, page="my_cases")
    at.button(key=f"mycases_withdraw_button_{case_id}").click().run()
    assert "Say why the case is withdrawn." in shown(at.error[0].value)
    at.text_input(key=f"mycases_withdraw_reason_{case_id}").input("Project cancelled")
    at.button(key=f"mycases_withdraw_button_{case_id}").click().run()
    assert "The case is withdrawn." in texts(at)
    assert repo.get_case(DEMO_OFFICER, case_id).status == "withdrawn"
    assert "You withdrew this case." in texts(at)


def test_app_my_cases_deep_link_and_other_researchers_case(repo):
    mine_old = submit(repo, title="Older case")
    submit(repo, title="Newer case")
    theirs = submit(repo, RAVI, title="Ravi's case")
    at = app_as(DEMO_RESEARCHER, query={"case": f"C-{mine_old:05d}"})
    assert at.selectbox(key="mycases_case").value == mine_old
    assert f"C-{mine_old:05d}: Older case" in texts(at)
    at = app_as(DEMO_RESEARCHER, query={"case": f"C-{theirs:05d}"})
    assert f"No case C-{theirs:05d} that you can see." in shown(at.error[0].value)
    assert "Ravi's case" not in texts(at)


def test_app_my_cases_empty(repo):
    at = app_as(DEMO_RESEARCHER, page="my_cases")
    assert "You have no cases yet." in texts(at)
