"""Recall@k and MRR of the suggestion pipeline and of the BM25 baseline on labelled texts.

A record has ``text``, ``labels`` (clause codes, or ``NOT_LISTED``) and ``labels_entry_level``
(entry codes). At entry level a list is a hit at k when any gold entry is in its first k
entries; ``coverage@10`` is the share of an abstract's gold entries found in the first 10. At
clause level a suggested clause is a hit when it is a gold clause or lies inside one (a gold
label of ``2B510`` is met by ``2B510.c``). ``NOT_LISTED`` records give the false-positive
picture: how high their best score is compared with listed records'.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from exportctl.errors import InputTextError
from exportctl.jsonl import read_jsonl

NOT_LISTED = "NOT_LISTED"
KS = (1, 5, 10)

#: ranker: text → [(entry, clause, score)], best first
Ranker = Callable[[str], list[tuple[str, str, float]]]


@dataclass
class Scores:
    name: str
    listed: int = 0
    hits_entry: dict[int, int] = field(default_factory=lambda: dict.fromkeys(KS, 0))
    hits_clause: dict[int, int] = field(default_factory=lambda: dict.fromkeys(KS, 0))
    reciprocal_entry: float = 0.0
    reciprocal_clause: float = 0.0
    coverage_10: float = 0.0
    top_scores_listed: list[float] = field(default_factory=list)
    top_scores_not_listed: list[float] = field(default_factory=list)
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        n = max(self.listed, 1)
        return {
            "method": self.name,
            "listed_records": self.listed,
            **{f"entry_recall@{k}": self.hits_entry[k] / n for k in KS},
            "entry_mrr": self.reciprocal_entry / n,
            "entry_coverage@10": self.coverage_10 / n,
            **{f"clause_recall@{k}": self.hits_clause[k] / n for k in KS},
            "clause_mrr": self.reciprocal_clause / n,
            **self.false_positive_picture(),
            "ms_per_text": 1000
            * self.seconds
            / max(self.listed + len(self.top_scores_not_listed), 1),
        }

    def false_positive_picture(self) -> dict:
        not_listed = self.top_scores_not_listed
        if not not_listed:
            return {"not_listed_records": 0}
        listed = sorted(self.top_scores_listed)
        # the score that keeps 90% of listed records above it
        cut = listed[int(0.1 * len(listed))] if listed else 0.0
        return {
            "not_listed_records": len(not_listed),
            "not_listed_median_top_score": statistics.median(not_listed),
            "listed_median_top_score": statistics.median(listed) if listed else None,
            "not_listed_above_listed_p10": sum(s >= cut for s in not_listed) / len(not_listed),
        }


def read_records(path: Path) -> list[dict]:
    return read_jsonl(path, error=InputTextError)


def _inside(code: str, gold: str) -> bool:
    return code == gold or code.startswith(gold + ".")


def score_ranker(name: str, ranker: Ranker, records: Iterable[dict]) -> Scores:
    scores = Scores(name)
    for record in records:
        started = time.perf_counter()
        try:
            ranked = ranker(record["text"])
        except InputTextError:
            ranked = []
        scores.seconds += time.perf_counter() - started
        top = ranked[0][2] if ranked else 0.0
        gold_entries = set(record.get("labels_entry_level") or [])
        if gold_entries == {NOT_LISTED}:
            scores.top_scores_not_listed.append(top)
            continue
        scores.listed += 1
        scores.top_scores_listed.append(top)
        entries = [entry for entry, _, _ in ranked]
        clauses = [clause for _, clause, _ in ranked]
        gold_clauses = [g for g in record.get("labels", []) if g != NOT_LISTED]
        entry_rank = next((i + 1 for i, e in enumerate(entries) if e in gold_entries), None)
        clause_rank = next(
            (i + 1 for i, c in enumerate(clauses) if any(_inside(c, g) for g in gold_clauses)),
            None,
        )
        for k in KS:
            scores.hits_entry[k] += bool(entry_rank and entry_rank <= k)
            scores.hits_clause[k] += bool(clause_rank and clause_rank <= k)
        scores.reciprocal_entry += 1 / entry_rank if entry_rank else 0.0
        scores.reciprocal_clause += 1 / clause_rank if clause_rank else 0.0
        scores.coverage_10 += len(gold_entries & set(entries[:10])) / len(gold_entries)
        if not entry_rank or entry_rank > 5:
            scores.misses.append(
                f"{record.get('id')}: gold {sorted(gold_entries)}, got {entries[:5]}"
            )
    return scores


def pipeline_ranker(suggester) -> Ranker:
    from exportctl.suggest.input_text import check_text

    def rank(text: str) -> list[tuple[str, str, float]]:
        checked = check_text(text)
        analysed = suggester.pipeline.analyse(checked.text)
        return [
            (c.entry, c.code, c.score) for c in suggester.rank(checked.text, analysed, top_k=10)
        ]

    return rank


def baseline_ranker(baseline) -> Ranker:
    return lambda text: baseline.rank(text, top_k=10)


def format_table(rows: list[dict]) -> str:
    keys = [k for k in rows[0] if k != "method"]
    width = max(len(k) for k in keys)
    header = " " * width + "".join(f"{row['method']:>14}" for row in rows)
    lines = [header]
    for key in keys:
        cells = []
        for row in rows:
            value = row.get(key)
            cells.append(f"{value:>14.3f}" if isinstance(value, float) else f"{value!s:>14}")
        lines.append(f"{key:<{width}}" + "".join(cells))
    return "\n".join(lines)
