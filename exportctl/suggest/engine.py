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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from exportctl.config import DEFAULT_TOP_K, MODELS_DIR
from exportctl.errors import IndexMismatchError
from exportctl.lists.store import ControlList
from exportctl.suggest import analyzers
from exportctl.suggest.documents import clause_documents
from exportctl.suggest.index import ClauseIndex, IndexParams, code_fingerprint, library_versions
from exportctl.suggest.index import term_column
from exportctl.suggest.input_text import check_text
from exportctl.suggest.nlp import AnalysedText, TextPipeline, load_pipeline
from exportctl.suggest.questions import exemption_questions
from exportctl.suggest.related import RelatedEntries
from exportctl.suggest.result import Candidate, Evidence, SuggestionResult
from exportctl.suggest.thresholds import check_conditions, parse_conditions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RankingParams:
    """How evidence is weighed; defaults chosen on the development abstracts only."""

    word_weight: float = 0.7
    char_weight: float = 0.3
    related_factor: float = 0.8  # a D/E entry brought in by a hardware match
    related_from_top: int = 5  # hardware entries whose D/E entries are brought in
    candidate_pool: int = 60  # clauses considered before aggregation
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
        aliases: dict[str, list[str]] | None = None,
        params: RankingParams | None = None,
    ) -> None:
        self.control_list = control_list
        self.index = index
        self.pipeline = pipeline
        self.aliases = aliases or {}
        self.params = params or RankingParams()
        self.related = RelatedEntries(control_list)
        self._rows = {code: row for row, code in enumerate(index.codes)}
        self._entry_of = np.array([control_list.get(code).entry for code in index.codes])

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
        return cls(control_list, index, load_pipeline(), aliases=aliases, params=params)

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
            questions=exemption_questions(self.control_list),
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
        word_sim, char_sim = self.index.similarities(text)
        scores = params.word_weight * word_sim + params.char_weight * char_sim
        pool = np.argsort(-scores)[: params.candidate_pool]
        best_row_of_entry: dict[str, int] = {}
        for row in pool:
            if scores[row] < params.min_score:
                break
            entry = self._entry_of[row]
            if entry not in best_row_of_entry:
                best_row_of_entry[entry] = int(row)
        word_query = self.index.query_vectors(text)[0]
        spans = analyzers.term_spans(text)
        columns = {term_column(term): term for term in spans}
        candidates = {
            entry: self._candidate(row, text, analysed, word_query, spans, columns, char_sim[row])
            for entry, row in best_row_of_entry.items()
        }
        ranked = sorted(candidates.values(), key=lambda c: -c.score)
        hardware = [c for c in ranked if self.related.is_goods(c.entry)][: params.related_from_top]
        for goods in hardware:
            for related_entry in self.related.software_and_technology(goods.entry):
                score = goods.score * params.related_factor
                current = candidates.get(related_entry)
                if current is None or current.score < score:
                    candidates[related_entry] = self._related_candidate(related_entry, goods, score)
        for entry, candidate in list(candidates.items()):
            related = tuple(self.related.software_and_technology(candidate.entry))
            if related and self.related.is_goods(entry):
                candidates[entry] = _with(candidate, related=related)
        ranked = sorted(candidates.values(), key=lambda c: (-c.score, c.entry))
        return ranked[:top_k]

    # -- candidate construction --------------------------------------------------------
    def _candidate(
        self,
        row: int,
        text: str,
        analysed: AnalysedText,
        word_query,
        spans: dict[str, list[tuple[int, int]]],
        columns: dict[int, str],
        char_similarity: float,
    ) -> Candidate:
        params = self.params
        code = self.index.codes[row]
        clause = self.control_list.get(code)
        contributions = self.index.word_contributions(word_query, row)
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
                Evidence("words (other shared terms)", "", -1, -1, code,
                         tuple(columns.get(c, "?") for c, _ in ordered[params.max_evidence_terms:]),
                         params.word_weight * rest)  # fmt: skip
            )
        if char_similarity > 0:
            evidence.append(
                Evidence("character n-grams", "", -1, -1, code, (), params.char_weight *
                         float(char_similarity))  # fmt: skip
            )
        parent_text = self.control_list.get(clause.parent).text if clause.parent else ""
        checks = check_conditions(parse_conditions(clause, parent_text), analysed.quantities)
        score = float(sum(e.weight for e in evidence))
        matched = ", ".join(dict.fromkeys(e.abstract_text for e in evidence if e.abstract_text))
        return Candidate(
            code=code,
            entry=clause.entry,
            list_name=clause.list_name,
            title=_title(clause.text),
            score=score,
            evidence=tuple(evidence),
            thresholds=tuple(checks),
            reason=f"Shares the words {matched} with {code}." if matched else
            f"Similar wording to {code}.",
        )

    def _related_candidate(self, entry: str, goods: Candidate, score: float) -> Candidate:
        clause = self.control_list.get(entry)
        evidence = Evidence(
            matcher="related",
            abstract_text="",
            start=-1,
            end=-1,
            clause_code=entry,
            clause_words=(goods.entry,),
            weight=score,
        )
        return Candidate(
            code=entry,
            entry=entry,
            list_name=clause.list_name,
            title=_title(clause.text),
            score=score,
            evidence=(evidence,),
            via=goods.entry,
            reason=(
                f"Controls software or technology for items in {goods.entry}, which matched: "
                "check it if the work develops, produces or uses such items."
            ),
        )

    def _clause_term_spans(self, code: str) -> dict[str, tuple[str, tuple[str, ...]]]:
        """For each word term of a clause document: which field has it and the words used."""
        clause = self.control_list.get(code)
        out: dict[str, tuple[str, tuple[str, ...]]] = {}
        fields = [("alias", " ; ".join(self.aliases.get(code, [])))]
        fields.append(("context", " ".join(a.text for a in self.control_list.ancestors(code))))
        fields.append(("clause", clause.text))
        for source, text in fields:
            for term, positions in analyzers.term_spans(text).items():
                words = tuple(dict.fromkeys(text[s:e] for s, e in positions))
                out[term] = (source, words)
        return out

    def _atas(self, text: str, nationalities: list[str] | None, level: str | None):
        from exportctl.atas import screen_text

        return screen_text(text, nationalities, level)


def _title(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _with(candidate: Candidate, **changes) -> Candidate:
    from dataclasses import replace

    return replace(candidate, **changes)


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


def index_dir(models_dir: Path, control_list: ControlList) -> Path:
    manifest = control_list.manifest
    return models_dir / "clause-index" / f"{manifest.list_name}-{manifest.list_date}"


def load_or_build_index(
    control_list: ControlList,
    aliases: dict[str, list[str]],
    models_dir: Path,
    params: IndexParams | None = None,
) -> ClauseIndex:
    """The saved index if its stamp matches this list, code and libraries; else a rebuild."""
    folder = index_dir(models_dir, control_list)
    stamp = index_stamp(control_list, aliases)
    if params is None:
        try:
            return ClauseIndex.load(folder, expected_stamp=stamp)
        except IndexMismatchError as error:
            log.info("%s Rebuilding.", error)
    index = build_index(control_list, aliases, stamp=stamp, params=params)
    if params is None:
        index.save(folder)
    return index


def build_index(
    control_list: ControlList,
    aliases: dict[str, list[str]],
    *,
    stamp: dict | None = None,
    params: IndexParams | None = None,
) -> ClauseIndex:
    docs = clause_documents(control_list, aliases)
    return ClauseIndex.build(docs, stamp=stamp or index_stamp(control_list, aliases), params=params)
