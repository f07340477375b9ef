"""Re-screening after a list amendment: cases standing under the committed mini list, checked
against its amended copy (``mini-list-amended.txt``: 3A001.a.3's clock frequency threshold
raised, ML1.a reworded, items inserted under ML1.d, a joining "or" dropped from 3A001.a.2.b).
Flags, side-by-side data, re-confirmation and re-decision, and what is audited."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers_cases import OFFICER, OFFICER_2, OTHER_RESEARCHER, RESEARCHER, stored_result

from exportctl.cases import CaseInputError, CaseRepository, ConcurrentEditError
from exportctl.cases.amendments import (
    SYSTEM_ACTOR,
    check_list_in_use,
    render_report,
    rescreen,
    screen_again,
)
from exportctl.cases.records import CaseFilter
from exportctl.cli import main
from exportctl.lists.importer import import_source, write_dataset
from exportctl.lists.store import ControlList

AMENDED = Path(__file__).parent / "data" / "lists" / "mini-list-amended.txt"
OLD, NEW = "mini/2025-12-16", "mini/2026-06-01"


@pytest.fixture(scope="module")
def lists_root(tmp_path_factory, mini_list_path) -> Path:
    folder = tmp_path_factory.mktemp("control_lists")
    write_dataset(import_source(mini_list_path, list_name="mini", list_date="2025-12-16"), folder)
    write_dataset(import_source(AMENDED, list_name="mini", list_date="2026-06-01"), folder)
    return folder


@pytest.fixture(scope="module")
def old(lists_root) -> ControlList:
    return ControlList.load("mini", "2025-12-16", root=lists_root)


@pytest.fixture(scope="module")
def new(lists_root) -> ControlList:
    return ControlList.load("mini", "2026-06-01", root=lists_root)


@pytest.fixture()
def repo(tmp_path):
    repository = CaseRepository.open(f"sqlite:///{tmp_path / 'cases.sqlite3'}")
    yield repository
    repository.dispose()


def submit(repo, codes, user=RESEARCHER, version=OLD, title=None) -> int:
    abstract = f"A project about {' and '.join(codes)}."
    return repo.create_case(
        user,
        title=title or f"Case on {codes[0]}",
        abstract=abstract,
        result=replace(stored_result(abstract, codes), list_version=version),
    )


def decide(repo, case_id, *, confirm, decision="listed_licence_needed", note="Listed.") -> None:
    case = repo.get_case(OFFICER, case_id)
    for suggestion in case.suggestions:
        status = "confirmed" if suggestion.code in confirm else "rejected"
        repo.review_suggestion(
            OFFICER,
            suggestion.id,
            status=status,
            note=None if status == "confirmed" else "Not this one.",
            expected_version=suggestion.version,
        )
    case = repo.get_case(OFFICER, case_id)
    repo.decide(
        OFFICER,
        case_id,
        decision=decision,
        atas_decision="not_applicable",
        note=note,
        expected_version=case.version,
    )


@pytest.fixture()
def cases(repo) -> dict[str, int]:
    """Five cases under the old version, two decided, and one withdrawn."""
    ids = {
        "threshold": submit(repo, ("3A001.a.3", "3A001.a.2")),
        "wording": submit(repo, ("ML1.a", "ML1.b"), user=OTHER_RESEARCHER),
        "untouched": submit(repo, ("ML1.c",)),
        "minor only": submit(repo, ("3A001.a.2.b",)),
        "inserted under": submit(repo, ("ML1.d",)),
        "withdrawn": submit(repo, ("3A001.a.3",)),
    }
    decide(repo, ids["threshold"], confirm={"3A001.a.3"})
    decide(repo, ids["untouched"], confirm=set(), decision="not_listed", note="Not listed.")
    case = repo.get_case(RESEARCHER, ids["withdrawn"])
    repo.withdraw(RESEARCHER, ids["withdrawn"], reason="Dropped.", expected_version=case.version)
    return ids


def test_cases_amendments_flag_exactly_the_touched_cases(repo, cases, old, new):
    report = rescreen(repo, OFFICER, old, new)
    assert report.checked == 5  # not the withdrawn case
    flagged = {case.case_id: case.codes for case in report.flagged}
    assert flagged == {
        cases["threshold"]: ("3A001.a.3",),
        cases["wording"]: ("ML1.a", "ML1.b"),  # ML1.b lost its item 2
        cases["inserted under"]: ("ML1.d",),
    }
    assert report.newly_flagged == 3
    assert report.diff_counts["threshold_changed"] == 1
    again = rescreen(repo, OFFICER, old, new)
    assert again.newly_flagged == 0 and len(again.flagged) == 3


def test_cases_amendments_decision_is_kept_beside_the_change(repo, cases, old, new):
    rescreen(repo, OFFICER, old, new)
    case = repo.get_case(OFFICER, cases["threshold"])
    assert case.decision == "listed_licence_needed"  # never changed silently
    assert case.decided_under == OLD
    assert case.awaiting_rereview
    review = case.open_amendment
    assert (review.from_version, review.to_version) == (OLD, NEW)
    assert review.decision_was == "listed_licence_needed"
    assert review.decided_under == OLD
    assert [c["kind"] for c in review.changes] == ["threshold_changed", "note_changed"]
    assert review.changes[0]["thresholds"][0]["new"] == "exceeding 60 MHz"
    trail = repo.audit_trail(OFFICER, cases["threshold"])
    assert trail[-1].action == "amendment_flagged"
    assert trail[-1].actor == OFFICER.username
    assert f"{OLD} → {NEW}" in trail[-1].summary
    assert "entries 3A001.a.3" in trail[-1].summary
    assert not repo.get_case(OFFICER, cases["untouched"]).awaiting_rereview


def test_cases_amendments_flagged_cases_come_first_for_officers(repo, cases, old, new):
    rescreen(repo, OFFICER, old, new)
    page = repo.list_case_summaries(OFFICER)
    flagged = {cases["threshold"], cases["wording"], cases["inserted under"]}
    assert {c.id for c in page.items[:3]} == flagged
    assert all(c.awaiting_rereview for c in page.items[:3])
    assert not any(c.awaiting_rereview for c in page.items[3:])
    only = repo.list_case_summaries(OFFICER, CaseFilter(awaiting_rereview=True))
    assert {c.id for c in only.items} == flagged and only.total == 3
    # a researcher's own list keeps its order and shows only their own
    mine = repo.list_case_summaries(OTHER_RESEARCHER, CaseFilter(awaiting_rereview=True))
    assert [c.id for c in mine.items] == [cases["wording"]]


def test_cases_amendments_reconfirm_is_audited(repo, cases, old, new):
    rescreen(repo, OFFICER, old, new)
    case = repo.get_case(OFFICER, cases["threshold"])
    review = case.open_amendment
    version = repo.reconfirm(
        OFFICER_2,
        case.id,
        review_id=review.id,
        note="Our device runs at 100 MHz: still above the new threshold.",
        expected_version=case.version,
    )
    case = repo.get_case(OFFICER, case.id)
    assert case.version == version
    assert case.decision == "listed_licence_needed"
    assert case.decided_under == NEW
    assert not case.awaiting_rereview
    settled = case.amendment_reviews[-1]
    assert (settled.resolution, settled.resolved_by) == ("reconfirmed", OFFICER_2.username)
    event = repo.audit_trail(OFFICER, case.id)[-1]
    assert event.action == "decision_reconfirmed"
    assert event.detail["decided_under_before"] == OLD
    assert event.detail["to_version"] == NEW
    assert event.list_version == NEW  # the decision now stands under the new version
    assert event.detail["note"].startswith("Our device runs at 100 MHz")
    assert "Listed — licence needed" in event.summary
    with pytest.raises(ConcurrentEditError, match="already re-reviewed by ola"):
        repo.reconfirm(
            OFFICER, case.id, review_id=review.id, note=None, expected_version=case.version
        )


def test_cases_amendments_reconfirm_needs_a_decision_and_the_current_version(repo, cases, old, new):
    rescreen(repo, OFFICER, old, new)
    undecided = repo.get_case(OFFICER, cases["wording"])
    with pytest.raises(CaseInputError, match="not decided"):
        repo.reconfirm(
            OFFICER,
            undecided.id,
            review_id=undecided.open_amendment.id,
            note=None,
            expected_version=undecided.version,
        )
    case = repo.get_case(OFFICER, cases["threshold"])
    with pytest.raises(ConcurrentEditError):
        repo.reconfirm(
            OFFICER,
            case.id,
            review_id=case.open_amendment.id,
            note=None,
            expected_version=case.version - 1,
        )
    assert repo.get_case(OFFICER, case.id).awaiting_rereview


def test_cases_amendments_reopen_and_decide_again_settles_the_review(repo, cases, old, new):
    rescreen(repo, OFFICER, old, new)
    case = repo.get_case(OFFICER, cases["threshold"])
    version = repo.reopen(
        OFFICER, case.id, reason="The threshold changed.", expected_version=case.version
    )
    assert repo.get_case(OFFICER, case.id).awaiting_rereview  # until decided again
    confirmed = next(s for s in case.suggestions if s.code == "3A001.a.3")
    repo.review_suggestion(
        OFFICER,
        confirmed.id,
        status="rejected",
        note="The device runs at 50 MHz: below the new threshold.",
        expected_version=confirmed.version,
    )
    repo.decide(
        OFFICER,
        case.id,
        decision="not_listed",
        atas_decision="not_applicable",
        note="Below the new threshold.",
        expected_version=version + 1,
    )
    case = repo.get_case(OFFICER, case.id)
    assert (case.decision, case.decided_under, case.awaiting_rereview) == ("not_listed", NEW, False)
    assert case.amendment_reviews[-1].resolution == "redecided"
    actions = [e.action for e in repo.audit_trail(OFFICER, case.id)]
    assert actions[-4:] == [
        "case_reopened",
        "suggestion_rejected",
        "amendment_redecided",
        "case_decided",
    ]
    redecided = repo.audit_trail(OFFICER, case.id)[-2]
    assert redecided.detail["decision_was"] == "listed_licence_needed"
    assert redecided.detail["decision"] == "not_listed"
    # Each record names the list version the case stood under after it: the old one until
    # the new decision, made under the new version.
    versions = [(e.action, e.list_version) for e in repo.audit_trail(OFFICER, case.id)]
    assert versions[-5:] == [
        ("amendment_flagged", OLD),
        ("case_reopened", OLD),
        ("suggestion_rejected", OLD),
        ("amendment_redecided", NEW),
        ("case_decided", NEW),
    ]


def test_cases_amendments_an_undecided_case_is_settled_by_its_decision(repo, cases, old, new):
    rescreen(repo, OFFICER, old, new)
    decide(repo, cases["wording"], confirm={"ML1.a"})
    case = repo.get_case(OFFICER, cases["wording"])
    assert case.decided_under == NEW
    assert case.amendment_reviews[-1].resolution == "redecided"


def test_cases_amendments_decision_records_the_list_in_use(repo, cases):
    case_id = submit(repo, ("ML1.c",))
    case = repo.get_case(OFFICER, case_id)
    repo.decide(
        OFFICER,
        case_id,
        decision="more_information",
        atas_decision="not_assessed",
        note=None,
        expected_version=case.version,
        list_version=NEW,
    )
    assert repo.get_case(OFFICER, case_id).decided_under == NEW
    assert repo.audit_trail(OFFICER, case_id)[-1].detail["list_version"] == NEW


class _Engine:
    """A suggester over the new version (the engine itself is tested elsewhere)."""

    def __init__(self, control_list: ControlList) -> None:
        self.control_list = control_list
        self.calls = 0

    def suggest(self, text: str, *, text_id: str | None = None):
        self.calls += 1
        return replace(
            stored_result(text, ("3A001.a.3", "3A002.a")), list_version=self.control_list.version
        )


def test_cases_amendments_new_suggestions_are_kept_once(repo, cases, old, new):
    engine = _Engine(new)
    report = rescreen(repo, OFFICER, old, new, suggester=engine)
    assert report.screened == 3 and engine.calls == 3
    review = repo.get_case(OFFICER, cases["threshold"]).open_amendment
    assert [c["code"] for c in review.result["controls"]] == ["3A001.a.3", "3A002.a"]
    assert review.result["controls"][0]["evidence"]  # kept whole: no suggestion rows of its own
    assert not screen_again(repo, OFFICER, cases["threshold"], engine)
    assert engine.calls == 3
    with pytest.raises(CaseInputError, match="not mini/2026-06-01"):
        repo.store_amendment_result(OFFICER, review.id, stored_result("x"))


def test_cases_amendments_render_report(repo, cases, old, new):
    report = rescreen(repo, OFFICER, old, new, suggester=_Engine(new))
    text = render_report(report, repo, OFFICER)
    lines = text.splitlines()
    assert lines[0].startswith(f"{OLD} → {NEW}: 1 entry added, 1 clause added")
    assert lines[1] == (
        f"Checked 5 cases standing under {OLD}; 3 touched by the changes "
        "(3 newly flagged for re-review, 3 screened again)."
    )
    assert f"  decision: Listed — licence needed (decided under {OLD})" in lines
    assert (
        "    3A001.a.3 threshold exceeding 40 MHz (4e+07 Hz) → exceeding 60 MHz (6e+07 Hz)" in lines
    )
    assert f"  suggestions under {NEW}: 3A001.a.3, 3A002.a" in lines


def test_cases_amendments_check_list_in_use_once_per_version(repo, cases, lists_root, new):
    assert repo.list_in_use() is None
    check = check_list_in_use(repo, new, root=lists_root)
    assert [r.from_version for r in check.reports] == [OLD]
    assert check.newly_flagged == 3
    assert repo.list_in_use() == NEW
    trail = repo.audit_trail(OFFICER)
    assert trail[-1].action == "list_rescreened" and trail[-1].actor == SYSTEM_ACTOR.username
    assert "3 of 5 cases flagged" in trail[-1].summary
    assert check_list_in_use(repo, new, root=lists_root).reports == ()


def test_cases_amendments_versions_not_imported_are_named(repo, lists_root, new):
    submit(repo, ("3A001.a.3",), version="mini/2020-01-01")
    check = check_list_in_use(repo, new, root=lists_root)
    assert check.unchecked == {"mini/2020-01-01": 1}
    assert check.reports == ()


def test_cases_amendments_command_prints_the_report(tmp_path, lists_root, cases, repo):
    url = str(repo.engine.url)
    result = CliRunner().invoke(
        main,
        [
            "cases",
            "rescreen",
            "--from",
            str(lists_root / "mini" / "2025-12-16"),
            "--to",
            str(lists_root / "mini" / "2026-06-01"),
            "--no-suggest",
            "--database-url",
            url,
            "--as",
            "olu",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 touched by the changes (3 newly flagged for re-review)" in result.output
    assert f"C-{cases['threshold']:05d}  Case on 3A001.a.3" in result.output
    assert repo.audit_trail(OFFICER)[-1].actor == "olu"


def test_cases_amendments_command_unknown_version(repo):
    result = CliRunner().invoke(
        main, ["cases", "rescreen", "--from", "mini/1999-01-01", "--no-suggest"]
    )
    assert result.exit_code == 2
    assert "No imported list 'mini/1999-01-01'" in result.output


def test_cases_amendments_export_records_version_and_awaiting(repo, cases, old, new, tmp_path):
    from openpyxl import load_workbook

    from exportctl.export_excel import write_workbook

    def cases_sheet() -> dict[str, dict]:
        path = tmp_path / "decisions.xlsx"
        write_workbook(repo.export_stream(OFFICER), path)
        rows = list(load_workbook(path, read_only=True)["Cases"].values)
        return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}

    rescreen(repo, OFFICER, old, new)
    threshold, untouched = f"C-{cases['threshold']:05d}", f"C-{cases['untouched']:05d}"
    row = cases_sheet()[threshold]
    assert row["Decided under list version"] == OLD
    assert row["Awaits re-review (list amended)"] == f"Yes: {OLD} → {NEW} (3A001.a.3)"
    assert row["Re-reviewed after amendment"] is None
    assert cases_sheet()[untouched]["Awaits re-review (list amended)"] == "No"
    assert cases_sheet()[f"C-{cases['wording']:05d}"]["Decided under list version"] is None
    case = repo.get_case(OFFICER, cases["threshold"])
    repo.reconfirm(
        OFFICER_2,
        case.id,
        review_id=case.open_amendment.id,
        note="Still above.",
        expected_version=case.version,
    )
    row = cases_sheet()[threshold]
    assert row["Decided under list version"] == NEW
    assert row["Awaits re-review (list amended)"] == "No"
    day = repo.get_case(OFFICER, case.id).amendment_reviews[-1].resolved_at
    assert row["Re-reviewed after amendment"] == (
        f"Decision re-confirmed under {NEW} by ola on {day:%Y-%m-%d}"
    )
