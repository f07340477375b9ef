from __future__ import annotations

import pytest

from exportctl.webapp.display import (
    evidence_spans,
    highlight_html,
    merge_spans,
    shorten,
    threshold_label,
    word_spans,
)


def test_app_display_highlight_escapes_html_and_script():
    text = '<script>alert("x")</script> laser <b>bold</b>'
    start = text.index("laser")
    out = highlight_html(text, [(start, start + 5)])
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in out
    assert '<mark class="match"' in out and ">laser</mark>" in out


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([(5, 8), (0, 3)], [(0, 3), (5, 8)]),
        ([(0, 5), (3, 8)], [(0, 8)]),
        ([(4, 4), (-1, 2), (8, 20)], [(8, 10)]),
    ],
)
def test_app_display_merge_spans(spans, expected):
    assert merge_spans(spans, 10) == expected


def test_app_display_word_spans_and_evidence():
    text = "Lasers and a LASER diode; laser-based."
    assert word_spans(text, ["laser"]) == [(0, 6), (13, 18), (26, 31)]
    evidence = [
        {"start": 0, "end": 6, "abstract_text": "Lasers"},
        {"start": -1, "end": -1, "abstract_text": "diode"},
    ]
    assert evidence_spans(text, evidence) == [(0, 6), (19, 24)]


def test_app_display_labels():
    assert threshold_label("not_met") == "not met"
    assert shorten("a " * 100, 10) == "a a a a a…"


def test_app_display_clause_path_marks_words_and_indents():
    from exportctl.webapp.display import clause_path_html

    out = clause_path_html(
        [("6A005", 0, '"Lasers" as follows:'), ("6A005.a", 1, "CW lasers <having>")], ["laser"]
    )
    assert out.count('<mark class="clause"') == 2
    assert "&lt;having&gt;" in out
    assert "margin-left: 1.2em; font-weight: bold" in out


def test_app_display_note_html_escapes_and_flags_decontrol():
    from exportctl.webapp.display import note_html

    out = note_html("Note 5:", "6A005", "does not control <x>", decontrol=True)
    assert "<i>Note 5</i> <code>6A005</code>" in out
    assert "[decontrol]" in out and "&lt;x&gt;" in out
