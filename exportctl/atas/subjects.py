"""Suggest CAH3 subject codes for a text, with the HECoS subjects and words that matched.

Every CAH3 subject is a concept whose aliases are the HECoS subject names mapped to it, its own
CAH3 label, and HESA's definitions (with scope notes) of those HECoS terms (as in scispacy's
entity linker). Names are short and abstracts rarely use them; definitions bring in the words
researchers write ("oscillation and resonance", "viruses and viral diseases"). A text is
compared with every alias by TF-IDF cosine similarity over stemmed words (unigrams and bigrams)
and character 3-5-grams (which catch spelling variants such as "accountancy"/"accounting").

A subject's score is its best alias's similarity plus a share of its next best aliases' (several
HECoS subjects of one CAH3 matching is stronger evidence), plus a share of the similarity of the
text with the subject's profile: all its aliases read as one document, which rewards a text
whose words spread over the subject's vocabulary rather than hitting one short name. Each alias
and the profile is one evidence item, so the score is the sum of the evidence weights. The index
takes about a second to build, so it is built at first use rather than saved.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from exportctl.atas.defaults import (
    SUBJECT_MEANING_WEIGHT,
    SUBJECT_MIN_RELATIVE_SCORE,
    SUBJECT_TOP_K,
)
from exportctl.atas.definitions import HecosDefinition, load_hecos_definitions
from exportctl.atas.vocabulary import CahVocabulary, load_vocabulary
from exportctl.config import MAX_TEXT_CHARS
from exportctl.errors import InputTextError

WORD_PATTERN = re.compile(r"[A-Za-z][A-Za-z]*(?:'[A-Za-z]+)?")
# Words that say how a label is organised, not what it is about.
LABEL_STOP_WORDS = frozenset({"non", "specific", "others", "other", "general", "studies", "study"})
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | LABEL_STOP_WORDS
# Longest first; a suffix is removed only when at least four letters remain.
_SUFFIXES = (
    "isations",
    "izations",
    "isation",
    "ization",
    "ational",
    "ically",
    "ations",
    "ements",
    "ation",
    "ement",
    "istry",
    "ology",
    "ities",
    "ical",
    "ists",
    "ity",
    "ics",
    "ing",
    "ist",
    "ers",
    "ies",
    "er",
    "es",
    "al",
    "ic",
    "y",
    "s",
)
_SUFFIX_REPLACEMENTS = {"ology": "olog", "ies": "y"}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A small suffix stripper: enough to join physics/physical, engineer/engineering."""
    word = word.lower()
    for _ in range(2):  # twice, so "engineering" -> "engineer" -> "engine" like "engineers"
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)] + _SUFFIX_REPLACEMENTS.get(suffix, "")
                break
    return word


def tokens(text: str) -> list[tuple[str, int, int]]:
    """(stem, start, end) of every content word of a text."""
    out = []
    for match in WORD_PATTERN.finditer(text):
        word = match.group().lower()
        if word in STOP_WORDS or len(word) < 2:
            continue
        out.append((stem(word), match.start(), match.end()))
    return out


def _word_features(text: str) -> list[str]:
    stems = [s for s, _, _ in tokens(text)]
    return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False)]


def _clean_label(label: str) -> str:
    label = re.sub(r"\(non-specific\)", "", label)
    return re.sub(r"^others in ", "", label).strip()


# Evidence kinds: a HECoS subject name, a CAH3 label, HESA's definition of a HECoS term, and the
# subject's profile (all its aliases read as one document).
HECOS = "hecos"
CAH3 = "cah3"
HECOS_DEFINITION = "hecos-definition"
CAH3_PROFILE = "cah3-profile"
MEANING = "meaning"  # the text is close in meaning to a name, label or definition


@dataclass(frozen=True)
class Alias:
    text: str
    cah3: str
    kind: str  # HECOS, CAH3 or HECOS_DEFINITION
    ref: str  # the HECoS code (name or definition), or the CAH3 code for a CAH3 label


