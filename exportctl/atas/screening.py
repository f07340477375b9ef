"""Subjects and, when nationality and level are known, the ATAS assessment for one text: what
``exportctl suggest`` adds to a suggestion result (``SuggestionResult.subjects`` / ``.atas``)."""

from __future__ import annotations

import numpy as np

from exportctl.atas.assessment import AtasAssessment, assess
from exportctl.atas.defaults import SUBJECT_TOP_K
from exportctl.atas.rules import AtasRules
from exportctl.atas.subjects import SubjectSuggestion, suggest_subjects

# The assessment covers this many of the best suggested subjects: joint subjects are normal, and
# missing a listed subject is the expensive error.
ASSESSED_SUBJECTS = 3


def screen_text(
    text: str,
    nationalities: list[str] | None = None,
    level: str | None = None,
    *,
    top_k: int = SUBJECT_TOP_K,
    rules: AtasRules | None = None,
    meaning: np.ndarray | None = None,
) -> tuple[list[SubjectSuggestion], AtasAssessment | None]:
    """Suggested CAH3 subjects for a text, and the assessment of the best few when nationality
    and level are given (None otherwise, or when no subject could be suggested). ``meaning``:
    the text's sentence embedding, when the caller has it."""
    subjects = suggest_subjects(text, top_k=top_k, meaning=meaning)
    if not nationalities or not level or not subjects:
        return subjects, None
    codes = [s.cah3 for s in subjects[:ASSESSED_SUBJECTS]]
    return subjects, assess(codes, list(nationalities), level, rules=rules)
