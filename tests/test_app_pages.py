"""The Export, Browse and Overview pages in AppTest (no browser)."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta

import pytest
from helpers_app import DEMO_OFFICER, DEMO_RESEARCHER, app_as, shown, texts
from helpers_cases import stored_result
from openpyxl import load_workbook

from exportctl.auth import User
from exportctl.cases import CaseRepository
from exportctl.cases.records import CaseFacts, ConfirmedEntry, OverviewData
from exportctl.webapp import overview

ABSTRACT = "Fibre laser delivering 30 W continuous output at 1064 nm."
RAVI = User("researcher2", "Ravi Researcher", "researcher")


@pytest.fixture()
def repo(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("EXPORTCTL_DATABASE_URL", url)
    repository = CaseRepository.open(url)
    yield repository
    repository.dispose()


def submit(repo, user=DEMO_RESEARCHER, title="Fibre laser", codes=("6A005.a", "6E002")):
    return repo.create_case(
        user, title=title, abstract=ABSTRACT, result=stored_result(ABSTRACT, codes)
    )


def decide(repo, case_id, decision="listed_licence_needed"):
    case = repo.get_case(DEMO_OFFICER, case_id)
    first = case.suggestions[0]
    repo.review_suggestion(
        DEMO_OFFICER, first.id, status="confirmed", note=None, expected_version=first.version
    )
    case = repo.get_case(DEMO_OFFICER, case_id)
    repo.decide(
        DEMO_OFFICER,
        case_id,
        decision=decision,
        atas_decision="not_applicable",
        note=None,
        expected_version=case.version,
    )


# -- Export ----------------------------------------------------------------------------------


def test_app_export_filtered_workbook(repo):
    decided = submit(repo, title="Decided laser")
    decide(repo, decided)
    submit(repo, RAVI, title="Open radar", codes=("6A008.d",))
    at = app_as(DEMO_OFFICER, page="export_page")
    assert not at.exception
    assert [(m.label, m.value) for m in at.metric] == [
        ("Submitted, waiting for review", "1"),
        ("In review", "0"),
        ("Decided", "1"),
        ("Withdrawn by the researcher", "0"),
    ]
    assert "Selected: 2 cases (all cases)." in texts(at)
    at.multiselect(key="export_f_status").select("decided").run()
    assert "Selected: 1 cases (status Decided)." in texts(at)
    at.button(key="export_prepare").click().run()
    assert not at.exception
    assert "Ready: 1 cases" in texts(at)
    assert at.get("download_button")
    data = at.session_state["export_ready"].data
    workbook = load_workbook(io.BytesIO(data))
    rows = list(workbook["Cases"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2]) for r in rows] == [(f"C-{decided:05d}", "Decided laser")]
    about = dict(workbook["About"].iter_rows(values_only=True))
    assert about["Scope"] == "status Decided" and about["Cases"] == 1
    last = repo.audit_trail(DEMO_OFFICER)[-1]
    # Recorded once the workbook was made, naming the file offered and its hash.
    assert last.action == "decisions_exported"
    assert last.detail["cases"] == 1 and last.detail["scope"] == "status Decided"
    assert last.detail["file"] == at.session_state["export_ready"].file_name
    assert last.detail["sha256"] == hashlib.sha256(data).hexdigest()
    assert last.detail["chain_head"] == about["Audit chain head"]
    # Another selection drops the prepared file.
    at.multiselect(key="export_f_status").set_value([]).run()
    assert "export_download" not in [b.key for b in at.get("download_button")]


def test_app_export_nothing_selected(repo):
    at = app_as(DEMO_OFFICER, page="export_page")
    assert at.button(key="export_prepare").disabled


# -- Browse ----------------------------------------------------------------------------------


def test_app_browse_opens_on_the_dual_use_list(repo):
    at = app_as(DEMO_RESEARCHER, page="browse")
    assert not at.exception
    assert at.selectbox(key="browse_list").value == "dual-use"
    assert "Search, or pick a list and an entry" in texts(at)


def test_app_browse_deep_link_opens_the_clause_and_its_list(repo):
    at = app_as(DEMO_RESEARCHER, query={"code": "ML22"})
    assert not at.exception
    assert at.subheader[0].value == "ML22"
    assert at.selectbox(key="browse_list").value == "military"
    assert at.selectbox(key="browse_entry").value == "ML22"
    at = app_as(DEMO_OFFICER, query={"code": "6A005"})
    assert at.subheader[0].value == "6A005"
    assert "Text with its parents" in texts(at)


def test_app_browse_another_list_closes_the_old_clause(repo):
    at = app_as(DEMO_RESEARCHER, query={"code": "6A005"})
    assert at.subheader[0].value == "6A005"
    at.selectbox(key="browse_list").select("military").run()
    assert not at.subheader
    assert at.selectbox(key="browse_entry").value is None
    assert "code" not in at.query_params
    at.selectbox(key="browse_entry").select("ML10").run()
    assert at.subheader[0].value == "ML10"


def test_app_browse_search_and_unknown_code(repo):
    at = app_as(DEMO_RESEARCHER, page="browse")
    at.text_input(key="browse_query").input("fibre laser").run()
    hit = next(b for b in at.button if b.key and b.key.startswith("browse_hit_6A005"))
    hit.click().run()
    assert at.subheader[0].value.replace("\\", "").startswith("6A005")
    at = app_as(DEMO_RESEARCHER, query={"code": "6A999"})
    assert "No clause '6A999'" in shown(at.error[0].value)


def test_app_browse_related_entries_without_regime_markers(repo):
    """6E002's list text ends in a stray '[WS*' marker; titles shown leave it out."""
    from exportctl.webapp.display import clause_title

    assert clause_title("materials specified in 6A, 6B or 6C. [WS*") == (
        "materials specified in 6A, 6B or 6C."
    )


# -- Overview --------------------------------------------------------------------------------


def test_app_overview_charts_and_figures(repo):
    first = submit(repo)
    decide(repo, first)
    second = submit(repo, RAVI, codes=("6A008.d", "6E002"))
    decide(repo, second, "listed_exempt_basic_research")
    submit(repo, title="Waiting")
    at = app_as(DEMO_OFFICER, page="overview")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Cases"] == "3"
    assert metrics["Waiting for review"] == "1"
    assert metrics["Decided"] == "2"
    assert float(metrics["Median days to decision"]) >= 0
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    titles = [
        c.get("title", {}).get("text") if isinstance(c.get("title"), dict) else c.get("title")
        for c in charts
    ]
    assert titles == [
        "Submitted per week, by status now",
        "Decisions per week",
        f"Most often confirmed entries (top {overview.TOP_ENTRIES})",
        "Confirmed entries by category",
        "ATAS outcomes",
        "Days from submission to decision",
    ]


def test_app_overview_empty(repo):
    at = app_as(DEMO_OFFICER, page="overview")
    assert "No cases yet" in texts(at)


def test_app_overview_tables():
    t0 = __import__("datetime").datetime(2026, 3, 2, 10)  # a Monday
    data = OverviewData(
        cases=(
            CaseFacts(
                1,
                "decided",
                "listed_licence_needed",
                "required",
                "ATAS required: x",
                t0,
                t0 + timedelta(days=2),
            ),
            CaseFacts(
                2,
                "decided",
                "not_listed",
                "not_applicable",
                None,
                t0 + timedelta(days=1),
                t0 + timedelta(days=9),
            ),
            CaseFacts(3, "submitted", None, None, "ATAS check", t0 + timedelta(days=7), None),
        ),
        confirmed=(
            ConfirmedEntry(1, "6A005.a", "6A005", "dual-use"),
            ConfirmedEntry(1, "6A005.b", "6A005", "dual-use"),  # one case, one entry
            ConfirmedEntry(2, "ML10.a", "ML10", "military"),
        ),
    )
    frame = overview.cases_frame(data)
    weeks = overview.submitted_by_week(frame)
    assert weeks["cases"].sum() == 3 and weeks["week"].nunique() == 2
    assert list(overview.days_to_decision(frame)) == [2.0, 8.0]
    entries = overview.confirmed_entries(data)
    assert entries.to_dict("records") == [
        {"entry": "6A005", "cases": 1},
        {"entry": "ML10", "cases": 1},
    ]
    categories = dict(overview.confirmed_categories(data).values.tolist())
    assert categories == {"6 Sensors and lasers": 1, "UK Military List (Schedule 2)": 1}
    atas = {
        (r["source"], r["outcome"]): r["cases"]
        for r in overview.atas_outcomes(frame).to_dict("records")
    }
    assert atas[("Suggested by the tool", "Suggested: required")] == 1
    assert atas[("Suggested by the tool", "Suggested: check")] == 1
    assert atas[("Decided by an officer", "ATAS required")] == 1
