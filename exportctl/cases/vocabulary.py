"""The fixed words of a case: statuses, decisions and answers, with their display labels."""

from __future__ import annotations

#: Case statuses, in workflow order.
CASE_STATUSES: dict[str, str] = {
    "submitted": "Submitted, waiting for review",
    "in_review": "In review",
    "decided": "Decided",
    "withdrawn": "Withdrawn by the researcher",
}

#: Statuses in which a case still waits for an officer.
OPEN_STATUSES: tuple[str, ...] = ("submitted", "in_review")

#: How a list of cases can be ordered: key -> label.
CASE_SORTS: dict[str, str] = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "updated": "Recently changed first",
    "title": "Title (A–Z)",
    "researcher": "Researcher (A–Z)",
}

SUGGESTION_STATUSES: dict[str, str] = {
    "pending": "Not reviewed",
    "confirmed": "Confirmed",
    "rejected": "Rejected",
}

#: Where an entry on a case came from.
SUGGESTION_SOURCES: dict[str, str] = {
    "suggested": "Suggested by exportctl",
    "officer": "Added by an officer",
}

#: The officer's export-control decision on a case.
DECISIONS: dict[str, str] = {
    "not_listed": "Not listed",
    "listed_licence_needed": "Listed — licence needed",
    "listed_exempt_public_domain": "Listed — exempt (public domain)",
    "listed_exempt_basic_research": "Listed — exempt (basic scientific research)",
    "listed_exempt_patent": "Listed — exempt (patent application)",
    "refer_ecju": "Refer to the Export Control Joint Unit",
    "more_information": "More information needed from the researcher",
}

#: Decisions that say a listed entry applies: the case must have a confirmed entry.
LISTED_DECISIONS = frozenset(
    {
        "listed_licence_needed",
        "listed_exempt_public_domain",
        "listed_exempt_basic_research",
        "listed_exempt_patent",
    }
)

#: The officer's ATAS decision on a case.
ATAS_DECISIONS: dict[str, str] = {
    "not_assessed": "Not assessed",
    "required": "ATAS required",
    "not_required": "ATAS not required",
    "not_applicable": "Not applicable (no visitor or student)",
}

#: Answers to the exemption and end-use questions.
ANSWERS: dict[str, str] = {
    "unanswered": "Not answered",
    "yes": "Yes",
    "no": "No",
    "unsure": "Not sure",
}

#: How an officer settled a case that a newer list version touches.
AMENDMENT_RESOLUTIONS: dict[str, str] = {
    "reconfirmed": "Decision re-confirmed",
    "redecided": "Decided again",
}
