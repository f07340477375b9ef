"""The clause index: word and character n-gram TF-IDF vectors of every clause document.

Vectors are hashed (scikit-learn's ``HashingVectorizer``: stateless, no vocabulary to pickle),
weighted by inverse document frequency and L2-normalised, so a clause's similarity to a query is
the sum, over shared features, of the two vectors' products: each shared word is one piece of
evidence. Saved as ``.npz``/``.npy`` arrays with a ``params.json`` stamp of the list version,
the text-processing code, the library versions and each file's sha256 (``exportctl.artefacts``:
written whole or not at all); a mismatched stamp, or a file that fails its checksum, means
rebuild.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from dataclasses import asdict, dataclass
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils import murmurhash3_32

from exportctl.artefacts import SavedFolder, save_folder, stamp_without_files
from exportctl.errors import IndexMismatchError
from exportctl.suggest import analyzers, documents
from exportctl.suggest.documents import ClauseDocument

log = logging.getLogger(__name__)

INDEX_FORMAT = 1
N_FEATURES = 2**20


@dataclass(frozen=True)
class IndexParams:
    """How clause documents become vectors; part of the index stamp."""

    own_weight: float = 2.0
    context_weight: float = 1.0
    alias_weight: float = 1.5
    char_ngram_min: int = 3
    char_ngram_max: int = 5


def word_vectorizer() -> HashingVectorizer:
    return HashingVectorizer(
        analyzer=analyzers.word_terms, n_features=N_FEATURES, alternate_sign=False, norm=None
    )


def char_vectorizer(params: IndexParams) -> HashingVectorizer:
    return HashingVectorizer(
        analyzer="char_wb",
        preprocessor=analyzers.char_text,
        ngram_range=(params.char_ngram_min, params.char_ngram_max),
        n_features=N_FEATURES,
        alternate_sign=False,
        norm=None,
    )


def code_fingerprint() -> str:
    """Changes whenever the text processing that shapes the vectors changes."""
    digest = hashlib.sha256()
    for module in (analyzers, documents):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def library_versions() -> dict[str, str]:
    return {name: version(name) for name in ("scikit-learn", "numpy", "scipy")}


def _weigh(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    weighted = counts.copy().astype(np.float32)
    weighted.data = np.log1p(weighted.data)
    weighted = weighted.multiply(idf.reshape(1, -1)).tocsr()
    return normalize(weighted, norm="l2", copy=False)


def _idf(counts: sp.csr_matrix) -> np.ndarray:
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + n_docs) / (1 + df)) + 1).astype(np.float32)


@dataclass
class ClauseIndex:
    codes: list[str]
    word_matrix: sp.csr_matrix
    char_matrix: sp.csr_matrix
    word_idf: np.ndarray
    char_idf: np.ndarray
    params: IndexParams
    stamp: dict

    # -- building ----------------------------------------------------------------------
    @classmethod
    def build(
        cls, docs: list[ClauseDocument], *, stamp: dict, params: IndexParams | None = None
    ) -> ClauseIndex:
        params = params or IndexParams()
        words = word_vectorizer()
        chars = char_vectorizer(params)
        fields = [
            (params.own_weight, [d.own for d in docs]),
            (params.context_weight, [d.context for d in docs]),
            (params.alias_weight, [d.aliases for d in docs]),
        ]
        word_counts = sum(weight * words.transform(texts) for weight, texts in fields)
        char_counts = sum(weight * chars.transform(texts) for weight, texts in fields)
        word_counts = sp.csr_matrix(word_counts)
        char_counts = sp.csr_matrix(char_counts)
        word_idf, char_idf = _idf(word_counts), _idf(char_counts)
        full_stamp = {**stamp, "params": asdict(params)}
        return cls(
            codes=[d.code for d in docs],
            word_matrix=_weigh(word_counts, word_idf),
            char_matrix=_weigh(char_counts, char_idf),
            word_idf=word_idf,
            char_idf=char_idf,
            params=params,
            stamp=full_stamp,
        )

    # -- querying ----------------------------------------------------------------------
    def query_vectors(self, text: str) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        return self.weigh(*self.query_counts(text))

    def query_counts(self, text: str) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """The text's hashed word and character counts (the same for every index built with
        these parameters), before this index's weighting."""
        return (
            sp.csr_matrix(word_vectorizer().transform([text])),
            sp.csr_matrix(char_vectorizer(self.params).transform([text])),
        )

    def weigh(
        self, word_counts: sp.csr_matrix, char_counts: sp.csr_matrix
    ) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        return _weigh(word_counts, self.word_idf), _weigh(char_counts, self.char_idf)

    def similarities(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Cosine similarity of ``text`` to every clause, by words and by character n-grams."""
        return self.similarities_for(*self.query_vectors(text))

    def similarities_for(
        self, word: sp.csr_matrix, char: sp.csr_matrix
    ) -> tuple[np.ndarray, np.ndarray]:
        return self.word_similarities(word), self.char_similarities(char)

    def word_similarities(self, word: sp.csr_matrix) -> np.ndarray:
        return _dot(self._word_columns, word)

    def char_similarities(self, char: sp.csr_matrix) -> np.ndarray:
        return _dot(self._char_columns, char)

    @cached_property
    def _word_columns(self) -> sp.csc_matrix:
        return self.word_matrix.tocsc()

    @cached_property
    def _char_columns(self) -> sp.csc_matrix:
        return self.char_matrix.tocsc()

    def word_contributions(self, query: sp.csr_matrix, row: int) -> dict[int, float]:
        """Per shared word feature (column), the product of query and clause weights; they
        sum to the clause's word similarity."""
        clause = self.word_matrix[row]
        shared = query.multiply(clause).tocsr()
        return dict(zip(shared.indices.tolist(), shared.data.tolist(), strict=True))

    # -- persistence -------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Written whole into a staging folder, then renamed to ``folder``; ``OSError`` when
        it cannot be written."""

        def write(staging: Path) -> None:
            sp.save_npz(staging / "word.npz", self.word_matrix)
            sp.save_npz(staging / "char.npz", self.char_matrix)
            np.save(staging / "word_idf.npy", self.word_idf)
            np.save(staging / "char_idf.npy", self.char_idf)
            (staging / "codes.json").write_text(json.dumps(self.codes))

        save_folder(folder, write, self.stamp)

    @classmethod
    def load(
        cls, folder: Path, *, expected_stamp: dict, expected_codes: list[str] | None = None
    ) -> ClauseIndex:
        """The saved index, or ``IndexMismatchError`` when it is missing, stale (made from
        another list, code or library), damaged, or indexes other clauses than
        ``expected_codes`` (in that order)."""
        with SavedFolder(folder, what="index") as saved:
            stamp = stamp_without_files(saved.stamp)
            expected = {**expected_stamp, "params": stamp.get("params")}
            if stamp != expected:
                changed = sorted(k for k in expected if stamp.get(k) != expected.get(k))
                raise IndexMismatchError(f"The index at {folder} is stale ({', '.join(changed)}).")
            try:
                params = IndexParams(**stamp["params"])
                codes = json.loads(saved.read("codes.json"))
                index = cls(
                    codes=codes,
                    word_matrix=sp.load_npz(io.BytesIO(saved.read("word.npz"))).tocsr(),
                    char_matrix=sp.load_npz(io.BytesIO(saved.read("char.npz"))).tocsr(),
                    word_idf=np.load(io.BytesIO(saved.read("word_idf.npy")), allow_pickle=False),
                    char_idf=np.load(io.BytesIO(saved.read("char_idf.npy")), allow_pickle=False),
                    params=params,
                    stamp=saved.stamp,
                )
            except (ValueError, TypeError, KeyError, EOFError, zipfile.BadZipFile) as error:
                raise saved.damaged(f"{type(error).__name__}: {error}") from None
            rows = len(codes) if isinstance(codes, list) else -1
            shapes = (index.word_matrix.shape, index.char_matrix.shape)
            if (
                shapes != ((rows, N_FEATURES), (rows, N_FEATURES))
                or index.word_idf.shape != (N_FEATURES,)
                or index.char_idf.shape != (N_FEATURES,)
            ):
                raise saved.damaged("its arrays do not fit together")
            if expected_codes is not None and codes != expected_codes:
                raise saved.damaged("its clauses are not the list's clauses in the list's order")
        return index


def _dot(columns: sp.csc_matrix, query: sp.csr_matrix) -> np.ndarray:
    """``columns @ query.T`` reading only the query's columns (a query has few terms)."""
    if query.nnz == 0:
        return np.zeros(columns.shape[0], dtype=np.float32)
    return np.asarray(columns[:, query.indices] @ query.data).ravel()


def term_column(term: str) -> int:
    """The hashed column of a word term (what ``HashingVectorizer`` computes for it)."""
    return abs(murmurhash3_32(term, seed=0, positive=False)) % N_FEATURES
