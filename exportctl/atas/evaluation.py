"""Measure CAH3 suggestion: top-1 and top-3 accuracy (a hit when any gold CAH3 is in the top k).

Two kinds of file:
- HECoS subject names (``labels`` + ``hecos_code``, e.g. hecos_subject_names_cah3.jsonl):
  these names are also the index's vocabulary, so the file is scored by k-fold cross-validation
  over HECoS codes. For each fold the index is rebuilt without the held-out codes' HECoS names
  and HECoS definitions (a name and its DfE synonyms share a code, so they are held out
  together); the CAH3 labels stay in the index, and results are also given for the names that
  differ from their CAH3 label.
- Research abstracts (``text`` + ``cah3`` list, e.g. benchmarks/data/abstracts_test.jsonl):
  scored with the full default index; nothing there was used to build it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from exportctl.atas.defaults import SUBJECT_MEANING_WEIGHT, SUBJECT_MIN_RELATIVE_SCORE
from exportctl.atas.definitions import load_hecos_definitions
from exportctl.atas.subjects import (
    SubjectIndex,
    SubjectSuggestion,
    alias_vectors,
    build_aliases,
    default_index,
)
from exportctl.atas.vocabulary import load_vocabulary
from exportctl.errors import DatasetError
from exportctl.jsonl import read_jsonl as read_rows

logger = logging.getLogger(__name__)
FOLDS = 5
TOP_K = 3


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return read_rows(path, error=DatasetError)


def _gold(row: dict[str, Any]) -> list[str]:
    gold = row.get("cah3") or row.get("labels") or []
    return [g for g in gold if g.startswith("CAH")]


def _score(
    rows: Sequence[dict[str, Any]], rank: Callable[[str], list[SubjectSuggestion]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    hits1 = hits3 = 0
    details = []
    for row in rows:
        gold = set(_gold(row))
        ranked = [s.cah3 for s in rank(row["text"])]
        hit1 = bool(ranked[:1]) and ranked[0] in gold
        hit3 = bool(gold & set(ranked[:TOP_K]))
        hits1 += hit1
        hits3 += hit3
        details.append(
            {
                "id": row.get("id"),
                "gold": sorted(gold),
                "ranked": ranked[:TOP_K],
                "top1": hit1,
                "top3": hit3,
            }
        )
    n = len(rows)
    return {
        "n": n,
        "top1": round(hits1 / n, 4) if n else None,
        "top3": round(hits3 / n, 4) if n else None,
    }, details


def _rank_with(index: SubjectIndex) -> Callable[[str], list[SubjectSuggestion]]:
    return lambda text: index.rank(text, top_k=TOP_K, min_relative_score=SUBJECT_MIN_RELATIVE_SCORE)


def evaluate_hecos_names(
    rows: Sequence[dict[str, Any]], *, folds: int = FOLDS, index_params: dict | None = None
) -> dict[str, Any]:
    """K-fold over HECoS codes; each fold's index is built without the held-out names."""
    vocabulary = load_vocabulary()
    definitions = load_hecos_definitions()
    codes = sorted({row["hecos_code"] for row in rows})
    fold_of = {code: i % folds for i, code in enumerate(codes)}
    details: list[dict[str, Any]] = []
    for fold in range(folds):
        held_out = {code for code, f in fold_of.items() if f == fold}
        aliases = build_aliases(vocabulary, exclude_hecos=held_out, definitions=definitions)
        params = {"meaning_weight": SUBJECT_MEANING_WEIGHT, **(index_params or {})}
        index = SubjectIndex(**params).fit(aliases, vocabulary, alias_vectors(aliases))
        test = [row for row in rows if row["hecos_code"] in held_out]
        _, fold_details = _score(test, _rank_with(index))
        for row, detail in zip(test, fold_details, strict=True):
            detail["text_equals_cah3_label"] = bool(row.get("text_equals_cah3_label"))
        details.extend(fold_details)
        logger.debug("fold %d: %d held-out HECoS codes, %d names", fold, len(held_out), len(test))

    def summary(items: list[dict[str, Any]]) -> dict[str, Any]:
        n = len(items)
        return {
            "n": n,
            "top1": round(sum(d["top1"] for d in items) / n, 4) if n else None,
            "top3": round(sum(d["top3"] for d in items) / n, 4) if n else None,
        }

    return {
        "kind": "hecos-names",
        "method": (
            f"{folds}-fold cross-validation over HECoS codes (codes sorted, fold = position mod "
            f"{folds}); each fold's index is rebuilt without the held-out codes' names and "
            "definitions; CAH3 labels stay in the index"
        ),
        **summary(details),
        "names_differing_from_cah3_label": summary(
            [d for d in details if not d["text_equals_cah3_label"]]
        ),
        "details": details,
    }


def evaluate_abstracts(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    scored = [row for row in rows if _gold(row)]
    summary, details = _score(scored, _rank_with(default_index()))
    return {
        "kind": "abstracts",
        "method": (
            "full index (HECoS names, HECoS definitions, CAH3 labels; words and meaning); "
            "abstracts text only, titles unused"
        ),
        **summary,
        "details": details,
    }


def evaluate_subjects(path: str | Path) -> dict[str, Any]:
    """Top-1/top-3 CAH3 accuracy on a labelled JSONL file (HECoS names or abstracts)."""
    rows = read_jsonl(Path(path))
    if not rows:
        raise DatasetError(f"{path} has no rows.")
    if all("hecos_code" in row for row in rows):
        result = evaluate_hecos_names(rows)
    elif any("cah3" in row for row in rows):
        result = evaluate_abstracts(rows)
    else:
        raise DatasetError(
            f"{path}: rows need 'hecos_code' and 'labels' (HECoS names) or 'text' and 'cah3' "
            "(abstracts)."
        )
    result["file"] = str(path)
    logger.info(
        "%s: top-1 %.3f, top-3 %.3f (n=%d)",
        path,
        result["top1"] or 0,
        result["top3"] or 0,
        result["n"],
    )
    return result