@dataclass(frozen=True)
class MatchedWord:
    word: str  # as written in the text
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SubjectEvidence:
    """One alias (HECoS name, CAH3 label, HECoS definition) or a subject profile that matched."""

    kind: str  # "hecos", "cah3", "hecos-definition" or "cah3-profile"
    ref: str  # HECoS code (name, definition) or CAH3 code (label, profile)
    name: str  # the HECoS name, CAH3 label or definition text; the CAH3 label for a profile
    similarity: float  # TF-IDF cosine similarity of the text and the name
    weight: float  # contribution to the subject's score
    words: tuple[MatchedWord, ...]  # the text's words that share a stem with the name

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SubjectSuggestion:
    cah3: str
    label: str
    cah2: str
    cah1: str
    score: float  # == sum(e.weight for e in evidence)
    evidence: tuple[SubjectEvidence, ...] = field(default=())
    cah2_label: str = ""
    cah1_label: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SubjectIndex:
    """TF-IDF nearest-alias ranker of CAH3 subjects (fit on aliases, then rank texts).

    Parameters are stored as given; ``fit`` learns the vectorisers and alias matrices.
    """

    def __init__(
        self,
        *,
        word_weight: float = 0.6,
        secondary_weight: float = 0.3,
        max_evidence: int = 5,
        profile_weight: float = 0.5,
        meaning_weight: float = 0.0,
    ) -> None:
        self.word_weight = word_weight
        self.secondary_weight = secondary_weight
        self.max_evidence = max_evidence
        self.profile_weight = profile_weight
        self.meaning_weight = meaning_weight

    def fit(
        self,
        aliases: Sequence[Alias],
        vocabulary: CahVocabulary,
        alias_vectors: np.ndarray | None = None,
    ) -> SubjectIndex:
        """``alias_vectors``: one sentence embedding per alias, for meaning-level matching."""
        self.vocabulary_ = vocabulary
        self.aliases_ = list(aliases)
        self.alias_vectors_ = alias_vectors
        texts = [a.text for a in self.aliases_]
        self.word_vectorizer_ = TfidfVectorizer(
            analyzer=_word_features, sublinear_tf=True, dtype=np.float32
        )
        self.char_vectorizer_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            sublinear_tf=True,
            lowercase=True,
            dtype=np.float32,
        )
        self.word_matrix_ = self.word_vectorizer_.fit_transform(texts).T.tocsr()
        self.char_matrix_ = self.char_vectorizer_.fit_transform(texts).T.tocsr()
        self.codes_ = sorted({a.cah3 for a in self.aliases_})
        code_index = {c: i for i, c in enumerate(self.codes_)}
        self.alias_code_ = np.array([code_index[a.cah3] for a in self.aliases_])
        self.alias_order_ = np.argsort(self.alias_code_, kind="stable")
        grouped = self.alias_code_[self.alias_order_]
        self.group_starts_ = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
        alias_stems = [{s for s, _, _ in tokens(a.text)} for a in self.aliases_]
        self.alias_stems_ = [_stem_keys(stems) for stems in alias_stems]
        profiles: dict[str, list[str]] = {code: [] for code in self.codes_}
        for alias in self.aliases_:
            profiles[alias.cah3].append(alias.text)
        self.profile_vectorizer_ = TfidfVectorizer(
            analyzer=_word_features, sublinear_tf=True, dtype=np.float32
        )
        self.profile_matrix_ = self.profile_vectorizer_.fit_transform(
            [" . ".join(profiles[c]) for c in self.codes_]
        ).T.tocsr()
        code_stems: list[set[str]] = [set() for _ in self.codes_]
        for code, stems in zip(self.alias_code_, alias_stems, strict=True):
            code_stems[code] |= stems
        self.code_stems_ = [_stem_keys(stems) for stems in code_stems]
        return self

    def profile_similarities(self, text: str) -> np.ndarray:
        """Cosine similarity of the text with every subject's profile (by position in codes_)."""
        query = self.profile_vectorizer_.transform([text])
        return np.asarray((query @ self.profile_matrix_).todense()).ravel()

    def similarities(self, text: str) -> np.ndarray:
        """Cosine similarity of the text with every alias (word and character blend)."""
        word = self.word_vectorizer_.transform([text])
        char = self.char_vectorizer_.transform([_content_text(text)])
        sims = self.word_weight * np.asarray((word @ self.word_matrix_).todense()).ravel()
        sims += (1 - self.word_weight) * np.asarray((char @ self.char_matrix_).todense()).ravel()
        return sims

    def meaning_similarities(self, meaning: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per subject (position in codes_): the best alias's cosine similarity to the text's
        embedding, and that alias."""
        assert self.alias_vectors_ is not None
        order = self.alias_order_  # aliases grouped by subject, each group in alias order
        sims = (self.alias_vectors_ @ meaning)[order]
        starts = self.group_starts_
        best_in_group = np.maximum.reduceat(sims, starts)
        sizes = np.diff(np.r_[starts, len(sims)])
        reached = np.flatnonzero(sims >= np.repeat(best_in_group, sizes))
        group = np.searchsorted(starts, reached, side="right") - 1
        first = np.full(len(starts), -1, dtype=np.int64)
        first[group[::-1]] = reached[::-1]
        best = np.full(len(self.codes_), -1.0)
        which = np.full(len(self.codes_), -1, dtype=np.int64)
        codes = self.alias_code_[order[starts]]
        best[codes] = best_in_group
        which[codes] = order[first]
        return best, which

    def rank(
        self,
        text: str,
        *,
        top_k: int = SUBJECT_TOP_K,
        min_relative_score: float = 0.0,
        meaning: np.ndarray | None = None,
    ) -> list[SubjectSuggestion]:
        """``meaning``: the text's embedding when already computed (else computed here when
        the index matches by meaning). A text without content words gets no subject."""
        if not tokens(text):
            return []
        sims = self.similarities(text)
        profile_sims = self.profile_similarities(text) if self.profile_weight else None
        meaning_sims = meaning_alias = None
        if self.meaning_weight and self.alias_vectors_ is not None:
            if meaning is None:
                from exportctl.atas.subject_meaning import embed_text

                meaning = embed_text(text)
            meaning_sims, meaning_alias = self.meaning_similarities(meaning)
        order = np.argsort(-sims, kind="stable")
        by_code: dict[int, list[int]] = {}
        for i in order:
            if sims[i] <= 0:
                break
            hits = by_code.setdefault(int(self.alias_code_[i]), [])
            if len(hits) < self.max_evidence:
                hits.append(int(i))
        codes = set(by_code)
        if profile_sims is not None:
            codes |= set(np.flatnonzero(profile_sims > 0).tolist())
        if meaning_sims is not None:
            codes |= set(np.flatnonzero(meaning_sims > 0).tolist())
        scored = []
        for code in codes:
            hits = by_code.get(code, [])
            weights = [
                float(sims[i]) * (1.0 if n == 0 else self.secondary_weight)
                for n, i in enumerate(hits)
            ]
            profile = 0.0
            if profile_sims is not None and profile_sims[code] > 0:
                profile = float(profile_sims[code])
                weights.append(self.profile_weight * profile)
            close = None
            if meaning_sims is not None and meaning_sims[code] > 0:
                close = (int(meaning_alias[code]), float(meaning_sims[code]))
                weights.append(self.meaning_weight * close[1])
            scored.append((sum(weights), code, hits, weights, profile, close))
        scored.sort(key=lambda item: (-item[0], self.codes_[item[1]]))
        if not scored:
            return []
        best = scored[0][0]
        text_tokens = tokens(text)
        out = []
        for score, code, hits, weights, profile, close in scored[:top_k]:
            if score < min_relative_score * best:
                break
            subject = self.vocabulary_.subjects[self.codes_[code]]
            evidence = [
                SubjectEvidence(
                    kind=self.aliases_[i].kind,
                    ref=self.aliases_[i].ref,
                    name=self.aliases_[i].text,
                    similarity=round(float(sims[i]), 6),
                    weight=weight,
                    words=_matched_words(text, text_tokens, self.alias_stems_[i]),
                )
                for i, weight in zip(hits, weights, strict=False)
            ]
            if profile:
                evidence.append(
                    SubjectEvidence(
                        kind=CAH3_PROFILE,
                        ref=subject.code,
                        name=subject.label,
                        similarity=round(profile, 6),
                        weight=weights[len(hits)],
                        words=_matched_words(text, text_tokens, self.code_stems_[code]),
                    )
                )
            if close is not None:
                alias = self.aliases_[close[0]]
                evidence.append(
                    SubjectEvidence(
                        kind=MEANING,
                        ref=alias.ref,
                        name=alias.text,
                        similarity=round(close[1], 6),
                        weight=weights[-1],
                        words=(),
                    )
                )
            out.append(
                SubjectSuggestion(
                    cah3=subject.code,
                    label=subject.label,
                    cah2=subject.cah2,
                    cah1=subject.cah1,
                    score=sum(e.weight for e in evidence),
                    evidence=tuple(evidence),
                    cah2_label=subject.cah2_label,
                    cah1_label=subject.cah1_label,
                )
            )
        return out


def _content_text(text: str) -> str:
    """The text's content words only, so character n-grams of 'the', 'and' do not count."""
    return " ".join(
        m.group() for m in WORD_PATTERN.finditer(text) if m.group().lower() not in STOP_WORDS
    )


