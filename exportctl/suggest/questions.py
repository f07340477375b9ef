"""The exemption questions of the General Technology / Software Notes and the end-use prompt.

Their answers decide most academic cases: controls on "technology" do not apply to information
"in the public domain", to "basic scientific research" or to the minimum necessary for a patent
application. The wording of each question quotes the list's own definitions where it has one.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from exportctl.lists.store import ControlList
from exportctl.suggest.result import Question

END_USE_PROMPT = (
    "Do you know, or have you been told, that the work, items, software or technology are or "
    "may be intended for chemical, biological or nuclear weapons or missiles, or for a military "
    "end-use in an embargoed destination? If so, a licence can be needed even when nothing here "
    "is listed (end-use or 'catch-all' controls). This tool cannot assess end use: tell your "
    "export-control officer."
)


def _definition_text(control_list: ControlList, term: str) -> str:
    definition = control_list.definition(term, "dual-use")
    return f" The list defines it: {definition.text}" if definition else ""


@lru_cache(maxsize=4)
def _questions(control_list: ControlList) -> tuple[Question, ...]:
    return (
        Question(
            key="public_domain",
            text=(
                "Is the information already published, or will it be published without "
                "restriction (journal, conference, open repository) — 'in the public domain'?"
                + _definition_text(control_list, "in the public domain")
            ),
            source="General Technology Note; General Software Note",
        ),
        Question(
            key="basic_research",
            text=(
                "Is the work 'basic scientific research' — to acquire new knowledge of "
                "fundamental principles, not primarily directed towards a specific practical aim?"
                + _definition_text(control_list, "basic scientific research")
            ),
            source="General Technology Note",
        ),
        Question(
            key="patent",
            text=(
                "Is the information to be shared only the minimum necessary for a patent "
                "application?"
            ),
            source="General Technology Note",
        ),
        Question(key="end_use", text=END_USE_PROMPT, source="End-use (catch-all) controls"),
    )


HINTS = {
    "public_domain": re.compile(
        r"\b(?:open[- ]source|open access|publicly available|freely available|github|"
        r"we (?:publish|release)|released under|preprint|arxiv)\b",
        re.IGNORECASE,
    ),
    "basic_research": re.compile(
        r"\b(?:fundamental|basic research|theoretical|first[- ]principles|"
        r"proof[- ]of[- ]concept)\b",
        re.IGNORECASE,
    ),
    "patent": re.compile(r"\bpatent", re.IGNORECASE),
}


def exemption_questions(control_list: ControlList, text: str = "") -> tuple[Question, ...]:
    """The questions, each with a hint when the text mentions something that bears on it."""
    questions = []
    for question in _questions(control_list):
        pattern = HINTS.get(question.key)
        match = pattern.search(text) if pattern and text else None
        if match:
            hint = (
                f'The text mentions "{match.group(0)}": this may bear on the answer; '
                "the answer is still yours to give."
            )
            question = replace(question, hint=hint)
        questions.append(question)
    return tuple(questions)
