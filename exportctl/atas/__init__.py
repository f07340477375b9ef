"""ATAS: CAH3 subjects from text, the ATAS rules as versioned data, and the assessment.

Public API (used by the suggestion engine and the app):
``suggest_subjects(text, *, top_k=5)``, ``assess(cah3_codes, nationalities, level, *, rules=None)``,
``load_rules(version=None)`` and ``screen_text(text, nationalities=None, level=None)``.
"""

from __future__ import annotations

from exportctl.atas.assessment import AtasAssessment, SubjectFinding, assess
from exportctl.atas.rules import LEVELS, AtasRules, import_rules, load_rules
from exportctl.atas.screening import screen_text
from exportctl.atas.subjects import SubjectEvidence, SubjectSuggestion, suggest_subjects

__all__ = [
    "LEVELS",
    "AtasAssessment",
    "AtasRules",
    "SubjectEvidence",
    "SubjectFinding",
    "SubjectSuggestion",
    "assess",
    "import_rules",
    "load_rules",
    "screen_text",
    "suggest_subjects",
]
