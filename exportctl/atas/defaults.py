"""Defaults of the ATAS area, defined once."""

from __future__ import annotations

from exportctl.config import CONTROL_LISTS_DIR, SOURCES_DIR

CAH_VERSION = "1.3.4"
CAH_SOURCE_DIR = SOURCES_DIR / "hecos-cah-1.3.4"
CAH_DIR = CONTROL_LISTS_DIR / "cah" / CAH_VERSION
# HESA's definitions and scope notes of the HECoS terms (descriptive vocabulary for subjects).
HECOS_DEFINITIONS_DIR = CONTROL_LISTS_DIR / "cah" / "hecos-definitions"
HECOS_DEFINITIONS_SOURCE = HECOS_DEFINITIONS_DIR / "source" / "HECoS-Vocabulary.csv"
ATAS_SOURCE_DIR = SOURCES_DIR / "atas"
RULES_DIR = CONTROL_LISTS_DIR / "atas" / "rules"

SUBJECT_TOP_K = 5
# Subjects scoring below this fraction of the best subject's score are not suggested.
SUBJECT_MIN_RELATIVE_SCORE = 0.2
# Weight of the meaning-level similarity (sentence embeddings) against the word matching;
# chosen on the development abstracts (benchmarks/data/abstracts_dev.jsonl).
SUBJECT_MEANING_WEIGHT = 5.0
