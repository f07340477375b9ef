"""Re-screening after a list amendment: which cases a new list version touches.

A case stands under the list version it was decided under (undecided: the one it was screened
against). When another version comes into use, every case standing under an older one is
compared with the difference between the two (:mod:`exportctl.lists.diff`): a case whose
suggestions, confirmed or not, or entries added by an officer touch a changed clause (the clause
itself, a parent it is read with, or a sub-item it covers) is flagged for re-review with that
part of the difference. Nothing about its decision changes: an officer re-confirms it under the
new version or reopens it and decides again, and both are audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from exportctl.auth import User
from exportctl.cases.records import case_ref
from exportctl.cases.repository import CaseRepository
from exportctl.config import CONTROL_LISTS_DIR
from exportctl.errors import DatasetError
from exportctl.lists.diff import Change, ListDiff, compare
from exportctl.lists.store import ControlList, dataset_for

if TYPE_CHECKING:
    from exportctl.suggest.engine import Suggester

logger = logging.getLogger(__name__)

#: Who flags cases when the app finds that another list version is in use.
SYSTEM_ACTOR = User(username="exportctl", name="exportctl (list amendment check)", role="officer")

#: progress callback: (cases done, cases in all)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FlaggedCase:
    """A case a new list version touches: its codes the changes bear on, and those changes."""

    case_id: int
    codes: tuple[str, ...]
    changes: tuple[Change, ...]
    newly_flagged: bool  # False: it was already flagged for this version

    @property
    def ref(self) -> str:
        return case_ref(self.case_id)


@dataclass(frozen=True)
class RescreenReport:
    """One check of the cases standing under ``from_version`` against ``to_version``."""

    from_version: str
    to_version: str
    checked: int
    flagged: tuple[FlaggedCase, ...]
    diff_counts: dict[str, int] = field(default_factory=dict)
    screened: int = 0  # flagged cases screened again under to_version

    @property
    def newly_flagged(self) -> int:
        return sum(1 for case in self.flagged if case.newly_flagged)


@dataclass(frozen=True)
class ListCheck:
    """The app's check when it finds another list version in use: a report per version cases
    stood under, and the versions that could not be compared (not imported here)."""

    to_version: str
    reports: tuple[RescreenReport, ...] = ()
    unchecked: dict[str, int] = field(default_factory=dict)  # version -> cases

    @property
    def newly_flagged(self) -> int:
        return sum(report.newly_flagged for report in self.reports)


def touched_codes(diff: ListDiff, codes: tuple[str, ...]) -> tuple[str, ...]:
    """Which of ``codes`` the difference bears on."""
    return tuple(code for code in dict.fromkeys(codes) if diff.touching([code]))


def rescreen(
    repository: CaseRepository,
    actor: User,
    old: ControlList,
    new: ControlList,
    *,
    diff: ListDiff | None = None,
    suggester: Suggester | None = None,
    progress: Progress | None = None,
) -> RescreenReport:
    """Flag every case standing under ``old`` that ``new`` touches. With ``suggester`` (an
    engine over ``new``), each flagged case is screened again and the new suggestions kept
    beside its decision. Idempotent: a case already flagged for ``new`` is not flagged twice."""
    diff = diff or compare(old, new)
    cases = repository.codes_under(actor, old.version)
    flagged: list[FlaggedCase] = []
    screened = 0
    for done, (case_id, codes) in enumerate(cases.items(), start=1):
        changes = diff.touching(codes)
        if changes:
            touched = touched_codes(diff, codes)
            review_id = repository.flag_amendment(
                actor,
                case_id,
                from_version=old.version,
                to_version=new.version,
                codes=touched,
                changes=[change.to_dict() for change in changes],
                summaries=[change.describe() for change in changes],
            )
            flagged.append(FlaggedCase(case_id, touched, changes, review_id is not None))
            if suggester is not None and screen_again(repository, actor, case_id, suggester):
                screened += 1
        if progress is not None:
            progress(done, len(cases))
    report = RescreenReport(
        from_version=old.version,
        to_version=new.version,
        checked=len(cases),
        flagged=tuple(flagged),
        diff_counts=diff.counts(minor=False),
        screened=screened,
    )
    repository.record_rescreen(
        actor,
        from_version=old.version,
        to_version=new.version,
        checked=report.checked,
        flagged=report.newly_flagged,
    )
    logger.info(
        "Checked %d cases under %s against %s: %d flagged (%d newly).",
        report.checked,
        old.version,
        new.version,
        len(flagged),
        report.newly_flagged,
    )
    return report


def screen_again(
    repository: CaseRepository, actor: User, case_id: int, suggester: Suggester
) -> bool:
    """Screen a flagged case's abstract under the suggester's list and keep the result with its
    open amendment review for that version (once). Whether it was screened now."""
    case = repository.get_case(actor, case_id)
    review = next(
        (
            r
            for r in reversed(case.amendment_reviews)
            if r.open and r.to_version == suggester.control_list.version
        ),
        None,
    )
    if review is None or review.result is not None:
        return False
    repository.store_amendment_result(
        actor, review.id, suggester.suggest(case.abstract, text_id=case.ref)
    )
    return True


def check_list_in_use(
    repository: CaseRepository,
    current: ControlList,
    *,
    actor: User = SYSTEM_ACTOR,
    root: Path = CONTROL_LISTS_DIR,
) -> ListCheck:
    """When the list version in use is not the one cases were last checked against, check
    every case standing under another version against it (the app does this when it starts
    on a newly chosen version). Versions not imported here are left unchecked and named."""
    if repository.list_in_use() == current.version:
        return ListCheck(current.version)
    reports: list[RescreenReport] = []
    unchecked: dict[str, int] = {}
    for version, count in sorted(repository.list_versions_of_cases(actor).items()):
        if version == current.version:
            continue
        try:
            old = ControlList.from_dir(dataset_for(version, root))
        except DatasetError as error:
            logger.warning("%d cases under %s not checked: %s", count, version, error.message)
            unchecked[version] = count
            continue
        reports.append(rescreen(repository, actor, old, current))
    repository.set_list_in_use(current.version)
    return ListCheck(current.version, tuple(reports), unchecked)


def render_report(report: RescreenReport, repository: CaseRepository, actor: User) -> str:
    """The report the command prints: counts, then each flagged case with its decision, the
    version it was made under, the changes that bear on it and the new suggestions."""
    counts = ", ".join(
        f"{n} {kind.replace('_', ' ')}" for kind, n in report.diff_counts.items() if n
    )
    out = [
        f"{report.from_version} → {report.to_version}: {counts or 'no changes'}.",
        f"Checked {report.checked} cases standing under {report.from_version}; "
        f"{len(report.flagged)} touched by the changes "
        f"({report.newly_flagged} newly flagged for re-review"
        + (f", {report.screened} screened again" if report.screened else "")
        + ").",
    ]
    for flagged in report.flagged:
        case = repository.get_case(actor, flagged.case_id)
        review = next(
            (r for r in reversed(case.amendment_reviews) if r.to_version == report.to_version),
            None,
        )
        decision = (
            f"{case.decision_label} (decided under {case.decided_under})"
            if case.decision
            else f"{case.status_label} (screened under {case.list_version})"
        )
        out.append("")
        out.append(f"{case.ref}  {case.title}")
        out.append(f"  decision: {decision}")
        out.append(f"  entries the changes bear on: {', '.join(flagged.codes)}")
        for change in flagged.changes[:20]:
            out.append(f"    {change.describe()}")
        if len(flagged.changes) > 20:
            out.append(f"    … and {len(flagged.changes) - 20} more changes")
        if review is not None and review.result is not None:
            controls = review.result.get("controls") or []
            codes = ", ".join(str(c.get("code")) for c in controls[:8])
            out.append(f"  suggestions under {report.to_version}: {codes or 'none'}")
        if review is not None and not review.open:
            out.append(f"  settled: {review.resolution_label} by {review.resolved_by}")
    return "\n".join(out)


__all__ = [
    "SYSTEM_ACTOR",
    "FlaggedCase",
    "ListCheck",
    "RescreenReport",
    "check_list_in_use",
    "render_report",
    "rescreen",
    "screen_again",
    "touched_codes",
]
