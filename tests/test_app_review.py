"""The officer's Review page in AppTest (no browser): the paged queue, opening a case, reviewing,
deciding and reopening, and two officers working on one case at once."""

from __future__ import annotations

import pytest
from helpers_app import DEMO_OFFICER, DEMO_RESEARCHER, app_as, page_html, shown, texts
from helpers_cases import stored_result

from exportctl.auth import User
from exportctl.cases import CaseRepository
from exportctl.webapp.review import SECTIONS_KEY

ABSTRACT = "Fibre laser delivering 30 W continuous output at 1064 nm."
SCRIPT_ABSTRACT = '<script>alert("x")</script><img src=x onerror=alert(1)> laser design'
OTHER_OFFICER = User("ola", "Ola Officer", "officer")


@pytest.fixture()
def repo(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("EXPORTCTL_DATABASE_URL", url)
    repository = CaseRepository.open(url)
    yield repository
    repository.dispose()


def submit(repo, abstract=ABSTRACT, title="Fibre laser", user=DEMO_RESEARCHER, codes=None):
    result = stored_result(abstract, codes) if codes else stored_result(abstract)
    return repo.create_case(user, title=title, abstract=abstract, result=result)


def open_sections(at, *suggestion_ids):
    """Open suggestion sections as an officer's clicks would (their content is drawn only
    when open)."""
    at.session_state[SECTIONS_KEY] = {i: True for i in suggestion_ids}
    return at.run()


def test_app_review_confirm_reject_add_and_decide(repo):
    case_id = submit(repo)
    first, second = repo.get_case(DEMO_OFFICER, case_id).suggestions
    at = app_as(DEMO_OFFICER)
    assert not at.exception
    assert at.selectbox(key="review_case").value == case_id
    assert f"C-{case_id:05d}: Fibre laser" in texts(at)
    open_sections(at, first.id, second.id)

    at.radio(key=f"review_s{second.id}_status").set_value("rejected")
    at.button(key=f"review_s{second.id}_save").click().run()
    assert "a rejection needs a note" in shown(at.error[0].value)
    assert repo.get_case(DEMO_OFFICER, case_id).suggestions[1].status == "pending"

    at.text_input(key=f"review_s{second.id}_note").input("Not production technology")
    at.button(key=f"review_s{second.id}_save").click().run()
    assert "6E002: rejected." in texts(at)
    at.radio(key=f"review_s{first.id}_status").set_value("confirmed")
    at.button(key=f"review_s{first.id}_save").click().run()
    assert "6A005.a: confirmed." in texts(at)
    # Both sections are still open after the saves changed their labels.
    assert at.radio(key=f"review_s{first.id}_status").value == "confirmed"

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
    assert not at.error, [e.value for e in at.error]
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
    # The decided case stays open although it has left the Open queue.
    assert at.selectbox(key="review_case").value == case_id
    assert f"C-{case_id:05d}: Fibre laser" in texts(at)
    assert "No cases in this queue." in texts(at)


def test_app_review_decision_needs_both_choices(repo):
    case_id = submit(repo)
    at = app_as(DEMO_OFFICER)
    at.selectbox(key=f"review_decision_{case_id}").select("not_listed")
    at.button(key=f"review_decide_{case_id}").click().run()
    assert shown(at.error[0].value) == "Choose the export-control and the ATAS decision."
    assert repo.get_case(DEMO_OFFICER, case_id).status == "submitted"


def test_app_review_edit_started_before_another_officers_save_is_refused(repo):
    """Officer A changes a radio without saving; officer B confirms and saves; A adds a note
    and saves: A is refused with who changed it and when, and B's confirmation stays."""
    case_id = submit(repo)
    target = repo.get_case(DEMO_OFFICER, case_id).suggestions[0]
    at = app_as(DEMO_OFFICER)
    open_sections(at, target.id)
    at.radio(key=f"review_s{target.id}_status").set_value("rejected").run()

    repo.review_suggestion(
        OTHER_OFFICER, target.id, status="confirmed", note="B: 30 W CW", expected_version=1
    )

    at.text_input(key=f"review_s{target.id}_note").input("A: not a laser product")
    at.button(key=f"review_s{target.id}_save").click().run()
    message = shown(at.error[0].value)
    assert "was changed by ola at" in message and "reload the case" in message
    stored = repo.get_case(DEMO_OFFICER, case_id).suggestions[0]
    assert (stored.status, stored.note, stored.reviewed_by) == ("confirmed", "B: 30 W CW", "ola")
    # The page says the case changed, and reloading shows B's review in the form.
    assert "This case was changed after you opened it, by ola" in texts(at)
    at.button(key=f"review_reload_{case_id}").click().run()
    assert at.radio(key=f"review_s{target.id}_status").value == "confirmed"
    assert at.text_input(key=f"review_s{target.id}_note").value == "B: 30 W CW"
    assert "changed after you opened it" not in texts(at)
    # Now A's change is made knowingly, and saved.
    at.radio(key=f"review_s{target.id}_status").set_value("rejected")
    at.text_input(key=f"review_s{target.id}_note").input("A: checked with B, not listed")
    at.button(key=f"review_s{target.id}_save").click().run()
    assert not at.error
    assert repo.get_case(DEMO_OFFICER, case_id).suggestions[0].status == "rejected"


def test_app_review_decision_after_another_officers_change_is_refused(repo):
    case_id = submit(repo)
    first, second = repo.get_case(DEMO_OFFICER, case_id).suggestions
    at = app_as(DEMO_OFFICER)
    open_sections(at, first.id)
    # B rejects the second entry while A works on the first.
    repo.review_suggestion(
        OTHER_OFFICER, second.id, status="rejected", note="not tech", expected_version=1
    )
    at.radio(key=f"review_s{first.id}_status").set_value("confirmed")
    at.button(key=f"review_s{first.id}_save").click().run()
    assert "6A005.a: confirmed." in texts(at)  # a different record: both saves stand
    at.selectbox(key=f"review_decision_{case_id}").select("listed_licence_needed")
    at.selectbox(key=f"review_atas_{case_id}").select("not_applicable")
    at.button(key=f"review_decide_{case_id}").click().run()
    assert "was changed by" in shown(at.error[0].value)
    assert repo.get_case(DEMO_OFFICER, case_id).status == "in_review"


def test_app_review_own_saves_do_not_conflict(repo):
    case_id = submit(repo)
    first, second = repo.get_case(DEMO_OFFICER, case_id).suggestions
    at = app_as(DEMO_OFFICER)
    open_sections(at, first.id, second.id)
    for suggestion, status in ((first, "confirmed"), (second, "rejected"), (first, "rejected")):
        at.radio(key=f"review_s{suggestion.id}_status").set_value(status)
        at.text_input(key=f"review_s{suggestion.id}_note").input(f"{status} by A")
        at.button(key=f"review_s{suggestion.id}_save").click().run()
        assert not at.error, at.error[0].value
    at.selectbox(key=f"review_decision_{case_id}").select("not_listed")
    at.selectbox(key=f"review_atas_{case_id}").select("not_applicable")
    at.button(key=f"review_decide_{case_id}").click().run()
    assert not at.error
    assert repo.get_case(DEMO_OFFICER, case_id).decision == "not_listed"
    assert "changed after you opened it" not in texts(at)


def test_app_review_reopen_a_decided_case(repo):
    case_id = submit(repo)
    case = repo.get_case(DEMO_OFFICER, case_id)
    repo.decide(
        DEMO_OFFICER,
        case_id,
        decision="not_listed",
        atas_decision="not_applicable",
        note="<b>first</b> look",
        expected_version=case.version,
    )
    at = app_as(DEMO_OFFICER)
    at.segmented_control(key="review_status").set_value("decided").run()
    assert at.selectbox(key="review_case").value == case_id
    assert "&lt;b&gt;first&lt;/b&gt; look" in texts(at)
    at.button(key=f"review_reopen_{case_id}").click().run()
    assert "Say why the case is reopened." in shown(at.error[0].value)
    at.text_input(key=f"review_reopen_reason_{case_id}").input("New partner in Iran")
    at.button(key=f"review_reopen_{case_id}").click().run()
    assert f"C-{case_id:05d} reopened." in texts(at)
    case = repo.get_case(DEMO_OFFICER, case_id)
    assert case.status == "in_review"
    last = repo.audit_trail(DEMO_OFFICER, case_id)[-1]
    assert (last.action, last.detail["reason"]) == ("case_reopened", "New partner in Iran")
    # The decision form is back, showing the earlier decision to change.
    assert at.selectbox(key=f"review_decision_{case_id}").value == "not_listed"


def test_app_review_queue_is_paged_filtered_and_counted(repo):
    ravi = User("researcher2", "Ravi Researcher", "researcher")
    ids = [submit(repo, title=f"Laser {i:02d}") for i in range(55)]
    sensor = submit(repo, title="Radar sensor", user=ravi, codes=("6A008.d",))
    at = app_as(DEMO_OFFICER)
    assert at.segmented_control(key="review_status").options[0] == "Open (56)"
    assert "Cases 1–50 of 56" in texts(at)
    assert len(at.selectbox(key="review_case").options) == 50
    at.button(key="review_next").click().run()
    assert "Cases 51–56 of 56" in texts(at)
    # The case open before stays open and listed while paging.
    assert at.selectbox(key="review_case").value == sensor
    assert len(at.selectbox(key="review_case").options) == 7
    at.text_input(key="review_f_entry").input("6A008").run()
    assert "1 case\n" in texts(at) + "\n"  # back to the first (and only) page
    assert [o for o in at.selectbox(key="review_case").options] == [
        f"C-{sensor:05d} — Radar sensor"
    ]
    at.text_input(key="review_f_entry").input("").run()
    at.selectbox(key="review_f_researcher").select("researcher2").run()
    assert at.segmented_control(key="review_status").options[0] == "Open (1)"
    at.selectbox(key="review_f_researcher").select(None).run()
    at.text_input(key="review_f_text").input(f"C-{ids[3]:05d}").run()
    assert at.selectbox(key="review_case").options[-1] == f"C-{ids[3]:05d} — Laser 03"


def test_app_review_deep_link_opens_the_case(repo):
    wanted = submit(repo, title="Wanted case")
    submit(repo, title="Newer case")
    at = app_as(DEMO_OFFICER, query={"case": f"C-{wanted:05d}"})
    assert at.selectbox(key="review_case").value == wanted
    assert f"C-{wanted:05d}: Wanted case" in texts(at)
    at = app_as(DEMO_OFFICER, query={"case": "C-99999"})
    assert "No case C-99999" in shown(at.error[0].value)


def test_app_review_withdrawn_case_leaves_the_open_queue(repo):
    case_id = submit(repo)
    repo.withdraw(DEMO_RESEARCHER, case_id, reason="Project cancelled", expected_version=1)
    at = app_as(DEMO_OFFICER)
    assert "No cases in this queue." in texts(at)
    at.segmented_control(key="review_status").set_value("withdrawn").run()
    assert at.selectbox(key="review_case").value == case_id
    assert "The researcher withdrew this case" in texts(at)
    assert f"review_decide_{case_id}" not in [b.key for b in at.button]


def test_app_review_audit_trail_is_in_words(repo):
    case_id = submit(repo)
    first = repo.get_case(DEMO_OFFICER, case_id).suggestions[0]
    repo.review_suggestion(
        DEMO_OFFICER, first.id, status="confirmed", note="30 W", expected_version=1
    )
    at = app_as(DEMO_OFFICER)
    trail = at.dataframe[-1].value
    assert list(trail["What"]) == [
        "Submitted (2 entries suggested)",
        "Confirmed 6A005.a (was Not reviewed; note: 30 W)",
    ]
    assert not any("{" in text for text in trail["What"])


def test_app_review_html_in_abstract_is_shown_as_text(repo):
    submit(repo, abstract=SCRIPT_ABSTRACT, title="<b>Bold</b> title")
    at = app_as(DEMO_OFFICER)
    bodies = page_html(at)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in bodies
    assert "<script" not in bodies and "<img" not in bodies
    assert at.header[0].value.endswith(r"\<b\>Bold\</b\> title")
