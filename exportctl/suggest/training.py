"""Training the ranker from labelled abstracts, and calibrating the screening verdict.

For each abstract the engine's matchers score every entry; the examples are the entries any
matcher puts in its top ``pool`` plus the gold entries. A software or technology entry that is
gold only because a gold goods entry names it is left out of the examples: the engine brings
such entries in below their goods entry (``related_offset``), so the ranker need not learn to
push them up on their own generic words. The offset is then chosen on the same examples (one
number), and the verdict's two cut-offs are read off the distribution of best scores.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from exportctl.errors import InputTextError
from exportctl.suggest.input_text import check_text
from exportctl.suggest.precedents import EMPTY_BOOK, Precedent, PrecedentBook
from exportctl.suggest.ranker import LinearRanker

NOT_LISTED = "NOT_LISTED"
PRECEDENTS = "precedents"
#: entries per matcher that become training examples
POOL = 40
#: offsets tried for software/technology entries brought in by a goods entry
RELATED_OFFSETS = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0)
#: at most this share of listed training abstracts may fall below ``no_close_match_below``
MISSED_LISTED_SHARE = 0.02
#: from ``likely_listed_from`` up, at least this share of training abstracts are listed and
#: have a right entry first
LIKELY_PRECISION = 0.9

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Example:
    """One labelled abstract as the ranker sees it."""

    record_id: str
    area: str
    features: np.ndarray  # (entries, features)
    gold: frozenset[int]  # entry rows
    related_gold: frozenset[int]  # gold D/E rows named by a gold goods entry
    candidates: np.ndarray  # bool per entry: a training example

    @property
    def listed(self) -> bool:
        return bool(self.gold)


def record_area(record: dict) -> str:
    return str(record.get("area") or record.get("domain") or "")


def as_precedent(record: dict, vector: np.ndarray) -> Precedent:
    """A labelled record as if an officer had decided it: its gold entries confirmed."""
    gold = tuple(g for g in record.get("labels_entry_level") or [] if g != NOT_LISTED)
    return Precedent(ref=str(record.get("id", "")), vector=vector, confirmed=gold)


def build_examples(
    suggester,
    records: Iterable[dict],
    *,
    progress: Progress | None = None,
    replay: bool = False,
) -> list[Example]:
    """Feature matrices of labelled records (``labels_entry_level``). With ``replay`` the
    records are taken as decided one after another in file order: each is scored with only
    the earlier ones as precedents, as an office would have seen them."""
    records = list(records)
    catalogue = suggester.catalogue
    text_matchers = [m.name for m in suggester.registry if m.name in _text_features(suggester)]
    examples = []
    decided: list[Precedent] = []
    for number, record in enumerate(records, start=1):
        suggester.use_precedents(PrecedentBook(decided))
        try:
            query = suggester.analyse(check_text(record["text"]).text)
        except InputTextError:
            continue
        if replay and query.meaning.size:
            decided.append(as_precedent(record, query.meaning))
        scores = suggester.registry.score(query)
        features = suggester.registry.feature_matrix(scores, suggester.registry.names)
        gold_codes = [g for g in record.get("labels_entry_level") or [] if g != NOT_LISTED]
        gold = {catalogue.entry_row[g] for g in gold_codes if g in catalogue.entry_row}
        related_gold = set()
        for row in gold:
            related_gold.update(r for r in suggester.related_rows[row] if r in gold)
        candidates = np.zeros(len(catalogue.entry_codes), dtype=bool)
        for name in text_matchers:
            values = scores[name].entry_values
            candidates[np.argsort(-values)[:POOL]] = True
        candidates[list(gold)] = True
        examples.append(
            Example(
                record_id=str(record.get("id", number)),
                area=record_area(record),
                features=features,
                gold=frozenset(gold),
                related_gold=frozenset(related_gold),
                candidates=candidates,
            )
        )
        if progress:
            progress(number, len(records))
    suggester.use_precedents(EMPTY_BOOK)
    return examples


def _text_features(suggester) -> set[str]:
    return {m.name for m in suggester.registry if m.clause_level or "words" in m.name
            or "characters" in m.name}  # fmt: skip


def fit_ranker(
    examples: list[Example],
    features: tuple[str, ...],
    *,
    C: float = 1.0,
    related_rows: list[list[int]],
    goods: np.ndarray,
) -> LinearRanker:
    """A ranker fitted on ``examples``, its related offset chosen and its verdict calibrated."""
    rows_x, rows_y = [], []
    for example in examples:
        mask = example.candidates.copy()
        mask[list(example.related_gold)] = False
        labels = np.zeros(len(mask))
        labels[list(example.gold)] = 1.0
        rows_x.append(example.features[mask])
        rows_y.append(labels[mask])
    X, y = np.concatenate(rows_x), np.concatenate(rows_y)
    ranker = LinearRanker(features=features, C=C).fit(X, y)
    best = None
    for offset in RELATED_OFFSETS:
        ranker.related_offset = offset
        quality = _quality(ranker, examples, related_rows, goods)
        if best is None or quality > best[0]:
            best = (quality, offset)
    assert best is not None
    ranker.related_offset = best[1]
    ranker.verdict = calibrate_verdict(ranker, examples, related_rows, goods)
    ranker.training = {
        "examples": len(X),
        "positives": int(y.sum()),
        "abstracts": len(examples),
        "listed_abstracts": sum(e.listed for e in examples),
        "areas": sorted({e.area for e in examples}),
    }
    return ranker


def rank_rows(
    ranker: LinearRanker, features: np.ndarray, related_rows: list[list[int]], goods: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(final score per entry, direct score per entry) as the engine computes them."""
    direct = ranker.decision_function(features) - ranker.intercept_
    final = direct.copy()
    ordered = [row for row in np.argsort(-direct) if goods[row]]
    for row in ordered[: ranker.related_from_top]:
        for related in related_rows[row]:
            final[related] = max(final[related], direct[row] - ranker.related_offset)
    return final, direct


