"""Make the first-release case database fixture (``first-release.sqlite3`` and, from a
PostgreSQL server, ``first-release.postgres.sql``) with the code of the first release.

Run with a checkout of that release (commit 22913d6) first on the path, e.g.::

    git worktree add --detach /tmp/first-release 22913d6
    PYTHONPATH=/tmp/first-release:/tmp/first-release/tests \\
        python tests/data/cases/make_first_release.py tests/data/cases/first-release.sqlite3
    PYTHONPATH=... python tests/data/cases/make_first_release.py \\
        postgresql+psycopg://postgres@127.0.0.1:PORT/first_release
    pg_dump --inserts --no-owner --no-privileges -h 127.0.0.1 -p PORT -U postgres \\
        first_release | grep -v '^\\\\' > tests/data/cases/first-release.postgres.sql

(the ``grep`` drops psql's ``\\restrict`` lines, which only psql understands).

The cases cover what a first-release office holds: submitted, in review, decided and reopened
cases, answers, confirmed, rejected and officer-added entries, and an external id used twice
(the first release did not refuse repeats).
"""

from __future__ import annotations

import sys

from helpers_cases import OFFICER, OFFICER_2, OTHER_RESEARCHER, RESEARCHER, stored_result

import exportctl
from exportctl.cases.repository import AnswerInput, CaseRepository, NewEntry

ABSTRACTS = [
    ("Femtosecond fibre laser", "A 200 W femtosecond fibre laser at 1030 nm for micromachining."),
    ("Radiation-hard MCU", "A radiation-hardened microcontroller for small satellites."),
    ("Medieval charters", "Palaeography of twelfth-century charters from Durham."),
    ("THz imaging", "Terahertz imaging sensor for security screening at 0.3 THz."),
    ("Gas centrifuge CFD", "Computational fluid dynamics of rotating flows in centrifuges."),
]


def main(target: str) -> None:
    print(f"exportctl from {exportctl.__file__}", file=sys.stderr)
    url = target if "://" in target else f"sqlite:///{target}"
    repo = CaseRepository.open(url)
    ids = []
    for index, (title, abstract) in enumerate(ABSTRACTS):
        researcher = RESEARCHER if index % 2 == 0 else OTHER_RESEARCHER
        ids.append(
            repo.create_case(
                researcher,
                title=title,
                abstract=abstract,
                result=stored_result(abstract),
                answers={
                    "public_domain": AnswerInput(
                        question="Will the results be published?", answer="yes", comment="paper"
                    )
                },
                partner_country="US" if index == 0 else None,
                visitor_nationality="CN" if index == 3 else None,
                visitor_level="research" if index == 3 else None,
            )
        )
    # Batch cases, one external id twice (as the first release allowed).
    for external_id, title in (("GR/1234", "Batch one"), ("GR/1234", "Batch one again")):
        ids.append(
            repo.create_case(
                OFFICER,
                title=title,
                abstract="Quantum key distribution over 100 km of fibre.",
                result=stored_result("Quantum key distribution", codes=("5A002.a", "5E002")),
                external_id=external_id,
                source_name="batch.csv",
                researcher=RESEARCHER,
            )
        )
    # The laser: confirmed and decided as listed.
    case = repo.get_case(OFFICER, ids[0])
    repo.review_suggestion(
        OFFICER, case.suggestions[0].id, status="confirmed", note="200 W", expected_version=1
    )
    repo.review_suggestion(
        OFFICER, case.suggestions[1].id, status="rejected", note="no technology", expected_version=1
    )
    case = repo.get_case(OFFICER, ids[0])
    repo.decide(
        OFFICER,
        ids[0],
        decision="listed_licence_needed",
        atas_decision="not_required",
        note="Licence before shipping to the partner.",
        expected_version=case.version,
    )
    # The charters: not listed, then reopened and decided again by another officer.
    case = repo.get_case(OFFICER, ids[2])
    for suggestion in case.suggestions:
        repo.review_suggestion(
            OFFICER, suggestion.id, status="rejected", note="history", expected_version=1
        )
    case = repo.get_case(OFFICER, ids[2])
    repo.decide(
        OFFICER,
        ids[2],
        decision="not_listed",
        atas_decision="not_required",
        note=None,
        expected_version=case.version,
    )
    case = repo.get_case(OFFICER, ids[2])
    repo.reopen(OFFICER_2, ids[2], reason="second look", expected_version=case.version)
    case = repo.get_case(OFFICER, ids[2])
    repo.decide(
        OFFICER_2,
        ids[2],
        decision="not_listed",
        atas_decision="not_required",
        note="Confirmed on second look.",
        expected_version=case.version,
    )
    # THz: an entry the tool missed, added by the officer; the researcher changes an answer.
    case = repo.get_case(OTHER_RESEARCHER, ids[3])
    repo.set_answer(
        OTHER_RESEARCHER,
        ids[3],
        "public_domain",
        AnswerInput(question="Will the results be published?", answer="no", comment="NDA"),
        expected_version=case.version,
    )
    repo.add_entry(
        OFFICER,
        ids[3],
        NewEntry(code="6A008.a", entry="6A008", list_name="dual-use", title="Radar systems"),
        note="imaging radar",
    )
    repo.dispose()
    print(f"{url}: {len(ids)} cases")


if __name__ == "__main__":
    main(sys.argv[1])
