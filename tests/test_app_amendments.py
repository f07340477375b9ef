"""A list amendment in the app (AppTest, no browser): Review shows a flagged case first with
its decision, the suggestions under the new version and what changed, and records the
re-confirmation; Browse's "What changed" compares two imported versions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from helpers_app import DEMO_OFFICER, DEMO_RESEARCHER, app_as, page_html, texts
from helpers_cases import stored_result

from exportctl.cases import CaseRepository
from exportctl.lists.importer import import_source, write_dataset
from exportctl.lists.store import ControlList
from exportctl.webapp import changes

ABSTRACT = "Fibre laser delivering 30 W continuous output at 1064 nm."
CURRENT = ControlList.load().version  # the list the app uses
OLDER = "uk-consolidated/2024-01-01"  # not imported here
AMENDED = Path(__file__).parent / "data" / "lists" / "mini-list-amended.txt"
CHANGE = {
    "kind": "threshold_changed",
    "list_name": "dual-use",
    "entry": "6A005",
    "old_code": "6A005.a",
    "new_code": "6A005.a",
    "old_text": "Output power exceeding 30 W;",
    "new_text": "Output power exceeding 50 W;",
    "words": [["=", "Output power exceeding"], ["-", "30"], ["+", "50"], ["=", "W;"]],
    "thresholds": [
        {
            "dimension": "power",
            "old": "exceeding 30 W",
            "new": "exceeding 50 W",
            "old_value": 30.0,
            "new_value": 50.0,
            "unit": "W",
        }
    ],
    "minor": False,
}


@pytest.fixture()
def repo(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("EXPORTCTL_DATABASE_URL", url)
    repository = CaseRepository.open(url)
    yield repository
    repository.dispose()


def flagged_case(repo) -> int:
    """A case decided under an older version, flagged for the version in use with a changed
    threshold, and screened again under it."""
    result = replace(stored_result(ABSTRACT), list_version=OLDER)
    case_id = repo.create_case(
        DEMO_RESEARCHER, title="Fibre laser", abstract=ABSTRACT, result=result
    )
    first = repo.get_case(DEMO_OFFICER, case_id).suggestions[0]
    repo.review_suggestion(
        DEMO_OFFICER, first.id, status="confirmed", note=None, expected_version=first.version
    )
    repo.decide(
        DEMO_OFFICER,
        case_id,
        decision="listed_licence_needed",
        atas_decision="not_applicable",
        note="Above 30 W.",
        expected_version=repo.get_case(DEMO_OFFICER, case_id).version,
    )
    review_id = repo.flag_amendment(
        DEMO_OFFICER,
        case_id,
        from_version=OLDER,
        to_version=CURRENT,
        codes=["6A005.a"],
        changes=[CHANGE],
    )
    repo.store_amendment_result(
        DEMO_OFFICER,
        review_id,
        replace(stored_result(ABSTRACT, ("6A005.a", "6A005.b")), list_version=CURRENT),
    )
    return case_id


def test_app_amendments_review_shows_the_flagged_case_first(repo):
    other = repo.create_case(
        DEMO_RESEARCHER, title="Radar", abstract=ABSTRACT, result=stored_result(ABSTRACT)
    )
    case_id = flagged_case(repo)
    at = app_as(DEMO_OFFICER)
    assert not at.exception
    assert at.segmented_control(key="review_status").value == "amended"
    assert at.selectbox(key="review_case").value == case_id
    table = at.dataframe[0].value
    assert list(table["Case"]) == [f"C-{case_id:05d}"]
    assert list(table["List amended"]) == ["Re-review"]
    shown = texts(at)
    assert "The control list changed after this case was decided." in shown
    assert f"{OLDER} → {CURRENT}: 1 change to 6A005.a" in shown
    assert f"Decision under {OLDER}" in shown
    assert f"Suggestions under {CURRENT}" in shown
    # the version cases stood under is not imported here: named, not checked
    assert f"Cases standing under {OLDER} (1 case) could not be checked" in shown
    suggestions = next(d.value for d in at.dataframe if "On this case" in d.value.columns)
    assert list(zip(suggestions["Code"], suggestions["On this case"], strict=True)) == [
        ("6A005.a", "yes"),
        ("6A005.b", "new"),
    ]
    html = page_html(at)
    assert "exceeding 30 W → <b>exceeding 50 W</b>" in html
    assert '<del style="background-color: #fde2e1; text-decoration: line-through">30</del>' in html
    at.segmented_control(key="review_status").set_value("open").run()
    assert f"C-{other:05d}" in list(at.dataframe[0].value["Case"])


def test_app_amendments_reconfirm_is_recorded(repo):
    case_id = flagged_case(repo)
    at = app_as(DEMO_OFFICER)
    at.text_input(key=f"review_reconfirm_note_{case_id}").input("Our laser gives 80 W.")
    at.button(key=f"review_reconfirm_{case_id}").click().run()
    assert not at.exception
    assert f"C-{case_id:05d}: decision re-confirmed under {CURRENT}." in texts(at)
    case = repo.get_case(DEMO_OFFICER, case_id)
    assert (case.decision, case.decided_under, case.awaiting_rereview) == (
        "listed_licence_needed",
        CURRENT,
        False,
    )
    event = repo.audit_trail(DEMO_OFFICER, case_id)[-1]
    assert (event.action, event.actor, event.detail["note"]) == (
        "decision_reconfirmed",
        "officer",
        "Our laser gives 80 W.",
    )
    assert "The control list changed" not in texts(at)
    assert [q for q in at.segmented_control(key="review_status").options] == [
        "Open (0)",
        "Submitted (0)",
        "In review (0)",
        "Decided (1)",
        "Withdrawn (0)",
        "All (1)",
    ]


def test_app_amendments_redecide_records_the_list_in_use(repo):
    case_id = flagged_case(repo)
    at = app_as(DEMO_OFFICER)
    at.text_input(key=f"review_reopen_reason_{case_id}").input("The threshold changed.")
    at.button(key=f"review_reopen_{case_id}").click().run()
    at.selectbox(key=f"review_decision_{case_id}").select("listed_exempt_basic_research")
    at.selectbox(key=f"review_atas_{case_id}").select("not_applicable")
    at.button(key=f"review_decide_{case_id}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    case = repo.get_case(DEMO_OFFICER, case_id)
    assert (case.decision, case.decided_under) == ("listed_exempt_basic_research", CURRENT)
    assert case.amendment_reviews[-1].resolution == "redecided"
    assert [e.action for e in repo.audit_trail(DEMO_OFFICER, case_id)][-2:] == [
        "amendment_redecided",
        "case_decided",
    ]


# -- Browse: What changed ----------------------------------------------------------------------


@pytest.fixture()
def two_versions(tmp_path, monkeypatch, mini_list_path) -> list[Path]:
    for source, date in ((mini_list_path, "2025-12-16"), (AMENDED, "2026-06-01")):
        write_dataset(import_source(source, list_name="mini", list_date=date), tmp_path)
    folders = [tmp_path / "mini" / "2025-12-16", tmp_path / "mini" / "2026-06-01"]
    monkeypatch.setattr(changes, "available_datasets", lambda: folders)
    return folders


def test_app_amendments_browse_what_changed(repo, two_versions):
    at = app_as(DEMO_RESEARCHER, page="browse")
    at.segmented_control(key="browse_view").set_value("changes").run()
    assert not at.exception
    assert at.selectbox(key="changes_old").value == str(two_versions[0])
    assert at.selectbox(key="changes_new").value == str(two_versions[1])
    summary = at.dataframe[0].value
    counts = dict(zip(summary["Change"], summary["Count"], strict=True))
    assert counts["Clauses renumbered"] == 4 and counts["Thresholds changed"] == 1
    assert "mini/2025-12-16 → mini/2026-06-01" in texts(at)
    assert "11 changes in 3 entries" in texts(at)  # the minor one left out
    html = page_html(at)
    assert "exceeding 40 MHz → <b>exceeding 60 MHz</b>" in html
    assert "<code>ML1.d.3 → ML1.d.4</code> <b>renumbered</b>" in html
    at.checkbox(key="changes_minor").check().run()
    assert "12 changes in 3 entries" in texts(at)
    at.text_input(key="changes_entry").input("3A002").run()
    assert "1 change in 1 entry" in texts(at)
    assert "<b>entry added with 2 sub-items</b>" in page_html(at)


def test_app_amendments_browse_one_version_says_how_to_import(repo, monkeypatch):
    monkeypatch.setattr(changes, "available_datasets", lambda: [Path("/nowhere/uk/2025-12-16")])
    at = app_as(DEMO_OFFICER, page="browse")
    at.segmented_control(key="browse_view").set_value("changes").run()
    assert not at.exception
    assert "Only one list version is imported" in texts(at)
