"""Case lists at an office's scale: paged summaries with filters and orders, counts, the
Overview's facts and the streamed export, against a real SQLite file."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from helpers_cases import OFFICER, OTHER_RESEARCHER, RESEARCHER, stored_result

from exportctl.auth import PermissionDeniedError
from exportctl.cases import CaseInputError, CaseRepository, CaseStoreError
from exportctl.cases.audit_chain import verify_chain
from exportctl.cases.records import CaseFilter
from exportctl.cases.repository import make_engine
from exportctl.cases.schema import upgrade
from exportctl.cases.sessions import SignInSessions

ABSTRACT = "Fibre laser delivering 30 W continuous output at 1064 nm."


@pytest.fixture()
def repo(tmp_path):
    repository = CaseRepository.open(f"sqlite:///{tmp_path / 'cases.sqlite3'}")
    yield repository
    repository.dispose()


def submit(repo, user=RESEARCHER, title="Laser", codes=("6A005.a", "6E002"), **kwargs):
    return repo.create_case(
        user, title=title, abstract=ABSTRACT, result=stored_result(ABSTRACT, codes), **kwargs
    )


def decide(repo, case_id, decision="not_listed", confirm=False):
    case = repo.get_case(OFFICER, case_id)
    if confirm:
        s = case.suggestions[0]
        repo.review_suggestion(
            OFFICER, s.id, status="confirmed", note=None, expected_version=s.version
        )
        case = repo.get_case(OFFICER, case_id)
    repo.decide(
        OFFICER,
        case_id,
        decision=decision,
        atas_decision="not_applicable",
        note=None,
        expected_version=case.version,
    )


def test_cases_lists_page_has_summaries_total_and_order(repo):
    ids = [submit(repo, title=f"Case {i:02d}") for i in range(7)]
    page = repo.list_case_summaries(OFFICER, limit=3)
    assert [c.id for c in page.items] == ids[::-1][:3]
    assert (page.total, page.page, page.pages) == (7, 1, 3)
    last = repo.list_case_summaries(OFFICER, offset=6, limit=3)
    assert [c.id for c in last.items] == [ids[0]]
    beyond = repo.list_case_summaries(OFFICER, offset=60, limit=3)
    assert [c.id for c in beyond.items] == [ids[0]]  # the last page, not an empty one
    oldest = repo.list_case_summaries(OFFICER, sort="oldest", limit=2)
    assert [c.id for c in oldest.items] == ids[:2]
    summary = page.items[0]
    assert summary.ref == f"C-{ids[-1]:05d}" and summary.title == "Case 06"
    assert summary.suggested == ("6A005.a", "6E002") and summary.confirmed == ()
    with pytest.raises(CaseInputError, match="Unknown order"):
        repo.list_case_summaries(OFFICER, sort="random")


def test_cases_lists_summaries_never_load_results(repo, monkeypatch):
    """A list reads list columns only: no abstract, result or evidence is decoded."""
    submit(repo)
    import exportctl.cases.repository as repository_module

    def refuse(*_args, **_kwargs):
        raise AssertionError("a case list decoded stored JSON")

    monkeypatch.setattr(repository_module, "_loads", refuse)
    page = repo.list_case_summaries(OFFICER)
    assert page.total == 1 and not hasattr(page.items[0], "abstract")


@pytest.mark.parametrize(
    ("case_filter", "expected"),
    [
        (CaseFilter(statuses=("decided",)), {"decided-listed", "decided-not"}),
        (CaseFilter(decisions=("listed_licence_needed",)), {"decided-listed"}),
        (CaseFilter(researcher="ravi"), {"ravi-radar"}),
        (CaseFilter(entry="6A008"), {"ravi-radar"}),
        (CaseFilter(entry="6a005"), {"decided-listed", "decided-not", "open"}),
        (CaseFilter(entry="6A005.a"), {"decided-listed", "decided-not", "open"}),
        (CaseFilter(entry="6A00"), set()),  # a code, not a prefix of words
        (CaseFilter(text="RADAR"), {"ravi-radar"}),
        (CaseFilter(text="G-7"), {"open"}),
        (CaseFilter(text="50%"), set()),  # LIKE wildcards are literal
    ],
)
def test_cases_lists_filters(repo, case_filter, expected):
    titles = {}
    titles[submit(repo, title="open", external_id="G-7")] = "open"
    titles[submit(repo, title="decided-not")] = "decided-not"
    titles[submit(repo, title="decided-listed")] = "decided-listed"
    titles[submit(repo, OTHER_RESEARCHER, title="ravi-radar", codes=("6A008.d",))] = "ravi-radar"
    decide(repo, [k for k, v in titles.items() if v == "decided-not"][0])
    decide(
        repo,
        [k for k, v in titles.items() if v == "decided-listed"][0],
        "listed_licence_needed",
        confirm=True,
    )
    page = repo.list_case_summaries(OFFICER, case_filter)
    assert {c.title for c in page.items} == expected
    assert page.total == len(expected)


def test_cases_lists_text_finds_a_case_by_reference(repo):
    first = submit(repo, title="One")
    submit(repo, title="Two")
    page = repo.list_case_summaries(OFFICER, CaseFilter(text=f"c-{first:05d}"))
    assert [c.id for c in page.items] == [first]


def test_cases_lists_dates_filter_on_submission_day(repo, tmp_path):
    old, new = submit(repo, title="old"), submit(repo, title="new")
    connection = sqlite3.connect(tmp_path / "cases.sqlite3")
    connection.execute(
        "UPDATE cases SET submitted_at = ? WHERE id = ?", (datetime(2025, 1, 31, 23, 59), old)
    )
    connection.commit()
    connection.close()
    january = CaseFilter(submitted_from=date(2025, 1, 1), submitted_to=date(2025, 1, 31))
    assert [c.title for c in repo.list_case_summaries(OFFICER, january).items] == ["old"]
    later = CaseFilter(submitted_from=date(2025, 2, 1))
    assert [c.id for c in repo.list_case_summaries(OFFICER, later).items] == [new]


def test_cases_lists_researcher_sees_only_own_cases(repo):
    mine = submit(repo)
    submit(repo, OTHER_RESEARCHER)
    page = repo.list_case_summaries(RESEARCHER, CaseFilter(researcher="ravi"))
    assert [c.id for c in page.items] == []
    assert [c.id for c in repo.list_case_summaries(RESEARCHER).items] == [mine]
    assert repo.count_by_status(RESEARCHER) == {
        "submitted": 1,
        "in_review": 0,
        "decided": 0,
        "withdrawn": 0,
    }
    with pytest.raises(PermissionDeniedError):
        repo.researchers(RESEARCHER)
    with pytest.raises(PermissionDeniedError):
        repo.overview(RESEARCHER)
    with pytest.raises(PermissionDeniedError):
        repo.export_stream(RESEARCHER)


def test_cases_lists_counts_follow_the_filter_but_not_its_status(repo):
    submit(repo)
    decide(repo, submit(repo))
    submit(repo, OTHER_RESEARCHER)
    counts = repo.count_by_status(OFFICER, CaseFilter(statuses=("decided",), researcher="rosa"))
    assert counts == {"submitted": 1, "in_review": 0, "decided": 1, "withdrawn": 0}
    assert repo.researchers(OFFICER) == [("ravi", "Ravi Researcher"), ("rosa", "Rosa Researcher")]


def test_cases_lists_overview_facts(repo):
    first = submit(repo)
    decide(repo, first, "listed_licence_needed", confirm=True)
    submit(repo)
    data = repo.overview(OFFICER)
    assert sorted(c.status for c in data.cases) == ["decided", "submitted"]
    assert [(c.case_id, c.code, c.entry) for c in data.confirmed] == [
        (first, "6A005.a", "6A005.a".split(".")[0])
    ]
    decided = next(c for c in data.cases if c.id == first)
    assert decided.decided_at >= decided.submitted_at


def test_cases_lists_export_stream_reads_in_chunks_and_filters(repo, monkeypatch):
    import exportctl.cases.repository as repository_module

    monkeypatch.setattr(repository_module, "EXPORT_CHUNK", 2)
    ids = [submit(repo, title=f"c{i}") for i in range(5)]
    decide(repo, ids[1])
    stream = repo.export_stream(OFFICER)
    cases = list(stream.cases())
    assert [c.id for c in cases] == ids
    assert stream.case_count == 5 and cases[0].suggestions and cases[0].result == {}
    audit = list(stream.audit())
    assert len(audit) == stream.audit_count == 5 + 1  # five submitted, one decided
    repo.record_export(OFFICER, stream, file_name="all.xlsx", sha256="0" * 64, size=1)
    # A case changed while the workbook is being written stays out of its audit trail: the
    # trail ends at the chain head the export read first.
    decide(repo, ids[2])
    assert [e.id for e in stream.audit()] == [e.id for e in audit]
    only_decided = repo.export_stream(OFFICER, CaseFilter(statuses=("decided",)))
    assert [c.id for c in only_decided.cases()] == [ids[1], ids[2]]
    assert only_decided.scope == "status Decided"
    trail = list(only_decided.audit())
    # The decided cases' records, and earlier exports (not the other cases' records).
    assert {e.case_id for e in trail} == {ids[1], ids[2], None}
    assert trail[-1].case_id == ids[2]
    assert [e.detail["file"] for e in trail if e.action == "decisions_exported"] == ["all.xlsx"]


def test_cases_lists_reads_do_not_wait_for_a_writer(repo, tmp_path):
    """Every read a page or an export makes works while another connection holds SQLite's
    write lock (deferred transactions). The reader here gives up on the lock at once, so a
    read that asked for it would fail rather than wait (the first release's did: E310)."""
    case_id = submit(repo)
    reader = CaseRepository(make_engine(f"sqlite:///{tmp_path / 'cases.sqlite3'}", busy_timeout=0))
    sessions = SignInSessions(reader.engine)
    session_id = SignInSessions(repo.engine).start("olu", now=datetime(2026, 3, 2, 9))
    writer = sqlite3.connect(tmp_path / "cases.sqlite3", isolation_level=None, timeout=1)
    writer.execute("BEGIN IMMEDIATE")
    try:
        assert reader.list_case_summaries(OFFICER).total == 1
        assert reader.case_summary(OFFICER, case_id).title == "Laser"
        assert reader.get_case(OFFICER, case_id).title == "Laser"
        assert reader.count_by_status(OFFICER)["submitted"] == 1
        assert reader.researchers(OFFICER) == [("rosa", "Rosa Researcher")]
        assert reader.last_change(OFFICER, case_id).action == "case_submitted"
        assert len(reader.audit_trail(OFFICER)) == 2
        assert len(reader.overview(OFFICER).cases) == 1
        assert len(reader.list_cases(OFFICER)) == 1
        stream = reader.export_stream(OFFICER)
        assert [c.id for c in stream.cases()] == [case_id] and len(list(stream.audit())) == 2
        assert verify_chain(reader.engine).intact
        assert sessions.resume(
            session_id, "olu", idle=timedelta(hours=1), now=datetime(2026, 3, 2, 9)
        )
        # A write, by contrast, is refused at once here (and would queue with the default).
        with pytest.raises(CaseStoreError, match="busy"):
            submit(reader)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        reader.dispose()


def test_cases_lists_database_from_the_first_release_gains_evidence_words(tmp_path):
    """A database made before suggestions stored their evidence in words: after the upgrade
    its old rows are exported from their evidence, and new rows store the words."""
    path = tmp_path / "old.sqlite3"
    shutil.copyfile(Path(__file__).parent / "data" / "cases" / "first-release.sqlite3", path)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    repo = CaseRepository.open(f"sqlite:///{path}")
    try:
        case = next(iter(repo.export_stream(OFFICER).cases()))
        assert case.id == 1
        assert case.suggestions[0].evidence_text is None
        assert case.suggestions[0].evidence_words == "'A 200' (lexical 1.000)"
        new = repo.get_case(OFFICER, submit(repo))
        assert new.suggestions[0].evidence_text == "'Fibre laser' (lexical 1.000)"
    finally:
        repo.dispose()
