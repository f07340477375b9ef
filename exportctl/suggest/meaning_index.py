"""The meaning index: one sentence-embedding vector per clause, built once per list version.

Each clause is embedded with its parents' words (``documents.meaning_text``). The vectors are
saved as a float16 ``.npy`` beside ``codes.json`` and a ``params.json`` stamp holding the model
id and checksum, a digest of the embedded texts and each file's sha256 (``exportctl.artefacts``:
written whole or not at all), so the index is rebuilt exactly when the list text or the model
changes, or a file is damaged, never per query.

A new version of a list is mostly the text of the one before: when its index is built, the
vectors of clause texts already embedded for another imported version (by the same model) are
taken from that version's saved index, and only the new and changed texts are embedded, so an
amendment is embedded in seconds rather than minutes. The vectors are kept at the saved
precision (float16), so an index built this way equals one built from scratch.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from exportctl.artefacts import SavedFolder, save_folder, stamp_without_files
from exportctl.config import CONTROL_LISTS_DIR
from exportctl.errors import DatasetError, IndexMismatchError
from exportctl.lists.store import ControlList, dataset_for
from exportctl.suggest.documents import meaning_text
from exportctl.suggest.embedding import MODEL_ID, MODEL_SHA256, TOKENIZER_SHA256, SentenceEmbedder

log = logging.getLogger(__name__)

FORMAT = 1
#: progress callback: (texts embedded so far, total)
Progress = Callable[[int, int], None]


def meaning_documents(control_list: ControlList) -> tuple[list[str], list[str]]:
    """Codes and texts of every clause in use, in list order."""
    clauses = [clause for clause in control_list if not clause.not_used]
    return [c.code for c in clauses], [meaning_text(control_list, c) for c in clauses]


def _stamp(control_list: ControlList, texts: list[str]) -> dict:
    digest = hashlib.sha256("\x1e".join(texts).encode("utf-8")).hexdigest()
    return {
        "format": FORMAT,
        "list_version": control_list.version,
        "model": MODEL_ID,
        "model_sha256": MODEL_SHA256,
        "tokenizer_sha256": TOKENIZER_SHA256,
        "texts_sha256": digest,
        "clauses": len(texts),
    }


@dataclass(frozen=True)
class MeaningIndex:
    codes: list[str]
    vectors: np.ndarray  # (clauses, dimension) float32, rows L2-normalised
    stamp: dict

    def similarities(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine similarity of each query vector (rows) to every clause: (queries, clauses)."""
        return np.atleast_2d(vectors) @ self.vectors.T

    @classmethod
    def build(
        cls,
        control_list: ControlList,
        embedder: SentenceEmbedder,
        *,
        progress: Progress | None = None,
        batch: int = 256,
        known: Mapping[str, np.ndarray] | None = None,
    ) -> MeaningIndex:
        """Embed every clause in use; a text found in ``known`` (text -> vector, from
        ``earlier_vectors``) takes that vector instead of being embedded again."""
        codes, texts = meaning_documents(control_list)
        known = known or {}
        vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
        todo = []
        for row, text in enumerate(texts):
            vector = known.get(text)
            if vector is not None and vector.shape == (embedder.dimension,):
                vectors[row] = vector
            else:
                todo.append(row)
        if len(todo) < len(texts):
            log.info(
                "%d of %d clause texts embedded before; embedding the other %d.",
                len(texts) - len(todo),
                len(texts),
                len(todo),
            )
        for start in range(0, len(todo), batch):
            rows = todo[start : start + batch]
            vectors[rows] = embedder.embed([texts[row] for row in rows])
            done = min(start + batch, len(todo))
            log.debug("Embedded %d of %d clauses.", done, len(todo))
            if progress:
                progress(done, len(todo))
        # The saved precision, so that an index in memory equals the one loaded later.
        vectors = vectors.astype(np.float16).astype(np.float32)
        return cls(codes, vectors, _stamp(control_list, texts))

    def save(self, folder: Path) -> None:
        """Written to a staging folder and renamed, so a reader never sees half an index;
        ``OSError`` when it cannot be written."""

        def write(staging: Path) -> None:
            np.save(staging / "vectors.npy", self.vectors.astype(np.float16))
            (staging / "codes.json").write_text(json.dumps(self.codes))

        save_folder(folder, write, stamp_without_files(self.stamp))

    @classmethod
    def load(cls, folder: Path, control_list: ControlList) -> MeaningIndex:
        """The saved index, or ``IndexMismatchError`` when it is missing, stale or damaged."""
        codes, texts = meaning_documents(control_list)
        expected = _stamp(control_list, texts)
        with SavedFolder(folder, what="meaning index") as saved:
            stamp = stamp_without_files(saved.stamp)
            if stamp != expected:
                changed = sorted(k for k in expected if stamp.get(k) != expected[k])
                raise IndexMismatchError(
                    f"The meaning index at {folder} is stale ({', '.join(changed)})."
                )
            try:
                saved_codes = json.loads(saved.read("codes.json"))
                vectors = np.load(io.BytesIO(saved.read("vectors.npy")), allow_pickle=False)
                vectors = vectors.astype(np.float32)
            except (ValueError, TypeError, EOFError) as error:
                raise saved.damaged(f"{type(error).__name__}: {error}") from None
        if saved_codes != codes or vectors.ndim != 2 or vectors.shape[0] != len(codes):
            raise IndexMismatchError(f"The meaning index at {folder} does not match its list.")
        return cls(codes, vectors, stamp)


