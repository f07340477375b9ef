"""Sentence embeddings of the subject vocabulary (HECoS names, CAH3 labels, HESA's definitions),
so a CAH3 subject can be suggested for an abstract that shares its meaning but not its words.

The vectors are built once with the same model as the control-list matching and saved under
``models/subjects/`` (float16 ``.npy``, the texts in ``texts.json``, a ``params.json`` stamp of
the model, a digest of the texts and each file's sha256, written whole or not at all:
``exportctl.artefacts``); a stale, missing or damaged store is rebuilt.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from exportctl.artefacts import SavedFolder, save_folder, stamp_without_files
from exportctl.config import MODELS_DIR
from exportctl.errors import IndexMismatchError
from exportctl.progress import step as report_step

log = logging.getLogger(__name__)

FOLDER = MODELS_DIR / "subjects" / "cah-1.3.4"


@dataclass(frozen=True)
class SubjectVectors:
    rows: dict[str, int]  # alias text → row
    vectors: np.ndarray  # (texts, dimension), rows L2-normalised


def _stamp(texts: list[str]) -> dict:
    from exportctl.suggest.embedding import MODEL_ID, MODEL_SHA256

    digest = hashlib.sha256("\x1e".join(texts).encode("utf-8")).hexdigest()
    return {"format": 1, "model": MODEL_ID, "model_sha256": MODEL_SHA256, "texts_sha256": digest}


def load_or_build(texts: list[str], folder: Path = FOLDER) -> SubjectVectors:
    """The saved vectors of exactly ``texts`` (the full vocabulary), built and saved when
    missing or stale. Use ``vectors_for`` for a part of the vocabulary."""
    texts = sorted(set(texts))
    expected = _stamp(texts)
    for _ in range(2):  # read twice: another process may be replacing the folder
        try:
            with SavedFolder(folder, what="subject vectors") as saved:
                if stamp_without_files(saved.stamp) != expected:
                    break
                saved_texts = json.loads(saved.read("texts.json"))
                vectors = np.load(io.BytesIO(saved.read("vectors.npy")), allow_pickle=False)
            if saved_texts == texts and vectors.ndim == 2 and len(vectors) == len(texts):
                rows = {t: i for i, t in enumerate(texts)}
                return SubjectVectors(rows, vectors.astype(np.float32))
            break
        except (IndexMismatchError, ValueError, EOFError) as error:
            log.info("%s", error)
    from exportctl.suggest.embedding import load_embedder

    log.info("Embedding %d subject names and definitions (once).", len(texts))
    with report_step(
        "Embedding the subject names and definitions (once; they are saved for later runs)",
        "Embedded the subject names and definitions",
    ):
        vectors = load_embedder().embed(texts)

    def write(staging: Path) -> None:
        np.save(staging / "vectors.npy", vectors.astype(np.float16))
        (staging / "texts.json").write_text(json.dumps(texts, ensure_ascii=False))

    try:
        save_folder(folder, write, expected)
    except OSError as error:
        log.warning(
            "Could not save subject vectors to %s (%s); they are used from memory for this run.",
            folder,
            error.strerror or error,
        )
    return SubjectVectors({t: i for i, t in enumerate(texts)}, vectors)


def vectors_for(texts: list[str], store: SubjectVectors) -> np.ndarray:
    """One row per text: from ``store`` where it has the text, embedded here (not saved)
    otherwise."""
    missing = sorted({t for t in texts if t not in store.rows})
    if not missing:
        return store.vectors[[store.rows[t] for t in texts]]
    from exportctl.suggest.embedding import load_embedder

    extra = dict(zip(missing, load_embedder().embed(missing), strict=True))
    return np.stack([store.vectors[store.rows[t]] if t in store.rows else extra[t] for t in texts])


@lru_cache(maxsize=1)
def embed_text(text: str) -> np.ndarray:
    """The whole text's embedding (for subject ranking outside a suggestion run)."""
    from exportctl.suggest.embedding import load_embedder
    from exportctl.suggest.sentences import sentence_spans

    whole, _ = load_embedder().embed_document(text, sentence_spans(text))
    return whole
