"""``Suggester``: from a pasted abstract to ranked control entries with their reasons.

The engine orchestrates; it does not know how any matcher works:
check the text → leave out who the partners and funders are → analyse it once (spaCy noun
phrases and quantities, word and character vectors, sentence embeddings) → every registered
matcher scores every entry → the learned ranker weighs the scores into one per entry →
software/technology entries of the best goods entries are brought in → each shown entry gets
the clause that fits best (its conditions and its parents' checked against the abstract's
quantities) → a screening verdict, the exemption and end-use questions, CAH3 subjects and ATAS.
Every candidate's score is the sum of its evidence weights.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from exportctl.config import DEFAULT_TOP_K, MODELS_DIR
from exportctl.errors import IndexMismatchError
from exportctl.lists.store import ControlList
from exportctl.progress import step as report_step
from exportctl.suggest import analyzers
from exportctl.suggest.clause_choice import ClauseChooser
from exportctl.suggest.documents import clause_documents, entry_documents, indexed_codes
from exportctl.suggest.embedding import SentenceEmbedder, load_embedder
from exportctl.suggest.index import (
    ClauseIndex,
    IndexParams,
    code_fingerprint,
    library_versions,
    term_column,
)
from exportctl.suggest.input_text import check_text
from exportctl.suggest.matchers import Catalogue, MatcherRegistry, MatchScores, default_registry
from exportctl.suggest.meaning_index import MeaningIndex, load_or_build_meaning_index
from exportctl.suggest.nlp import TextPipeline, load_pipeline
from exportctl.suggest.partners import blank_spans, partner_spans
from exportctl.suggest.precedents import PrecedentBook, PrecedentSource, encode_vector
from exportctl.suggest.query import Query
from exportctl.suggest.questions import exemption_questions
from exportctl.suggest.ranker import LinearRanker
from exportctl.suggest.related import RelatedEntries
from exportctl.suggest.result import Candidate, Evidence, SuggestionResult
from exportctl.suggest.sentences import sentence_spans
from exportctl.suggest.verdict import screening_verdict

log = logging.getLogger(__name__)

T = TypeVar("T")
RANKER_FILE = "ranker/ranker.json"
#: progress callback for slow first-time work: (what, done, total)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Ranking:
    """One query's scores: the matchers', the ranker's per entry, and related entries."""

    scores: dict[str, MatchScores]
    features: np.ndarray  # (entries, features)
    direct: np.ndarray  # the ranker's score of each entry, without its base
    final: np.ndarray  # after software/technology entries are brought in
    via: dict[int, int]  # entry row → goods entry row that brought it in


