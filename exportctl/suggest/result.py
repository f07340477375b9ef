"""The one result type of a suggestion run, read by the CLI, the app, the Excel export and the
evaluation alike. Every candidate's score is the sum of its evidence weights."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ThresholdStatus = Literal["met", "not_met", "unknown"]

DISCLAIMER = (
    "These are suggestions from an automated first pass, not a classification. "
    "An export-control officer must review them and makes the decision."
)


@dataclass(frozen=True)
class Evidence:
    """One reason a candidate was suggested: a span of the abstract and the clause words it
    matched."""

    matcher: str  # which matcher produced it, e.g. "lexical", "alias", "term", "quantity"
    abstract_text: str  # the matched words as they appear in the abstract
    start: int  # character offsets of the span in the abstract (-1 when not a single span)
    end: int
    clause_code: str  # the clause whose words were matched
    clause_words: tuple[str, ...]  # the clause's words (or alias) that matched
    weight: float  # contribution to the candidate's score

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ThresholdCheck:
    """A numeric condition of a clause compared with a quantity found in the abstract."""

    clause_code: str
    condition: str  # the clause's words, e.g. "exceeding 3.2 GHz"
    comparator: str  # ">", ">=", "<", "<=", "range"
    value: float  # threshold in base units
    unit: str  # base unit, e.g. "Hz"
    status: ThresholdStatus
    observed: str | None = None  # the abstract's words, e.g. "30 GHz"
    observed_value: float | None = None  # in base units
    question: str | None = None  # what to ask when unknown, e.g. "What is the output power?"
    group: str | None = None  # "all" / "any" when the clause combines conditions

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Candidate:
    """A suggested control entry with its best-matching clause."""

    code: str  # the best-matching clause, e.g. 3A001.a.5.a
    entry: str  # its entry, e.g. 3A001
    list_name: str
    title: str  # a short text of the clause for display
    score: float  # == sum(e.weight for e in evidence)
    evidence: tuple[Evidence, ...] = ()
    thresholds: tuple[ThresholdCheck, ...] = ()
    related: tuple[str, ...] = ()  # software/technology entries that control this item's D/E
    via: str | None = None  # the hardware entry that brought this D/E entry in, if any
    reason: str = ""
    #: how the abstract's values fit the shown clause's conditions (and its parents'):
    #: "met", "open", "contradicted", or "" when it has no numeric condition
    fit: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Question:
    """An exemption or end-use question the user must answer; answers are saved with the case."""

    key: str  # "public_domain", "basic_research", "patent", "end_use"
    text: str
    source: str  # where the rule comes from, e.g. "General Technology Note"
    hint: str | None = None  # what in the text bears on the answer (never the answer itself)


@dataclass(frozen=True)
class SuggestionResult:
    text_id: str | None
    controls: tuple[Candidate, ...]
    list_version: str  # e.g. "uk-consolidated/2025-12-16"
    screening: Any | None = None  # the verdict (exportctl.suggest.verdict.Screening)
    questions: tuple[Question, ...] = ()
    subjects: tuple[Any, ...] = ()  # CAH3 subject suggestions (exportctl.atas)
    atas: Any | None = None  # ATAS assessment when nationality and level were given
    quantities: tuple[dict[str, Any], ...] = ()  # technical quantities found in the text
    warnings: tuple[str, ...] = ()
    disclaimer: str = DISCLAIMER
    #: the abstract's sentence embedding (base64 float16), kept with a case so that later
    #: screenings can find it as a precedent
    meaning_vector: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        def convert(value: Any) -> Any:
            if hasattr(value, "to_dict"):
                return value.to_dict()
            if isinstance(value, tuple | list):
                return [convert(v) for v in value]
            if isinstance(value, dict):
                return {k: convert(v) for k, v in value.items()}
            return value

        return {
            "id": self.text_id,
            "screening": convert(self.screening),
            "controls": [c.to_dict() for c in self.controls],
            "list_version": self.list_version,
            "questions": [asdict(q) for q in self.questions],
            "subjects": convert(self.subjects),
            "atas": convert(self.atas),
            "quantities": list(self.quantities),
            "warnings": list(self.warnings),
            "disclaimer": self.disclaimer,
            "meaning_vector": self.meaning_vector,
        }
