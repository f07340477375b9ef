"""Recall@k, MRR and verdict shares of the suggestion pipeline and of the BM25 baseline.

A record has ``text``, ``labels`` (clause codes, or ``NOT_LISTED``), ``labels_entry_level``
(entry codes) and an ``area``. At entry level a list is a hit at k when any gold entry is in
its first k entries; ``coverage@10`` is the share of an abstract's gold entries in the first 10.
At clause level a suggested clause is a hit when it is a gold clause or lies inside one (a gold
label of ``2B510`` is met by ``2B510.c``). For the verdict: the share of listed abstracts that
get ``no_close_match`` (the costly error, bounded at 3%) and the share of not-listed abstracts
that get it (the tool's usefulness for triage).
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from exportctl.errors import InputTextError
from exportctl.jsonl import read_jsonl

NOT_LISTED = "NOT_LISTED"
KS = (1, 5, 10)


@dataclass(frozen=True)
class Ranked:
    """A method's answer for one text: (entry, clause, score) best first, and its verdict."""

    items: list[tuple[str, str, float]]
    verdict: str | None = None


#: ranker: text → its ranked entries
Ranker = Callable[[str], Ranked]


@dataclass(frozen=True)
class Outcome:
    """How one method did on one record."""

    record_id: str
    area: str
    listed: bool
    entry_rank: int | None  # 1-based rank of the first gold entry
    clause_rank: int | None
    coverage_10: float  # share of gold entries in the top 10
    top_score: float
    verdict: str | None
    top_entries: tuple[str, ...] = ()
    gold: tuple[str, ...] = ()


def _inside(code: str, gold: str) -> bool:
    return code == gold or code.startswith(gold + ".")


def outcome_of(record: dict, ranked: Ranked) -> Outcome:
    gold_entries = [g for g in record.get("labels_entry_level") or [] if g != NOT_LISTED]
    gold_clauses = [g for g in record.get("labels") or [] if g != NOT_LISTED]
    entries = [entry for entry, _, _ in ranked.items]
    clauses = [clause for _, clause, _ in ranked.items]
    entry_rank = next((i + 1 for i, e in enumerate(entries) if e in gold_entries), None)
    clause_rank = next(
        (i + 1 for i, c in enumerate(clauses) if any(_inside(c, g) for g in gold_clauses)), None
    )
    coverage = len(set(gold_entries) & set(entries[:10])) / len(gold_entries) if gold_entries else 0
    return Outcome(
        record_id=str(record.get("id")),
        area=str(record.get("area") or record.get("domain") or ""),
        listed=bool(gold_entries),
        entry_rank=entry_rank,
        clause_rank=clause_rank,
        coverage_10=coverage,
        top_score=ranked.items[0][2] if ranked.items else 0.0,
        verdict=ranked.verdict,
        top_entries=tuple(entries[:5]),
        gold=tuple(gold_entries),
    )


def run_method(ranker: Ranker, records: Iterable[dict]) -> tuple[list[Outcome], float]:
    """Outcomes of one method on every record, and the seconds it took."""
    outcomes, seconds = [], 0.0
    for record in records:
        started = time.perf_counter()
        try:
            ranked = ranker(record["text"])
        except InputTextError:
            ranked = Ranked([])
        seconds += time.perf_counter() - started
        outcomes.append(outcome_of(record, ranked))
    return outcomes, seconds


def summarise(name: str, outcomes: list[Outcome], seconds: float | None = None) -> dict:
    listed = [o for o in outcomes if o.listed]
    not_listed = [o for o in outcomes if not o.listed]
    n = max(len(listed), 1)
    row: dict = {"method": name, "listed_records": len(listed)}
    for k in KS:
        row[f"entry_recall@{k}"] = sum(bool(o.entry_rank and o.entry_rank <= k) for o in listed) / n
    row["entry_mrr"] = sum(1 / o.entry_rank for o in listed if o.entry_rank) / n
    row["entry_coverage@10"] = sum(o.coverage_10 for o in listed) / n
    for k in KS:
        row[f"clause_recall@{k}"] = (
            sum(bool(o.clause_rank and o.clause_rank <= k) for o in listed) / n
        )
    row["clause_mrr"] = sum(1 / o.clause_rank for o in listed if o.clause_rank) / n
    row["not_listed_records"] = len(not_listed)
    if any(o.verdict for o in outcomes):
        listed_verdicts = Counter(o.verdict for o in listed)
        not_listed_verdicts = Counter(o.verdict for o in not_listed)
        row["listed_no_close_match"] = listed_verdicts["no_close_match"] / n
        row["listed_likely_listed"] = listed_verdicts["likely_listed"] / n
        m = max(len(not_listed), 1)
        row["not_listed_no_close_match"] = not_listed_verdicts["no_close_match"] / m
        row["not_listed_likely_listed"] = not_listed_verdicts["likely_listed"] / m
    elif not_listed and listed:
        cut = sorted(o.top_score for o in listed)[int(0.1 * len(listed))]
        row["not_listed_above_listed_p10"] = sum(o.top_score >= cut for o in not_listed) / len(
            not_listed
        )
        row["not_listed_median_top_score"] = statistics.median(o.top_score for o in not_listed)
    if seconds is not None:
        row["ms_per_text"] = 1000 * seconds / max(len(outcomes), 1)
    return row


