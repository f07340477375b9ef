"""Shared helpers of the case-store, export and app tests (not a test module)."""

from __future__ import annotations

from exportctl.auth import User
from exportctl.suggest.result import Candidate, Evidence, Question, SuggestionResult, ThresholdCheck
from exportctl.suggest.verdict import Screening

RESEARCHER = User(username="rosa", name="Rosa Researcher", role="researcher")
OTHER_RESEARCHER = User(username="ravi", name="Ravi Researcher", role="researcher")
OFFICER = User(username="olu", name="Olu Officer", role="officer")
OFFICER_2 = User(username="ola", name="Ola Officer", role="officer")

LIST_VERSION = "uk-consolidated/2025-12-16"


def stored_result(abstract: str, codes: tuple[str, ...] = ("6A005.a", "6E002")) -> SuggestionResult:
    """A suggestion result as the engine returns it, for storage tests that do not test
    suggesting (the app and end-to-end tests use the real engine)."""
    controls = []
    for rank, code in enumerate(codes):
        words = abstract.split()[:2] or ["laser"]
        evidence = Evidence(
            matcher="lexical",
            abstract_text=" ".join(words),
            start=0,
            end=len(" ".join(words)),
            clause_code=code,
            clause_words=tuple(w.lower() for w in words),
            weight=1.0 / (rank + 1),
        )
        threshold = ThresholdCheck(
            clause_code=code,
            condition="exceeding 10 W",
            comparator=">",
            value=10.0,
            unit="W",
            status="unknown",
            question="What is the output power?",
        )
        controls.append(
            Candidate(
                code=code,
                entry=code.split(".")[0],
                list_name="dual-use",
                title=f"Clause {code}",
                score=evidence.weight,
                evidence=(evidence,),
                thresholds=(threshold,),
                related=("6D001",),
                reason="test",
            )
        )
    return SuggestionResult(
        text_id=None,
        controls=tuple(controls),
        list_version=LIST_VERSION,
        screening=Screening("possibly_listed", "Some entries match in part.", 1.0),
        questions=(
            Question(key="public_domain", text="Will the results be published?", source="GTN"),
        ),
    )
