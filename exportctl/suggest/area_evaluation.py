"""Leave-one-area-out evaluation: how the pipeline does on a research area it was never tuned on.

For each area of the labelled abstracts: the curated aliases of every entry labelled in that
area are removed (the lexical indexes are rebuilt without them), the ranker is trained and the
verdict calibrated on the other areas' abstracts only, and the area's abstracts are scored. The
permissions-finder aliases stay: they come from the government's own workbook, not from
reading our abstracts. The BM25 baseline has nothing to tune and is scored as it is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from exportctl.config import MODELS_DIR
from exportctl.lists.store import ControlList
from exportctl.suggest.embedding import SentenceEmbedder, load_embedder
from exportctl.suggest.evaluation import NOT_LISTED, Outcome, pipeline_ranker, run_method
from exportctl.suggest.training import build_examples, fit_ranker, record_area

Progress = Callable[[str, int, int], None]


class CachingEmbedder:
    """The embedder with each text's vectors kept, so every area reuses them."""

    def __init__(self, embedder: SentenceEmbedder) -> None:
        self._embedder = embedder
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.dimension = embedder.dimension

    def embed(self, texts: list[str], **kwargs) -> np.ndarray:
        return self._embedder.embed(texts, **kwargs)

    def embed_document(self, text: str, sentences):
        key = text
        if key not in self._cache:
            self._cache[key] = self._embedder.embed_document(text, sentences)
        return self._cache[key]


def curated_and_other_aliases(
    control_list: ControlList,
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    from exportctl.suggest.aliases import CURATED_ALIASES_CSV, WORKBOOK_ALIASES_CSV, load_aliases

    def texts(table):
        return {code: [a.text for a in items] for code, items in table.items()}

    curated = texts(load_aliases(control_list, paths=(CURATED_ALIASES_CSV,)))
    other = texts(load_aliases(control_list, paths=(WORKBOOK_ALIASES_CSV,)))
    return curated, other


def leave_one_area_out(
    records: list[dict],
    *,
    control_list: ControlList | None = None,
    models_dir: Path = MODELS_DIR,
    C: float = 1.0,
    progress: Progress | None = None,
) -> list[Outcome]:
    """Every record scored by an engine that never saw its area (see the module docstring)."""
    from exportctl.suggest.engine import Suggester

    control_list = control_list or ControlList.load()
    curated, other = curated_and_other_aliases(control_list)
    embedder = CachingEmbedder(load_embedder())
    areas: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        areas[record_area(record)].append(record)
    engines: dict[frozenset[str], tuple[object, list]] = {}
    outcomes: list[Outcome] = []
    for number, (area, area_records) in enumerate(sorted(areas.items()), start=1):
        gold = {g for r in area_records for g in r.get("labels_entry_level") or []}
        gold.discard(NOT_LISTED)
        removed = frozenset(code for code in curated if code.split(".")[0] in gold)
        if removed not in engines:
            aliases = _merge(other, {c: a for c, a in curated.items() if c not in removed})
            suggester = Suggester.load(
                control_list, models_dir=models_dir, aliases=aliases, trained=False,
                embedder=embedder,  # type: ignore[arg-type]
            )  # fmt: skip
            engines[removed] = (suggester, build_examples(suggester, records))
        suggester, examples = engines[removed]
        training = [e for e in examples if e.area != area]
        suggester.ranker = fit_ranker(  # type: ignore[attr-defined]
            training,
            suggester.registry.names,  # type: ignore[attr-defined]
            C=C,
            related_rows=suggester.related_rows,  # type: ignore[attr-defined]
            goods=suggester.goods_mask,  # type: ignore[attr-defined]
        )
        area_outcomes, _ = run_method(pipeline_ranker(suggester), area_records)
        outcomes.extend(area_outcomes)
        if progress:
            progress(area, number, len(areas))
    return outcomes


def _merge(*tables: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for table in tables:
        for code, texts in table.items():
            known = {t.casefold() for t in merged.get(code, [])}
            merged.setdefault(code, []).extend(t for t in texts if t.casefold() not in known)
    return merged
