"""A plain BM25 baseline over the same clauses, for comparison in the evaluation.

Each clause is its full text (its words and its parents'), tokenised into lower-case words
without stemming, aliases, character n-grams or related-entry expansion; entries are ranked by
their best clause.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as STOP_WORDS

from exportctl.lists.store import ControlList

WORD = re.compile(r"[a-z0-9]+")


def plain_tokens(text: str) -> list[str]:
    return [w for w in WORD.findall(text.lower()) if w not in STOP_WORDS and len(w) > 1]


class BM25Baseline:
    def __init__(self, control_list: ControlList, *, k1: float = 1.5, b: float = 0.75) -> None:
        clauses = [c for c in control_list if not c.not_used]
        self.codes = [c.code for c in clauses]
        self.entries = [c.entry for c in clauses]
        vocabulary: dict[str, int] = {}
        rows, cols, values = [], [], []
        lengths = []
        for row, clause in enumerate(clauses):
            counts = Counter(plain_tokens(clause.full_text))
            lengths.append(sum(counts.values()))
            for term, count in counts.items():
                rows.append(row)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
                values.append(count)
        tf = sp.csr_matrix((values, (rows, cols)), shape=(len(clauses), len(vocabulary)))
        lengths_arr = np.asarray(lengths, dtype=np.float64)
        average = lengths_arr.mean() if len(lengths_arr) else 1.0
        df = np.bincount(tf.indices, minlength=len(vocabulary))
        idf = np.log(1 + (len(clauses) - df + 0.5) / (df + 0.5))
        tf = tf.tocoo()
        denominator = tf.data + k1 * (1 - b + b * lengths_arr[tf.row] / average)
        weights = idf[tf.col] * tf.data * (k1 + 1) / denominator
        self.matrix = sp.csc_matrix((weights, (tf.row, tf.col)), shape=tf.shape)
        self.vocabulary = vocabulary

    def rank(self, text: str, top_k: int = 10) -> list[tuple[str, str, float]]:
        """(entry, best clause, score) for the best ``top_k`` entries."""
        columns = [self.vocabulary[t] for t in set(plain_tokens(text)) if t in self.vocabulary]
        if not columns:
            return []
        scores = np.asarray(self.matrix[:, columns].sum(axis=1)).ravel()
        seen: dict[str, tuple[str, str, float]] = {}
        for row in np.argsort(-scores):
            if scores[row] <= 0 or len(seen) >= top_k:
                break
            entry = self.entries[row]
            if entry not in seen:
                seen[entry] = (entry, self.codes[row], float(scores[row]))
        return list(seen.values())