def _quality(ranker, examples, related_rows, goods) -> float:
    """Mean reciprocal rank plus share of gold entries in the top 10, over listed examples."""
    total, n = 0.0, 0
    for example in examples:
        if not example.listed:
            continue
        final, _ = rank_rows(ranker, example.features, related_rows, goods)
        top = list(np.argsort(-final)[:10])
        first = next((i + 1 for i, row in enumerate(top) if row in example.gold), None)
        total += (1 / first if first else 0.0) + len(example.gold & set(top)) / len(example.gold)
        n += 1
    return total / max(n, 1)


def calibrate_verdict(ranker, examples, related_rows, goods) -> dict[str, float]:
    """The verdict's cut-offs, read as for an office with no decided cases yet: past
    decisions can only raise a score, so the bound on listed abstracts still holds with
    them."""
    listed, scored = [], []
    without = [i for i, name in enumerate(ranker.features) if name == PRECEDENTS]
    for example in examples:
        features = example.features.copy()
        features[:, without] = 0.0
        _, direct = rank_rows(ranker, features, related_rows, goods)
        best_row = int(np.argmax(direct))
        best = float(direct[best_row])
        if example.listed:
            listed.append(best)
        scored.append((best, example.listed and best_row in example.gold))
    if not listed:
        return {}
    listed.sort()
    allowed = int(np.floor(MISSED_LISTED_SHARE * len(listed)))
    low = listed[allowed] - 1e-6
    scored.sort(key=lambda item: -item[0])
    high = scored[0][0] + 1e-6
    hits = 0
    for count, (score, right) in enumerate(scored, start=1):
        hits += right
        if hits / count >= LIKELY_PRECISION:
            high = score
    return {"no_close_match_below": low, "likely_listed_from": max(high, low)}


def data_digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def train_from_files(suggester, paths: list[Path], *, C: float = 1.0,
                     progress: Progress | None = None) -> LinearRanker:  # fmt: skip
    from exportctl.suggest.evaluation import read_records

    records = [row for path in paths for row in read_records(path)]
    labelled = [r for r in records if r.get("labels_entry_level")]
    if not labelled:
        raise InputTextError(
            f"{', '.join(map(str, paths))} holds no record with 'text' and 'labels_entry_level' "
            "to train on."
        )
    examples = build_examples(suggester, labelled, progress=progress, replay=True)
    if not any(example.gold for example in examples):
        raise InputTextError(
            f"{', '.join(map(str, paths))} holds no listed record (a text labelled with an "
            "entry of the list): the ranker cannot learn from these."
        )
    ranker = fit_ranker(
        examples,
        suggester.registry.names,
        C=C,
        related_rows=suggester.related_rows,
        goods=suggester.goods_mask,
    )
    ranker.training.update(
        {"files": [p.name for p in paths], "data_sha256": data_digest(paths), "C": C}
    )
    return ranker


def describe(ranker: LinearRanker) -> str:
    return json.dumps(ranker.to_dict(), indent=2)
