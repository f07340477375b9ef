"""``Suggester``: from a pasted abstract to ranked control entries with their reasons.

The pipeline: check the text → spaCy analysis (noun phrases, quantities) → word and character
n-gram similarity to every clause document → clause scores aggregated per entry (the entry's
best clause is shown) → software/technology entries that control a matched item's D/E added →
threshold checks on each shown clause → exemption and end-use questions, CAH3 subjects and ATAS.
Every candidate's score is the sum of its evidence weights.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from exportctl import progress
from exportctl.config import DEFAULT_TOP_K, MODELS_DIR
from exportctl.errors import IndexMismatchError
from exportctl.lists.store import ControlList
from exportctl.suggest import analyzers
from exportctl.suggest.documents import clause_documents, entry_documents
from exportctl.suggest.index import (
    ClauseIndex,
    IndexParams,
    code_fingerprint,
    library_versions,
    term_column,
)
from exportctl.suggest.input_text import check_text
from exportctl.suggest.nlp import AnalysedText, TextPipeline, load_pipeline
from exportctl.suggest.questions import exemption_questions
from exportctl.suggest.related import RelatedEntries
from exportctl.suggest.result import Candidate, Evidence, SuggestionResult
from exportctl.suggest.thresholds import check_conditions, parse_conditions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Query:
    text: str
    analysed: AnalysedText
    clause_vectors: tuple  # (word, char) sparse rows
    entry_vectors: tuple | None
    spans: dict[str, list[tuple[int, int]]]  # word term → its spans in the text
    columns: dict[int, str]  # hashed column → word term


@dataclass(frozen=True)
class RankingParams:
    """How evidence is weighed; defaults chosen on the development abstracts only."""

    word_weight: float = 0.7
    char_weight: float = 0.3
    entry_weight: float = 1.0  # similarity to the whole entry (all its clauses)
    related_factor: float = 0.8  # a D/E entry brought in by a hardware match
    related_from_top: int = 5  # hardware entries whose D/E entries are brought in
    candidate_pool: int = 300  # clauses considered before aggregation
    min_score: float = 0.02  # below this a clause is not evidence of anything
    max_evidence_terms: int = 8


class Suggester:
    """Load once (``Suggester.load()``), then call ``suggest`` for each abstract."""

    def __init__(
        self,
        control_list: ControlList,
        index: ClauseIndex,
        pipeline: TextPipeline,
        *,
        entry_index: ClauseIndex | None = None,
        aliases: dict[str, list[str]] | None = None,
        params: RankingParams | None = None,
    ) -> None:
        self.control_list = control_list
        self.index = index
        self.entry_index = entry_index
        self.pipeline = pipeline
        self.aliases = aliases or {}
        self.params = params or RankingParams()
        self.related = RelatedEntries(control_list)
        self._rows = {code: row for row, code in enumerate(index.codes)}
        self._entry_of = np.array([control_list.get(code).entry for code in index.codes])
        self._entry_row_of_clause = np.zeros(len(index.codes), dtype=np.int64)
        if entry_index is not None:
            self._entry_rows = {code: row for row, code in enumerate(entry_index.codes)}
            self._entry_row_of_clause = np.array([self._entry_rows[e] for e in self._entry_of])
        self._term_span_cache: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {}

    # -- construction ------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        control_list: ControlList | None = None,
        *,
        models_dir: Path = MODELS_DIR,
        params: RankingParams | None = None,
        index_params: IndexParams | None = None,
        use_aliases: bool = True,
    ) -> Suggester:
        control_list = control_list or ControlList.load()
        aliases = load_alias_texts(control_list) if use_aliases else {}
        index = load_or_build_index(control_list, aliases, models_dir, index_params)
        entry_index = load_or_build_index(
            control_list, aliases, models_dir, index_params, level="entry"
        )
        return cls(
            control_list,
            index,
            load_pipeline(),
            entry_index=entry_index,
            aliases=aliases,
            params=params,
        )

    # -- suggestion --------------------------------------------------------------------
    def suggest(
        self,
        text: str,
        *,
        text_id: str | None = None,
        top_k: int = DEFAULT_TOP_K,
        nationalities: list[str] | None = None,
        level: str | None = None,
    ) -> SuggestionResult:
        checked = check_text(text)
        analysed = self.pipeline.analyse(checked.text)
        warnings = list(checked.warnings)
        if self.pipeline.degraded:
            warnings.append("No trained spaCy model installed: results are degraded.")
        controls = self.rank(checked.text, analysed, top_k=top_k)
        subjects, atas = self._atas(checked.text, nationalities, level)
        return SuggestionResult(
            text_id=text_id,
            controls=tuple(controls),
            list_version=self.control_list.version,
            questions=exemption_questions(self.control_list, checked.text),
            subjects=tuple(subjects),
            atas=atas,
            quantities=tuple(q.to_dict() for q in analysed.quantities),
            warnings=tuple(warnings),
        )

    def suggest_many(
        self, items: Iterable[tuple[str, str]], *, top_k: int = DEFAULT_TOP_K
    ) -> Iterator[SuggestionResult]:
        for text_id, text in items:
            yield self.suggest(text, text_id=text_id, top_k=top_k)

    def rank(self, text: str, analysed: AnalysedText, *, top_k: int) -> list[Candidate]:
        """Ranked candidates (entries with their best clause), best first."""
        params = self.params
        query = self._query(text, analysed)
        word_sim, char_sim = self.index.similarities_for(*query.clause_vectors)
        scores = params.word_weight * word_sim + params.char_weight * char_sim
        if query.entry_vectors is not None:
            entry_word, entry_char = self.entry_index.similarities_for(*query.entry_vectors)
            entry_sim = params.word_weight * entry_word + params.char_weight * entry_char
            scores = scores + params.entry_weight * entry_sim[self._entry_row_of_clause]
        pool = np.argpartition(-scores, min(params.candidate_pool, len(scores) - 1))
        pool = sorted(pool[: params.candidate_pool], key=lambda row: -scores[row])
        best: dict[str, tuple[float, int | None, str | None]] = {}  # entry → (score, row, via)
        for row in pool:
            if scores[row] < params.min_score:
                break
            best.setdefault(str(self._entry_of[row]), (float(scores[row]), int(row), None))
        goods = [e for e in sorted(best, key=lambda e: -best[e][0]) if self.related.is_goods(e)]
        for entry in goods[: params.related_from_top]:
            for related in self.related.software_and_technology(entry):
                score = best[entry][0] * params.related_factor
                if related not in best or best[related][0] < score:
                    best[related] = (score, None, entry)
        chosen = sorted(best, key=lambda e: (-best[e][0], e))[:top_k]
        candidates = []
        for entry in chosen:
            score, row, via = best[entry]
            if row is None:
                assert via is not None
                candidate = self._related_candidate(entry, via, score)
            else:
                candidate = self._candidate(row, query, float(char_sim[row]))
            related = tuple(self.related.software_and_technology(entry))
            if related and self.related.is_goods(entry):
                candidate = replace(candidate, related=related)
            candidates.append(candidate)
        return candidates

    def _query(self, text: str, analysed: AnalysedText) -> _Query:
        """Everything about the text that ranking and evidence need, computed once per call
        (kept out of ``self`` so one loaded engine can serve concurrent users)."""
        spans = analyzers.term_spans(text)
        entry_vectors = None
        if self.entry_index is not None and self.params.entry_weight > 0:
            entry_vectors = self.entry_index.query_vectors(text)
        return _Query(
            text=text,
            analysed=analysed,
            clause_vectors=self.index.query_vectors(text),
            entry_vectors=entry_vectors,
            spans=spans,
            columns={term_column(term): term for term in spans},
        )

    # -- candidate construction --------------------------------------------------------
    def _candidate(self, row: int, query: _Query, char_similarity: float) -> Candidate:
        params = self.params
        text, spans, columns = query.text, query.spans, query.columns
        code = self.index.codes[row]
        clause = self.control_list.get(code)
        contributions = self.index.word_contributions(query.clause_vectors[0], row)
        evidence: list[Evidence] = []
        clause_spans = self._clause_term_spans(code)
        ordered = sorted(contributions.items(), key=lambda item: -item[1])
        shown = ordered[: params.max_evidence_terms]
        for column, value in shown:
            term = columns.get(column, "?")
            start, end = (spans.get(term) or [(-1, -1)])[0]
            source, words = clause_spans.get(term, ("clause", ()))
            evidence.append(
                Evidence(
                    matcher="alias" if source == "alias" else "words",
                    abstract_text=text[start:end] if start >= 0 else term,
                    start=start,
                    end=end,
                    clause_code=code,
                    clause_words=words or (term,),
                    weight=params.word_weight * value,
                )
            )
        rest = sum(value for _, value in ordered[params.max_evidence_terms :])
        if rest > 0:
            evidence.append(
                Evidence(
                    "words (other shared terms)",
                    "",
                    -1,
                    -1,
                    code,
                    tuple(columns.get(c, "?") for c, _ in ordered[params.max_evidence_terms :]),
                    params.word_weight * rest,
                )  # fmt: skip
            )
        if char_similarity > 0:
            evidence.append(
                Evidence(
                    "character n-grams",
                    "",
                    -1,
                    -1,
                    code,
                    (),
                    params.char_weight * float(char_similarity),
                )  # fmt: skip
            )
        if self.entry_index is not None and params.entry_weight > 0:
            evidence.extend(self._entry_evidence(clause.entry, query))
        parent_text = self.control_list.get(clause.parent).text if clause.parent else ""
        checks = check_conditions(parse_conditions(clause, parent_text), query.analysed.quantities)
        score = float(sum(e.weight for e in evidence))
        matched = ", ".join(dict.fromkeys(e.abstract_text for e in evidence if e.abstract_text))
        return Candidate(
            code=code,
            entry=clause.entry,
            list_name=clause.list_name,
            title=clause_title(self.control_list, code),
            score=score,
            evidence=tuple(evidence),
            thresholds=tuple(checks),
            reason=f"Shares the words {matched} with {code}."
            if matched
            else f"Similar wording to {code}.",
        )

    def _entry_evidence(self, entry: str, query: _Query) -> list[Evidence]:
        """The entry-wide part of the score: shared words with the whole entry."""
        assert self.entry_index is not None and query.entry_vectors is not None
        params = self.params
        text, spans, columns = query.text, query.spans, query.columns
        row = self._entry_rows[entry]
        word_query, char_query = query.entry_vectors
        contributions = sorted(
            self.entry_index.word_contributions(word_query, row).items(), key=lambda i: -i[1]
        )
        weight = params.entry_weight * params.word_weight
        evidence = []
        for column, value in contributions[: params.max_evidence_terms]:
            term = columns.get(column, "?")
            start, end = (spans.get(term) or [(-1, -1)])[0]
            evidence.append(Evidence("entry words", text[start:end] if start >= 0 else term,
                                     start, end, entry, (term,), weight * value))  # fmt: skip
        rest = sum(v for _, v in contributions[params.max_evidence_terms :])
        char = float((self.entry_index.char_matrix[row] @ char_query.T).toarray()[0, 0])
        tail = weight * rest + params.entry_weight * params.char_weight * char
        if tail > 0:
            evidence.append(Evidence("entry words (other terms, character n-grams)", "", -1, -1,
                                     entry, (), tail))  # fmt: skip
        return evidence

    def _related_candidate(self, entry: str, goods_entry: str, score: float) -> Candidate:
        clause = self.control_list.get(entry)
        evidence = Evidence(
            matcher="related",
            abstract_text="",
            start=-1,
            end=-1,
            clause_code=entry,
            clause_words=(goods_entry,),
            weight=score,
        )
        return Candidate(
            code=entry,
            entry=entry,
            list_name=clause.list_name,
            title=clause_title(self.control_list, entry),
            score=score,
            evidence=(evidence,),
            via=goods_entry,
            reason=(
                f"Controls software or technology for items in {goods_entry}, which matched: "
                "check it if the work develops, produces or uses such items."
            ),
        )

    def _clause_term_spans(self, code: str) -> dict[str, tuple[str, tuple[str, ...]]]:
        """For each word term of a clause document: which field has it and the words used."""
        cached = self._term_span_cache.get(code)
        if cached is not None:
            return cached
        clause = self.control_list.get(code)
        out: dict[str, tuple[str, tuple[str, ...]]] = {}
        fields = [("alias", " ; ".join(self.aliases.get(code, [])))]
        fields.append(("context", " ".join(a.text for a in self.control_list.ancestors(code))))
        fields.append(("clause", clause.text))
        for source, text in fields:
            for term, positions in analyzers.term_spans(text).items():
                words = tuple(dict.fromkeys(text[s:e] for s, e in positions))
                out[term] = (source, words)
        self._term_span_cache[code] = out
        return out

    def _atas(self, text: str, nationalities: list[str] | None, level: str | None):
        from exportctl.atas import screen_text

        return screen_text(text, nationalities, level)


def _title(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clause_title(control_list: ControlList, code: str) -> str:
    """A short display text; an entry printed without words of its own shows its first item."""
    clause = control_list.get(code)
    if clause.text:
        return _title(clause.text)
    if clause.children:
        first = control_list.get(clause.children[0])
        return _title(f"{first.label}. {first.text}")
    return code


# -- index and aliases -----------------------------------------------------------------
def load_alias_texts(control_list: ControlList) -> dict[str, list[str]]:
    """Aliases per clause code (empty when no alias data is installed)."""
    try:
        from exportctl.suggest.aliases import load_aliases
    except ImportError:
        return {}
    loaded = load_aliases(control_list)
    return {code: [a.text for a in items] for code, items in loaded.items()}


def index_stamp(control_list: ControlList, aliases: dict[str, list[str]]) -> dict:
    import hashlib
    import json

    alias_digest = hashlib.sha256(json.dumps(aliases, sort_keys=True).encode()).hexdigest()
    manifest = control_list.manifest
    return {
        "format": 1,
        "list_version": control_list.version,
        "list_source_sha256": manifest.source_sha256,
        "importer_version": manifest.importer_version,
        "clauses": len(control_list),
        "aliases_sha256": alias_digest[:16],
        "code": code_fingerprint(),
        "libraries": library_versions(),
    }


def index_dir(models_dir: Path, control_list: ControlList, level: str = "clause") -> Path:
    manifest = control_list.manifest
    return models_dir / f"{level}-index" / f"{manifest.list_name}-{manifest.list_date}"


def load_or_build_index(
    control_list: ControlList,
    aliases: dict[str, list[str]],
    models_dir: Path,
    params: IndexParams | None = None,
    *,
    level: str = "clause",
) -> ClauseIndex:
    """The saved index if its stamp matches this list, code and libraries; else a rebuild."""
    folder = index_dir(models_dir, control_list, level)
    stamp = {**index_stamp(control_list, aliases), "level": level}
    if params is None:
        try:
            return ClauseIndex.load(folder, expected_stamp=stamp)
        except IndexMismatchError as error:
            log.info("%s Rebuilding.", error)
    saved = " (once; it is saved for later runs)" if params is None else ""
    with progress.step(f"Building the {level} index{saved}", f"Built the {level} index"):
        index = build_index(control_list, aliases, stamp=stamp, params=params, level=level)
    if params is None:
        index.save(folder)
    return index


def build_index(
    control_list: ControlList,
    aliases: dict[str, list[str]],
    *,
    stamp: dict | None = None,
    params: IndexParams | None = None,
    level: str = "clause",
) -> ClauseIndex:
    make = entry_documents if level == "entry" else clause_documents
    docs = make(control_list, aliases)
    return ClauseIndex.build(docs, stamp=stamp or index_stamp(control_list, aliases), params=params)