_PREFIX = 5  # stems sharing their first five letters count as the same word for highlighting


def _stem_keys(stems: Iterable[str]) -> frozenset[str]:
    """Stems plus their five-letter prefixes (marked with a leading NUL), for O(1) look-ups."""
    stems = set(stems)
    return frozenset(stems | {"\0" + s[:_PREFIX] for s in stems if len(s) >= _PREFIX})


def _shares_stem(stem_: str, keys: frozenset[str]) -> bool:
    return stem_ in keys or (len(stem_) >= _PREFIX and "\0" + stem_[:_PREFIX] in keys)


def _matched_words(
    text: str, text_tokens: list[tuple[str, int, int]], keys: frozenset[str], limit: int = 8
) -> tuple[MatchedWord, ...]:
    words = []
    for stem_, start, end in text_tokens:
        if _shares_stem(stem_, keys):
            words.append(MatchedWord(text[start:end], start, end))
            if len(words) >= limit:
                break
    return tuple(words)


def build_aliases(
    vocabulary: CahVocabulary,
    *,
    exclude_hecos: Iterable[str] = (),
    definitions: Mapping[str, HecosDefinition] | None = None,
) -> list[Alias]:
    """HECoS names and, when given, their definitions (minus any held-out HECoS codes) and CAH3
    labels, as aliases of their CAH3 codes."""
    excluded = set(exclude_hecos)
    aliases = [
        Alias(h.label, h.cah3, HECOS, h.code)
        for h in vocabulary.hecos.values()
        if h.code not in excluded
    ]
    aliases += [
        Alias(_clean_label(s.label), s.code, CAH3, s.code)
        for s in vocabulary.subjects.values()
        if _clean_label(s.label)
    ]
    for code, definition in (definitions or {}).items():
        hecos = vocabulary.hecos.get(code)
        if hecos is None or code in excluded:
            continue
        aliases.append(Alias(definition.descriptive_text(), hecos.cah3, HECOS_DEFINITION, code))
    return aliases


