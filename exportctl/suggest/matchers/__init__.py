"""Matchers: each turns an analysed abstract into one score per control entry (a feature for
the ranker) and explains its part of a candidate's score as evidence items.

The engine holds them in a ``MatcherRegistry``; the ranker weighs their features. A new kind of
evidence is a new matcher registered with the engine, nothing else.
"""

from exportctl.suggest.matchers.base import Catalogue, Matcher, MatchScores
from exportctl.suggest.matchers.kinds import EntryKindMatcher, entry_kind_matchers
from exportctl.suggest.matchers.meaning import MeaningMatcher, SentenceMeaningMatcher
from exportctl.suggest.matchers.registry import MatcherRegistry, default_registry
from exportctl.suggest.matchers.words import (
    ClauseCharactersMatcher,
    ClauseWordsMatcher,
    EntryCharactersMatcher,
    EntryWordsMatcher,
)

__all__ = [
    "Catalogue",
    "ClauseCharactersMatcher",
    "ClauseWordsMatcher",
    "EntryCharactersMatcher",
    "EntryKindMatcher",
    "EntryWordsMatcher",
    "MatchScores",
    "Matcher",
    "MatcherRegistry",
    "MeaningMatcher",
    "SentenceMeaningMatcher",
    "default_registry",
    "entry_kind_matchers",
]