def by_area(outcomes: list[Outcome]) -> dict[str, list[Outcome]]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.area].append(outcome)
    return dict(sorted(groups.items()))


def misses(outcomes: list[Outcome], k: int = 5) -> list[str]:
    return [
        f"{o.record_id}: gold {list(o.gold)}, got {list(o.top_entries)}"
        for o in outcomes
        if o.listed and (not o.entry_rank or o.entry_rank > k)
    ]


@dataclass
class AreaTable:
    """Per-area rows: records, recall@5 / MRR / coverage for each method."""

    methods: dict[str, list[Outcome]] = field(default_factory=dict)

    def rows(self) -> list[dict]:
        names = list(self.methods)
        grouped = {name: by_area(outcomes) for name, outcomes in self.methods.items()}
        areas = sorted({area for groups in grouped.values() for area in groups})
        out = []
        for area in areas:
            row: dict = {"area": area}
            for name in names:
                items = grouped[name].get(area, [])
                listed = [o for o in items if o.listed]
                row["records"] = len(items)
                row["listed"] = len(listed)
                if listed:
                    n = len(listed)
                    row[f"{name} R@5"] = sum(bool(o.entry_rank and o.entry_rank <= 5)
                                             for o in listed) / n  # fmt: skip
                    row[f"{name} MRR"] = sum(1 / o.entry_rank for o in listed if o.entry_rank) / n
                    row[f"{name} cov@10"] = sum(o.coverage_10 for o in listed) / n
                else:
                    row[f"{name} no-match"] = sum(o.verdict == "no_close_match" for o in items) / (
                        len(items) or 1
                    )
            out.append(row)
        return out


def read_records(path: Path) -> list[dict]:
    """Labelled records, each checked: an object; one with control labels
    (``labels_entry_level``, a list) needs its ``text``."""
    records = read_jsonl(path, error=InputTextError)
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise InputTextError(f"{path} record {number} is not a JSON object.")
        labels = record.get("labels_entry_level")
        if labels is not None and (
            not isinstance(labels, list) or not isinstance(record.get("text"), str)
        ):
            raise InputTextError(
                f"{path} record {number} needs a 'text' and 'labels_entry_level' as a list of "
                'entry codes (e.g. ["6A005"] or ["NOT_LISTED"]).'
            )
    return records


def pipeline_ranker(suggester) -> Ranker:
    from exportctl.suggest.engine import content_words
    from exportctl.suggest.input_text import check_text
    from exportctl.suggest.verdict import screening_verdict

    def rank(text: str) -> Ranked:
        query = suggester.analyse(check_text(text).text)
        controls = suggester.candidates(query, suggester.score(query), top_k=10)
        verdict = screening_verdict(controls, suggester.ranker, words=content_words(query)).verdict
        return Ranked([(c.entry, c.code, c.score) for c in controls], verdict)

    return rank


def baseline_ranker(baseline) -> Ranker:
    return lambda text: Ranked(baseline.rank(text, top_k=10))


def format_table(rows: list[dict]) -> str:
    keys = [k for k in rows[0] if k != "method"]
    for row in rows[1:]:
        keys.extend(k for k in row if k not in keys and k != "method")
    width = max(len(k) for k in keys)
    header = " " * width + "".join(f"{row['method']:>14}" for row in rows)
    lines = [header]
    for key in keys:
        cells = []
        for row in rows:
            value = row.get(key, "")
            cells.append(f"{value:>14.3f}" if isinstance(value, float) else f"{value!s:>14}")
        lines.append(f"{key:<{width}}" + "".join(cells))
    return "\n".join(lines)


def format_area_table(rows: list[dict]) -> str:
    keys = list(dict.fromkeys(k for row in rows for k in row))
    widths = {k: max(len(k), *(len(_cell(r.get(k))) for r in rows)) for k in keys}
    lines = ["  ".join(f"{k:<{widths[k]}}" for k in keys)]
    for row in rows:
        lines.append("  ".join(f"{_cell(row.get(k)):<{widths[k]}}" for k in keys))
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def replay(suggester, records: list[dict], *, prior: list[dict] = ()) -> list[Outcome]:
    """Records screened one after another as an office would: each with the ones before it
    (and ``prior``) already decided, their gold entries confirmed, as precedents."""
    from exportctl.suggest.input_text import check_text
    from exportctl.suggest.precedents import EMPTY_BOOK, PrecedentBook
    from exportctl.suggest.training import as_precedent

    decided = []
    for record in prior:
        query = suggester.analyse(check_text(record["text"]).text)
        decided.append(as_precedent(record, query.meaning))
    outcomes = []
    rank = pipeline_ranker(suggester)
    try:
        for record in records:
            suggester.use_precedents(PrecedentBook(decided))
            outcomes.extend(run_method(rank, [record])[0])
            query = suggester.analyse(check_text(record["text"]).text)
            decided.append(as_precedent(record, query.meaning))
    finally:
        suggester.use_precedents(EMPTY_BOOK)
    return outcomes
