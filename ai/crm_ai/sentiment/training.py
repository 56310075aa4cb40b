"""Train the MiniLM + logistic-regression sentiment classifier and decide the default model.

Model selection (the regularisation strength C) uses cross-validation on the training set only; the
frozen evaluation set is touched once, at the end, to compare the classifier with VADER. The
classifier becomes the default only if its macro-F1 there beats VADER's.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from crm_ai.embeddings.encoder import Encoder
from crm_ai.sentiment.models import (
    ARTIFACT_PATH,
    LABELS,
    EmbeddingLRModel,
    Floats,
    LinearHead,
    VaderModel,
    save_artifact,
)

DATA_DIR = Path(__file__).resolve().parents[2] / "evals" / "data"
TRAIN_FILE = "sentiment_train.tsv"
FROZEN_FILE = "sentiment_eval_frozen.tsv"
C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    label: str
    tags: str
    channel: str
    text: str


class FrozenSetChanged(RuntimeError):
    pass


def load_examples(path: Path) -> list[Example]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    examples = [Example(r["id"], r["label"], r["tags"], r["channel"], r["text"]) for r in rows]
    bad = [e.id for e in examples if e.label not in LABELS or not e.text.strip()]
    if bad:
        raise ValueError(f"{path}: bad rows {bad[:5]}")
    return examples


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_frozen(data_dir: Path = DATA_DIR) -> list[Example]:
    """The frozen evaluation set, refused if it differs from the pinned hash."""
    path = data_dir / FROZEN_FILE
    pinned = (data_dir / "sentiment_eval_frozen.sha256").read_text().strip()
    if sha256_of(path) != pinned:
        raise FrozenSetChanged(f"{path} changed since it was frozen; make a new set instead")
    return load_examples(path)


def metrics(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, f1_score

    per_label = f1_score(y_true, y_pred, labels=list(LABELS), average=None, zero_division=0)
    return {
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=list(LABELS), average="macro")), 4),
        "f1": {label: round(float(v), 4) for label, v in zip(LABELS, per_label, strict=True)},
    }


def by_tag(examples: Sequence[Example], y_pred: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for tag in sorted({e.tags for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.tags == tag]
        out[tag] = round(sum(examples[i].label == y_pred[i] for i in idx) / len(idx), 4)
    return out


def labels_of(proba: Floats) -> list[str]:
    return [LABELS[i] for i in np.argmax(proba, axis=1)]


def fit_head(x: Floats, y: Sequence[str], seed: int = 0) -> tuple[LinearHead, float, float]:
    """Pick C by stratified 5-fold CV macro-F1 on the training set, refit on all of it."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    scores = {}
    for c in C_GRID:
        clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
        scores[c] = float(cross_val_score(clf, x, y, cv=cv, scoring="f1_macro").mean())
    best_c = max(scores, key=lambda c: scores[c])
    final = LogisticRegression(C=best_c, max_iter=5000, class_weight="balanced").fit(x, y)
    head = LinearHead(tuple(str(c) for c in final.classes_), final.coef_.astype(np.float64), final.intercept_)
    return head, best_c, scores[best_c]


def train_and_select(
    encoder: Encoder, data_dir: Path = DATA_DIR, artifact: Path | None = ARTIFACT_PATH
) -> dict[str, Any]:
    """Train on ``encoder``'s vectors; the artifact must be the one for that encoder's precision."""
    """Train, compare with VADER on the frozen set, write the artifact (unless None); return the report."""
    train = load_examples(data_dir / TRAIN_FILE)
    frozen = load_frozen(data_dir)
    x_train = encoder.encode([e.text for e in train]).astype(np.float64)
    head, best_c, cv_f1 = fit_head(x_train, [e.label for e in train])

    digest = hashlib.sha256(head.coef.round(6).tobytes()).hexdigest()[:8]
    version = f"minilm-lr-{time.strftime('%Y%m%d')}-{digest}"
    classifier = EmbeddingLRModel(encoder, head, version)
    gold = [e.label for e in frozen]
    clf_pred = labels_of(classifier.probabilities([e.text for e in frozen]))
    vader_pred = labels_of(VaderModel().probabilities([e.text for e in frozen]))
    report: dict[str, Any] = {
        "version": version,
        "embedding_model": encoder.name,
        "embedding_model_id": encoder.model_id,
        "C": best_c,
        "cv_macro_f1_train": round(cv_f1, 4),
        "train_rows": len(train),
        "train_sha256": sha256_of(data_dir / TRAIN_FILE),
        "frozen_rows": len(frozen),
        "frozen_sha256": sha256_of(data_dir / FROZEN_FILE),
        "frozen_metrics": {
            "vader": {**metrics(gold, vader_pred), "by_tag": by_tag(frozen, vader_pred)},
            "minilm_lr": {**metrics(gold, clf_pred), "by_tag": by_tag(frozen, clf_pred)},
        },
    }
    fm = report["frozen_metrics"]
    report["default_model"] = (
        "minilm_lr" if fm["minilm_lr"]["macro_f1"] > fm["vader"]["macro_f1"] else "vader"
    )
    if artifact is not None:
        save_artifact(artifact, head, report)
    return report