@lru_cache(maxsize=1)
def _vocabulary_vectors():
    """The saved embeddings of the whole subject vocabulary (built once when missing)."""
    from exportctl.atas.subject_meaning import load_or_build

    aliases = build_aliases(load_vocabulary(), definitions=load_hecos_definitions())
    return load_or_build([a.text for a in aliases])


def alias_vectors(aliases: Sequence[Alias]) -> np.ndarray | None:
    """Sentence embeddings of the aliases, from the saved vocabulary store (a held-out subset
    reads its rows; it never rewrites the store). None without the model."""
    from exportctl.atas.subject_meaning import vectors_for
    from exportctl.errors import EmbeddingModelError

    try:
        return vectors_for([a.text for a in aliases], _vocabulary_vectors())
    except (EmbeddingModelError, ImportError) as error:
        logging.getLogger(__name__).warning("Subjects matched by words only: %s", error)
        return None


@lru_cache(maxsize=1)
def default_index() -> SubjectIndex:
    vocabulary = load_vocabulary()
    aliases = build_aliases(vocabulary, definitions=load_hecos_definitions())
    return SubjectIndex(meaning_weight=SUBJECT_MEANING_WEIGHT).fit(
        aliases, vocabulary, alias_vectors(aliases)
    )


def suggest_subjects(
    text: str, *, top_k: int = SUBJECT_TOP_K, meaning: np.ndarray | None = None
) -> list[SubjectSuggestion]:
    """Rank CAH3 subjects for a text (an abstract, a title, a subject name); ``meaning`` is the
    text's embedding when the caller already has it."""
    if not isinstance(text, str):
        raise InputTextError("Give the text as a string.")
    if len(text) > MAX_TEXT_CHARS:
        raise InputTextError(f"The text is longer than {MAX_TEXT_CHARS} characters; shorten it.")
    if top_k < 1:
        raise InputTextError("top_k must be at least 1.")
    if not text.strip():
        return []
    return default_index().rank(
        text, top_k=top_k, min_relative_score=SUBJECT_MIN_RELATIVE_SCORE, meaning=meaning
    )