class Suggester:
    """Load once (``Suggester.load()``), then call ``suggest`` for each abstract."""

    def __init__(
        self,
        control_list: ControlList,
        *,
        catalogue: Catalogue,
        registry: MatcherRegistry,
        ranker: LinearRanker,
        pipeline: TextPipeline,
        clause_index: ClauseIndex,
        entry_index: ClauseIndex,
        embedder: SentenceEmbedder | None,
        precedents: PrecedentSource | None = None,
        partner_blind: bool = True,
    ) -> None:
        self.control_list = control_list
        self.catalogue = catalogue
        self.registry = registry
        self.ranker = ranker
        self.pipeline = pipeline
        self.index = clause_index
        self.entry_index = entry_index
        self.embedder = embedder
        self.precedents = precedents or PrecedentSource()
        self.partner_blind = partner_blind
        if clause_index.params != entry_index.params:
            raise ValueError("The clause and entry indexes must be built with the same params.")
        self.related = RelatedEntries(control_list)
        self.chooser = ClauseChooser(control_list)
        self.goods_mask = np.array([self.related.is_goods(e) for e in catalogue.entry_codes])
        self.related_rows = [
            [catalogue.entry_row[r] for r in self.related.software_and_technology(e)
             if r in catalogue.entry_row]
            for e in catalogue.entry_codes
        ]  # fmt: skip

    # -- construction ------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        control_list: ControlList | None = None,
        *,
        models_dir: Path = MODELS_DIR,
        index_params: IndexParams | None = None,
        use_aliases: bool = True,
        aliases: dict[str, list[str]] | None = None,
        ranker: LinearRanker | None = None,
        trained: bool = True,
        embedder: SentenceEmbedder | None = None,
        progress: Progress | None = None,
    ) -> Suggester:
        """The list, its indexes (built when missing or stale), the embedding model and the
        trained ranker. ``aliases`` replaces the installed aliases (evaluation leaves some out);
        ``trained=False`` gives an engine that can compute features but not rank (training)."""
        control_list = control_list or ControlList.load()
        persist = aliases is None and use_aliases  # other aliases: indexes in memory only
        if aliases is None:
            aliases = load_alias_texts(control_list) if use_aliases else {}
        clause_index = load_or_build_index(
            control_list, aliases, models_dir, index_params, persist=persist
        )
        entry_index = load_or_build_index(
            control_list, aliases, models_dir, index_params, level="entry", persist=persist
        )
        embedder = embedder or load_embedder()
        meaning_index = load_or_build_meaning_index(
            control_list,
            embedder,
            models_dir,
            progress=(lambda done, total: progress("Embedding the list", done, total))
            if progress
            else None,
        )
        catalogue = Catalogue(control_list, tuple(clause_index.codes), tuple(entry_index.codes))
        precedents = PrecedentSource()
        registry = default_registry(
            catalogue, clause_index, entry_index, meaning_index, aliases, precedents
        )
        if ranker is None:
            ranker = (
                LinearRanker.load(models_dir / RANKER_FILE, registry.names)
                if trained
                else LinearRanker(features=registry.names)
            )
        return cls(
            control_list,
            catalogue=catalogue,
            registry=registry,
            ranker=ranker,
            pipeline=load_pipeline(),
            clause_index=clause_index,
            entry_index=entry_index,
            embedder=embedder,
            precedents=precedents,
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
        warnings = list(checked.warnings)
        if self.pipeline.degraded:
            warnings.append("No trained spaCy model installed: results are degraded.")
        query = self.analyse(checked.text)
        ranking = self.score(query)
        controls = self.candidates(query, ranking, top_k=top_k)
        subjects, atas = self._atas(checked.text, nationalities, level, query.meaning)
        return SuggestionResult(
            text_id=text_id,
            controls=tuple(controls),
            list_version=self.control_list.version,
            screening=screening_verdict(controls, self.ranker, words=content_words(query)),
            questions=exemption_questions(self.control_list, checked.text),
            subjects=tuple(subjects),
            atas=atas,
            quantities=tuple(q.to_dict() for q in query.analysed.quantities),
            warnings=tuple(warnings),
            meaning_vector=encode_vector(query.meaning) if query.meaning.size else None,
        )

    def use_precedents(self, book: PrecedentBook) -> None:
        """Decided cases to learn from (replaced whole, so a screening reads one book)."""
        self.precedents.book = book

    @property
    def learn_from_decisions(self) -> bool:
        return self.precedents.enabled

    @learn_from_decisions.setter
    def learn_from_decisions(self, enabled: bool) -> None:
        self.precedents.enabled = enabled

    def suggest_many(
        self, items: Iterable[tuple[str, str]], *, top_k: int = DEFAULT_TOP_K
    ) -> Iterator[SuggestionResult]:
        for text_id, text in items:
            yield self.suggest(text, text_id=text_id, top_k=top_k)

    def analyse(self, text: str) -> Query:
        """Everything matchers read about ``text`` (already checked), computed once."""
        analysed = self.pipeline.analyse(text)
        if self.partner_blind:
            blanked = partner_spans(text, self.pipeline.proper_nouns)
            text = blank_spans(text, blanked)
            analysed = analysed.without(blanked, text)
        spans = analyzers.term_spans(text)
        sentences = sentence_spans(text)
        if self.embedder is not None:
            meaning, sentence_meaning = self.embedder.embed_document(text, sentences)
        else:
            meaning, sentence_meaning = np.zeros(0), np.zeros((0, 0))
        counts = self.index.query_counts(text)  # the entry index hashes the same way
        return Query(
            text=text,
            analysed=analysed,
            sentences=tuple(sentences),
            word_spans=spans,
            word_columns={term_column(term): term for term in spans},
            clause_vectors=self.index.weigh(*counts),
            entry_vectors=self.entry_index.weigh(*counts),
            meaning=meaning,
            sentence_meaning=sentence_meaning,
        )

    def score(self, query: Query) -> Ranking:
        """Every entry's score; software/technology entries of the best goods entries are
        brought in just below the goods entry that names them."""
        scores = self.registry.score(query)
        features = self.registry.feature_matrix(scores, self.ranker.features)
        direct = self.ranker.decision_function(features) - self.ranker.intercept_
        final = direct.copy()
        via: dict[int, int] = {}
        goods = [row for row in np.argsort(-direct) if self.goods_mask[row]]
        for row in goods[: self.ranker.related_from_top]:
            for related in self.related_rows[row]:
                brought = direct[row] - self.ranker.related_offset
                if brought > final[related]:
                    final[related] = brought
                    via[related] = int(row)
        return Ranking(scores, features, direct, final, via)

    def rank(self, text: str, *, top_k: int = DEFAULT_TOP_K) -> list[Candidate]:
        """Ranked candidates for ``text`` (checked first), best first."""
        query = self.analyse(check_text(text).text)
        return self.candidates(query, self.score(query), top_k=top_k)

    def candidates(self, query: Query, ranking: Ranking, *, top_k: int) -> list[Candidate]:
        order = np.lexsort((np.array(self.catalogue.entry_codes), -ranking.final))[:top_k]
        out = []
        for row in order:
            row = int(row)
            if row in ranking.via:
                candidate = self._related_candidate(ranking, row)
            else:
                candidate = self._direct_candidate(query, ranking, row)
            related = tuple(self.related.software_and_technology(candidate.entry))
            if related and self.related.is_goods(candidate.entry):
                candidate = _with(candidate, related=related)
            out.append(candidate)
        return out

    # -- candidate construction --------------------------------------------------------
    def _direct_candidate(self, query: Query, ranking: Ranking, row: int) -> Candidate:
        entry = self.catalogue.entry_codes[row]
        evidence: list[Evidence] = []
        for column, name in enumerate(self.ranker.features):
            weight = float(self.ranker.coef_[column] * ranking.features[row, column])
            if weight == 0.0:
                continue
            evidence.extend(self.registry[name].explain(query, ranking.scores[name], row, weight))
        choice = self._choose_clause(query, ranking, row)
        return Candidate(
            code=choice.code,
            entry=entry,
            list_name=self.control_list.get(entry).list_name,
            title=clause_title(self.control_list, choice.code),
            score=float(sum(e.weight for e in evidence)),
            evidence=tuple(evidence),
            thresholds=choice.checks,
            reason=_reason(choice.code, evidence, choice.note),
            fit=choice.fit,
        )

    def _choose_clause(self, query: Query, ranking: Ranking, row: int):
        rows = self.catalogue.clauses_of_entry[row]
        return self.chooser.choose(
            [self.catalogue.clause_codes[r] for r in rows] or [self.catalogue.entry_codes[row]],
            self._clause_scores(ranking, row) if len(rows) else np.zeros(1),
            query.analysed.quantities,
        )

    def _clause_scores(self, ranking: Ranking, row: int) -> np.ndarray:
        """The clause-level part of the ranker's score for each clause of one entry."""
        rows = self.catalogue.clauses_of_entry[row]
        total = np.zeros(len(rows))
        for matcher in self.registry:
            values = ranking.scores[matcher.name].clause_values
            if matcher.clause_level and values is not None:
                total += self.ranker.weight(matcher.name) * values[rows]
        return total

    def _related_candidate(self, ranking: Ranking, row: int) -> Candidate:
        """A software/technology entry brought in by a goods entry, shown as a whole: its
        clauses name the goods, and the officer reads them against the goods clause."""
        entry = self.catalogue.entry_codes[row]
        goods_entry = self.catalogue.entry_codes[ranking.via[row]]
        score = float(ranking.final[row])
        evidence = Evidence("related", "", -1, -1, entry, (goods_entry,), score)
        return Candidate(
            code=entry,
            entry=entry,
            list_name=self.control_list.get(entry).list_name,
            title=clause_title(self.control_list, entry),
            score=score,
            evidence=(evidence,),
            via=goods_entry,
            reason=(
                f"Controls software or technology for items in {goods_entry}, which matched: "
                "check it if the work develops, produces or uses such items."
            ),
        )

    def _atas(self, text: str, nationalities: list[str] | None, level: str | None, meaning):
        from exportctl.atas import screen_text

        return screen_text(text, nationalities, level, meaning=meaning if meaning.size else None)


def content_words(query: Query) -> int:
    """Content words screened (partner mentions left out)."""
    return sum(len(spans) for term, spans in query.word_spans.items() if " " not in term)


def _with(candidate: Candidate, **changes) -> Candidate:
    from dataclasses import replace

    return replace(candidate, **changes)


def _reason(code: str, evidence: list[Evidence], note: str = "") -> str:
    """One sentence a researcher can read: the words shared and the closest sentence."""
    words = [
        e.abstract_text
        for e in sorted(evidence, key=lambda e: -e.weight)
        if e.matcher in {"words", "alias", "entry words"} and e.abstract_text and e.weight > 0
    ]
    words = list(dict.fromkeys(words))[:5]
    meaning = max(
        (e for e in evidence if e.matcher in {"meaning", "sentence meaning"} and e.abstract_text),
        key=lambda e: e.weight,
        default=None,
    )
    parts = []
    if words:
        parts.append(f"shares the words {', '.join(words)} with {code}")
    if meaning is not None and meaning.weight > 0:
        sentence = meaning.abstract_text
        sentence = sentence if len(sentence) <= 140 else sentence[:139].rstrip() + "…"
        parts.append(f"the sentence “{sentence}” is close in meaning to it")
    reason = ("The abstract " + "; ".join(parts) + ".") if parts else f"Similar to {code}."
    decided = [
        words
        for e in evidence
        if e.matcher == "precedents" and e.weight
        for words in e.clause_words
        if words
    ]
    if decided:
        reason += " " + "; ".join(decided).capitalize() + "."
    return f"{reason} {note}".strip()


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


# -- indexes and aliases ---------------------------------------------------------------
def build_missing_indexes(models_dir: Path = MODELS_DIR, progress: Progress | None = None) -> None:
    """Build the saved indexes that are missing or stale (before several worker processes
    load them at once, so that they do not each build and save the same files)."""
    control_list = ControlList.load()
    aliases = load_alias_texts(control_list)
    for level in ("clause", "entry"):
        load_or_build_index(control_list, aliases, models_dir, level=level)
    load_or_build_meaning_index(
        control_list,
        load_embedder(),
        models_dir,
        progress=(lambda done, total: progress("Embedding the list", done, total))
        if progress
        else None,
    )


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
    persist: bool = True,
) -> ClauseIndex:
    """The saved index if its stamp matches this list, code and libraries and its files their
    checksums; else a rebuild, saved for later runs. Indexes built with non-default parameters,
    or with ``persist=False``, stay in memory, and so does a rebuild that cannot be saved (a
    read-only ``models/``: a warning says so)."""
    folder = index_dir(models_dir, control_list, level)
    stamp = {**index_stamp(control_list, aliases), "level": level}
    persist = persist and params is None
    if persist:
        codes = indexed_codes(control_list, level)
        try:
            return load_saved(lambda: ClauseIndex.load(folder, expected_stamp=stamp,
                                                       expected_codes=codes))  # fmt: skip
        except IndexMismatchError as error:
            log.info("%s Rebuilding.", error)
    saved = " (once; it is saved for later runs)" if persist else ""
    with report_step(f"Building the {level} index{saved}", f"Built the {level} index"):
        index = build_index(control_list, aliases, stamp=stamp, params=params, level=level)
    if persist:
        try:
            index.save(folder)
        except OSError as error:
            log.warning(
                "Could not save the %s index to %s (%s); it is used from memory for this run. "
                "Make models/ writable, or set EXPORTCTL_MODELS to a writable folder, so that "
                "it is built only once.",
                level,
                folder,
                error.strerror or error,
            )
    return index


def load_saved(load: Callable[[], T]) -> T:
    """``load()``, tried a second time when it fails: a folder that another process is
    replacing at that moment reads as missing or damaged once; read again, it is whole."""
    try:
        return load()
    except IndexMismatchError as first:
        log.debug("%s Reading it again.", first)
        return load()


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


__all__ = ["MeaningIndex", "Ranking", "Suggester"]
