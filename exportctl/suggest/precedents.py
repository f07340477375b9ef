"""Precedents: decided cases, found by meaning, so a new screening can show how similar work
was decided and the ranker can learn from officers' confirmations and rejections.

A precedent keeps the decided abstract's sentence embedding (stored with the case's screening
result), the entries the officer confirmed or added, those rejected, the decision and the note.
A ``PrecedentBook`` is an immutable set of them; the app replaces the engine's book when
decisions change, so a screening always reads one consistent book.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

#: how many of the nearest decided cases count, and how close they must be (cosine)
NEAREST = 5
MIN_SIMILARITY = 0.6


def encode_vector(vector: np.ndarray) -> str:
    """A meaning vector as text for storage (float16, base64: 1 KB for 384 values)."""
    return base64.b64encode(np.asarray(vector, dtype="<f2").tobytes()).decode("ascii")


def decode_vector(text: str | None) -> np.ndarray | None:
    if not text:
        return None
    try:
        vector = np.frombuffer(base64.b64decode(text, validate=True), dtype="<f2")
    except ValueError:
        return None
    return vector.astype(np.float32) if vector.size else None


@dataclass(frozen=True)
class Precedent:
    ref: str  # the case reference, e.g. C-00012
    vector: np.ndarray = field(repr=False, compare=False)
    confirmed: tuple[str, ...] = ()  # entries the officer confirmed or added
    rejected: tuple[str, ...] = ()  # entries the officer rejected
    decision: str | None = None
    note: str | None = None
    owner: str | None = None  # the researcher whose case it is
    title: str = ""


@dataclass(frozen=True)
class Neighbour:
    precedent: Precedent
    similarity: float


class PrecedentBook:
    """Decided cases to compare a new abstract with."""

    def __init__(self, precedents: Sequence[Precedent] = ()) -> None:
        usable = [p for p in precedents if p.vector is not None and p.vector.size]
        self.precedents = tuple(usable)
        self._matrix = (
            np.stack([p.vector / max(float(np.linalg.norm(p.vector)), 1e-12) for p in usable])
            if usable
            else np.zeros((0, 0), dtype=np.float32)
        )

    def __len__(self) -> int:
        return len(self.precedents)

    def nearest(
        self,
        vector: np.ndarray,
        *,
        k: int | None = None,
        min_similarity: float | None = None,
        visible: Callable[[Precedent], bool] | None = None,
    ) -> list[Neighbour]:
        """The ``k`` closest precedents at least ``min_similarity`` close, closest first
        (defaults: ``NEAREST`` and ``MIN_SIMILARITY``)."""
        k = NEAREST if k is None else k
        min_similarity = MIN_SIMILARITY if min_similarity is None else min_similarity
        if not self.precedents or vector.size != self._matrix.shape[1]:
            return []
        similarities = self._matrix @ vector
        out = []
        for row in np.argsort(-similarities):
            if similarities[row] < min_similarity or len(out) >= k:
                break
            precedent = self.precedents[row]
            if visible is None or visible(precedent):
                out.append(Neighbour(precedent, float(similarities[row])))
        return out


EMPTY_BOOK = PrecedentBook()


class PrecedentSource:
    """The engine's current book of precedents, which the app replaces as officers decide;
    switched off, it gives an empty book (suggestions then ignore past decisions)."""

    def __init__(self, book: PrecedentBook = EMPTY_BOOK, *, enabled: bool = True) -> None:
        self.book = book
        self.enabled = enabled

    def __call__(self) -> PrecedentBook:
        return self.book if self.enabled else EMPTY_BOOK
