"""The two sentiment models: VADER (lexicon baseline) and logistic regression on MiniLM embeddings.

Both answer the same question for a list of texts: probabilities over (negative, neutral, positive).
The service turns those into a label, a signed score and the sentences that drove it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from crm_ai.embeddings.encoder import Encoder

LABELS = ("negative", "neutral", "positive")
Floats = npt.NDArray[np.float64]


class SentimentModel(Protocol):
    name: str
    version: str

    def probabilities(self, texts: list[str]) -> Floats:
        """Shape (len(texts), 3), columns in LABELS order, rows summing to 1."""
        ...


class VaderModel:
    """VADER with its documented thresholds: compound >= 0.05 positive, <= -0.05 negative."""

    name = "vader"
    version = "vaderSentiment-3.3.2"
    threshold = 0.05

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyzer = SentimentIntensityAnalyzer()

    def compound(self, texts: list[str]) -> Floats:
        return np.array([self._analyzer.polarity_scores(t)["compound"] for t in texts], dtype=np.float64)

    def probabilities(self, texts: list[str]) -> Floats:
        # VADER gives no probabilities; a one-hot of its thresholded label keeps the interface
        # honest (confidence 1.0 means "rule fired", not "calibrated").
        compound = self.compound(texts)
        out = np.zeros((len(texts), 3))
        out[compound <= -self.threshold, 0] = 1.0
        out[np.abs(compound) < self.threshold, 1] = 1.0
        out[compound >= self.threshold, 2] = 1.0
        return out


@dataclass(frozen=True)
class LinearHead:
    """Multinomial logistic regression weights, stored as JSON (no pickle to load at start)."""

    classes: tuple[str, ...]
    coef: Floats  # (n_classes, dims)
    intercept: Floats  # (n_classes,)

    def probabilities(self, x: npt.NDArray[np.float32]) -> Floats:
        logits = x.astype(np.float64) @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        proba = e / e.sum(axis=1, keepdims=True)
        # Reorder columns to LABELS whatever order the trainer used.
        ordered: Floats = proba[:, [self.classes.index(label) for label in LABELS]]
        return ordered


class EmbeddingLRModel:
    name = "minilm_lr"

    def __init__(self, encoder: Encoder, head: LinearHead, version: str) -> None:
        self._encoder = encoder
        self.head = head
        self.version = version

    def probabilities(self, texts: list[str]) -> Floats:
        return self.head.probabilities(self._encoder.encode(texts))

    def probabilities_of_vectors(self, vectors: npt.NDArray[np.float32]) -> Floats:
        return self.head.probabilities(vectors)


ARTIFACT_PATH = Path(__file__).parent / "artifacts" / "minilm_lr.json"
# The head trained on the int8 encoder's vectors (a head trained on fp32 vectors loses ~2 points of
# macro-F1 on int8 ones; docs/adr/0011-embedding-precision.md).
INT8_ARTIFACT_PATH = Path(__file__).parent / "artifacts" / "minilm_lr_int8.json"


def artifact_path_for(encoder: Encoder) -> Path:
    """The head trained on this encoder's vectors."""
    return INT8_ARTIFACT_PATH if getattr(encoder, "precision", "fp32") == "int8" else ARTIFACT_PATH


def save_artifact(path: Path, head: LinearHead, meta: dict[str, Any]) -> None:
    payload = {
        **meta,
        "classes": list(head.classes),
        "coef": [[round(float(v), 7) for v in row] for row in head.coef],
        "intercept": [round(float(v), 7) for v in head.intercept],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1) + "\n")


def load_artifact(path: Path = ARTIFACT_PATH) -> tuple[LinearHead, dict[str, Any]]:
    data = json.loads(path.read_text())
    head = LinearHead(
        classes=tuple(data.pop("classes")),
        coef=np.array(data.pop("coef"), dtype=np.float64),
        intercept=np.array(data.pop("intercept"), dtype=np.float64),
    )
    if set(head.classes) != set(LABELS):
        raise ValueError(f"sentiment artifact {path} has classes {head.classes}")
    return head, data