def meaning_index_dir(models_dir: Path, control_list: ControlList) -> Path:
    manifest = control_list.manifest
    return models_dir / "meaning" / f"{manifest.list_name}-{manifest.list_date}"


def earlier_vectors(
    models_dir: Path, control_list: ControlList, *, root: Path = CONTROL_LISTS_DIR
) -> dict[str, np.ndarray]:
    """Clause texts already embedded, with their vectors (text -> vector): from the saved
    meaning indexes of the other list versions under ``models_dir`` that were made by the model
    in use and whose list is still imported under ``root`` (each checked against its list, as
    when it is loaded). Indexes that are stale, damaged or of a list no longer imported are
    passed over."""
    target = meaning_index_dir(models_dir, control_list)
    model = {"format": FORMAT, "model": MODEL_ID, "model_sha256": MODEL_SHA256,
             "tokenizer_sha256": TOKENIZER_SHA256}  # fmt: skip
    known: dict[str, np.ndarray] = {}
    meaning = models_dir / "meaning"
    folders = sorted(meaning.iterdir()) if meaning.is_dir() else []
    for folder in folders:
        if folder == target or folder.name.startswith(".") or not folder.is_dir():
            continue
        try:
            with SavedFolder(folder, what="meaning index") as saved:
                stamp = saved.stamp
            if any(stamp.get(key) != value for key, value in model.items()):
                continue
            version = str(stamp.get("list_version"))
            if version == control_list.version:
                continue
            other = ControlList.from_dir(dataset_for(version, root))
            index = MeaningIndex.load(folder, other)
        except (IndexMismatchError, DatasetError, OSError) as error:
            log.debug("Not reusing the meaning index at %s: %s", folder, error)
            continue
        _codes, texts = meaning_documents(other)
        known.update(zip(texts, index.vectors, strict=True))
    return known


def load_or_build_meaning_index(
    control_list: ControlList,
    embedder: SentenceEmbedder,
    models_dir: Path,
    *,
    progress: Progress | None = None,
    root: Path = CONTROL_LISTS_DIR,
) -> MeaningIndex:
    folder = meaning_index_dir(models_dir, control_list)
    try:
        return MeaningIndex.load(folder, control_list)
    except IndexMismatchError as error:
        try:  # another process may have been replacing the folder at that moment
            return MeaningIndex.load(folder, control_list)
        except IndexMismatchError:
            log.info("%s Embedding the list (a minute or two, once per list version).", error)
    known = earlier_vectors(models_dir, control_list, root=root)
    index = MeaningIndex.build(control_list, embedder, progress=progress, known=known)
    try:
        index.save(folder)
    except OSError as error:
        log.warning(
            "Could not save the meaning index to %s (%s); it is used from memory for this run. "
            "Make models/ writable, or set EXPORTCTL_MODELS to a writable folder, so that the "
            "list is embedded only once.",
            folder,
            error.strerror or error,
        )
    return index
