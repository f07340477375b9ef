"""Does a person need an ATAS certificate? "required", "not required" or "check", with reasons.

The answer is built per subject, then combined with nationality and level:
- a national of an exempt country (any of a dual national's nationalities) -> not required;
- a level outside the appendix -> not required; a level the rules mark ``check`` (or a
  researcher without a known listed occupation code) caps the answer at ``check``;
- a listed subject -> required (``check`` when only one secondary source lists it);
- an unlisted subject in an area where our incomplete list may miss codes -> check, never
  not required; other unlisted subjects -> not required.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from exportctl.atas.rules import (
    LEVELS,
    AtasRules,
    load_rules,
    resolve_country,
    resolve_level,
)
from exportctl.atas.vocabulary import load_vocabulary
from exportctl.errors import AtasInputError

Outcome = Literal["required", "not required", "check"]
_ORDER: dict[str, int] = {"not required": 0, "check": 1, "required": 2}


@dataclass(frozen=True)
class SubjectFinding:
    """How one CAH3 subject stands against the rules."""

    cah3: str
    label: str
    cah1: str
    status: Literal["listed", "unconfirmed", "not listed"]
    outcome: Outcome  # for a non-exempt person at an in-scope level
    confidence: str | None  # of the listing, when listed
    sources: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AtasAssessment:
    result: Outcome
    cah3_codes: tuple[str, ...]
    nationalities: tuple[str, ...]  # ISO 3166-1 alpha-2
    level: str
    occupation_code: str | None
    subjects: tuple[SubjectFinding, ...]
    reasons: tuple[str, ...]  # the overall reasons, most decisive first
    rules_version: str
    rules_verified_on: str
    caveat: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _subject_finding(cah3: str, level: str, rules: AtasRules) -> SubjectFinding:
    subject = load_vocabulary().subject(cah3)
    listed = rules.subjects.get(subject.code)
    if listed is not None:
        if listed.levels and level not in listed.levels:
            return SubjectFinding(
                subject.code,
                subject.label,
                subject.cah1,
                "not listed",
                "not required",
                listed.confidence,
                listed.sources,
                f"{subject.code} {subject.label} is listed only for {', '.join(listed.levels)}.",
            )
        qualifier = (
            "" if listed.levels else " The appendix qualifier for this code was not obtained."
        )
        if listed.confidence == "single-source":
            return SubjectFinding(
                subject.code,
                subject.label,
                subject.cah1,
                "listed",
                "check",
                listed.confidence,
                listed.sources,
                f"{subject.code} {subject.label} is listed by one secondary source only "
                f"({listed.qualifier or 'no detail'}): likely listed, but unconfirmed." + qualifier,
            )
        return SubjectFinding(
            subject.code,
            subject.label,
            subject.cah1,
            "listed",
            "required",
            listed.confidence,
            listed.sources,
            f"{subject.code} {subject.label} is a listed ATAS subject "
            f"({listed.confidence}).{qualifier}",
        )
    area = None if rules.subject_list_complete else rules.check_area_for(subject.code)
    if area is not None:
        related = [u.code for u in rules.unresolved if u.code[:5] == subject.cah1]
        extra = (
            f" The sources also name {', '.join(related)}, which are not CAH v1.3.4 codes."
            if related
            else ""
        )
        return SubjectFinding(
            subject.code,
            subject.label,
            subject.cah1,
            "unconfirmed",
            "check",
            None,
            (),
            f"{subject.code} {subject.label} is not in our subject list, but our list is "
            f"incomplete and this is a {area.label} subject ({area.reason}), so it may be "
            f"listed in the official appendix. It is never answered 'not required'.{extra}",
        )
    scope = "the complete official list" if rules.subject_list_complete else "our subject list"
    return SubjectFinding(
        subject.code,
        subject.label,
        subject.cah1,
        "not listed",
        "not required",
        None,
        (),
        f"{subject.code} {subject.label} is not in {scope} and is outside the science, "
        "engineering, medicine, agriculture, mathematics and computing areas.",
    )


def caveat_for(rules: AtasRules) -> str:
    text = (
        f"ATAS rules version {rules.version}, last verified on {rules.verified_on}; the rules "
        "may have changed since."
    )
    if rules.notes:
        text += " " + " ".join(rules.notes)
    return text + " This is a first-pass answer: an officer must confirm it."


def assess(
    cah3_codes: list[str],
    nationalities: list[str],
    level: str,
    *,
    rules: AtasRules | None = None,
    occupation_code: str | None = None,
) -> AtasAssessment:
    """Assess whether ATAS applies; raises AtasInputError for malformed or unknown inputs."""
    if isinstance(cah3_codes, str) or isinstance(nationalities, str):
        raise AtasInputError("Give CAH3 codes and nationalities as lists, e.g. ['CN'].")
    if not cah3_codes:
        raise AtasInputError("Give at least one CAH3 subject code, e.g. CAH10-01-04.")
    if not nationalities:
        raise AtasInputError("Give at least one nationality (ISO 3166 code such as 'CN').")
    rules = rules if rules is not None else load_rules()
    vocabulary = load_vocabulary()
    codes = tuple(dict.fromkeys(vocabulary.check_code(code) for code in cah3_codes))
    countries = tuple(dict.fromkeys(resolve_country(n) for n in nationalities))
    level_key = resolve_level(level)
    if occupation_code is not None and not (
        occupation_code.isdigit() and len(occupation_code) == 4
    ):
        raise AtasInputError(f"'{occupation_code}' is not a 4-digit SOC 2020 occupation code.")

    findings = tuple(_subject_finding(code, level_key, rules) for code in codes)
    subject_outcome: Outcome = max((f.outcome for f in findings), key=_ORDER.__getitem__)
    reasons: list[str] = []

    exempt = [rules.exempt[c] for c in countries if c in rules.exempt]
    level_rule = rules.levels[level_key]
    if exempt:
        result: Outcome = "not required"
        for entry in exempt:
            if entry.basis == "not-subject-to-immigration-control":
                reasons.append(
                    f"{entry.country} ({entry.iso_code}) nationals need no UK immigration "
                    "permission, to which ATAS is attached."
                )
            else:
                reasons.append(
                    f"Exempt: nationals of {entry.country} ({entry.iso_code}) do not need ATAS."
                )
        others = [c for c in countries if c not in rules.exempt]
        if others:
            reasons.append(
                f"Other nationality {', '.join(others)} is not exempt: the exemption follows from "
                "holding an exempt nationality; confirm the immigration application is made "
                "under it."
            )
    else:
        reasons.append(f"Nationality {', '.join(countries)}: not exempt from ATAS.")
        result, level_reason = _apply_level(level_rule, subject_outcome, occupation_code, rules)
        reasons.append(level_reason)

    summary = {
        "required": "At least one subject is a listed ATAS subject.",
        "check": "At least one subject could be listed; the list is incomplete or unconfirmed.",
        "not required": "No subject is listed or in an area our list may be missing.",
    }[subject_outcome]
    reasons.append(summary)
    if result == "check":
        reasons.append("An officer should check the current Appendix ATAS before deciding.")
    return AtasAssessment(
        result=result,
        cah3_codes=codes,
        nationalities=countries,
        level=level_key,
        occupation_code=occupation_code,
        subjects=findings,
        reasons=tuple(reasons),
        rules_version=rules.version,
        rules_verified_on=rules.verified_on,
        caveat=caveat_for(rules),
    )


def _apply_level(
    level_rule: Any, subject_outcome: Outcome, occupation_code: str | None, rules: AtasRules
) -> tuple[Outcome, str]:
    """Combine the subjects' outcome with the level's scope."""
    name = level_rule.level
    if level_rule.scope == "out-of-scope":
        return "not required", f"Level {name}: outside Appendix ATAS. {level_rule.description}"
    if level_rule.scope == "in-scope":
        return subject_outcome, f"Level {name}: covered by Appendix ATAS."
    if level_rule.scope == "occupation":
        if not rules.occupations:
            reason = (
                f"Level {name}: ATAS applies only to listed SOC 2020 occupation codes doing "
                "PhD-level research, and this rules version has no occupation codes."
            )
            return _cap(subject_outcome), reason
        if occupation_code is None:
            return _cap(subject_outcome), (
                f"Level {name}: give the SOC 2020 occupation code; ATAS applies only to "
                f"listed codes ({', '.join(sorted(rules.occupations))})."
            )
        if occupation_code in rules.occupations:
            title = rules.occupations[occupation_code].title
            return subject_outcome, (
                f"Level {name}: occupation {occupation_code} {title} is listed; ATAS applies "
                "when the work is PhD-level research in a listed subject."
            )
        return "not required", (
            f"Level {name}: occupation {occupation_code} is not a listed occupation code."
        )
    return _cap(subject_outcome), f"Level {name}: unclear. {level_rule.description}"


def _cap(outcome: Outcome) -> Outcome:
    """A level the rules cannot settle turns 'required' into 'check'."""
    return "check" if outcome == "required" else outcome


__all__ = ["AtasAssessment", "SubjectFinding", "assess", "caveat_for", "LEVELS"]
