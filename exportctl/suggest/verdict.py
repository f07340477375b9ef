"""The screening verdict: how close the best suggestion is, in three words an officer can sort
by. ``no_close_match`` still lists the candidates and never means "not controlled".

The two cut-offs on the best candidate's score are calibrated on development abstracts when the
ranker is trained (see ``training.calibrate_verdict``) and saved with it: below
``no_close_match_below`` lie at most 3% of listed development abstracts; from
``likely_listed_from`` the best candidate was a right entry for most of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

from exportctl.suggest.ranker import LinearRanker
from exportctl.suggest.result import Candidate

Verdict = Literal["likely_listed", "possibly_listed", "no_close_match"]
#: a text shorter than this (content words) cannot show that nothing matches
MIN_WORDS_FOR_NO_MATCH = 20
VERDICT_LABELS: dict[str, str] = {
    "likely_listed": "Likely listed",
    "possibly_listed": "Possibly listed",
    "no_close_match": "No close match",
}


@dataclass(frozen=True)
class Screening:
    verdict: Verdict
    reason: str
    best_score: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def screening_verdict(
    controls: Sequence[Candidate], ranker: LinearRanker, *, words: int | None = None
) -> Screening:
    """``words``: the number of content words screened; a short description is never
    ``no_close_match`` (too little to go on), only ``possibly_listed``."""
    direct = [c for c in controls if c.via is None]
    if not direct:
        return Screening(
            "no_close_match",
            "Nothing in the text matched an entry. That is not a 'not controlled' finding: an "
            "export-control officer decides, and should see the full description of the work.",
        )
    best = max(direct, key=lambda c: c.score)
    low = ranker.verdict.get("no_close_match_below", float("-inf"))
    high = ranker.verdict.get("likely_listed_from", float("inf"))
    if best.score >= high:
        return Screening(
            "likely_listed",
            f"The best match, {best.code}, is close: an export-control officer must check it "
            "(and the entries below it) before any of the work is shared abroad.",
            best.score,
        )
    if best.score >= low:
        return Screening(
            "possibly_listed",
            f"Some entries match in part (best: {best.code}). Review the candidates and their "
            "threshold questions; an export-control officer decides.",
            best.score,
        )
    if words is not None and words < MIN_WORDS_FOR_NO_MATCH:
        return Screening(
            "possibly_listed",
            f"The description is too short to rule anything out (best: {best.code}). Give the "
            "full abstract of the work; an export-control officer decides.",
            best.score,
        )
    return Screening(
        "no_close_match",
        f"No entry matches closely (the best, {best.code}, scores below the level reached by "
        "97% of listed development abstracts). This is not a 'not controlled' finding: the "
        "candidates are still listed, and an export-control officer decides.",
        best.score,
    )
