"""Sentiment evaluation on the frozen set: accuracy and macro-F1 of VADER and of the shipped classifiers
(the head for fp32 MiniLM vectors, and the head for int8 ones with the int8 encoder).

Run: ai/.venv/bin/python -m evals.sentiment_eval   (from ai/). Prints a table, then one JSON line.
`--retrain` trains a fresh classifier from the training set first (it does not touch the artifact).
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

from crm_ai.embeddings.encoder import MiniLMEncoder
from crm_ai.sentiment.models import (
    ARTIFACT_PATH,
    INT8_ARTIFACT_PATH,
    EmbeddingLRModel,
    SentimentModel,
    VaderModel,
    load_artifact,
)
from crm_ai.sentiment.training import (
    DATA_DIR,
    TRAIN_FILE,
    by_tag,
    labels_of,
    load_examples,
    load_frozen,
    metrics,
    train_and_select,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--retrain", action="store_true")
    args = parser.parse_args()

    encoder = MiniLMEncoder()
    frozen = load_frozen(DATA_DIR)
    train = load_examples(DATA_DIR / TRAIN_FILE)
    texts, gold = [e.text for e in frozen], [e.label for e in frozen]

    if args.retrain:
        report = train_and_select(encoder, DATA_DIR, artifact=None)
        print(f"retrained: C={report['C']} cv macro-F1 (train) {report['cv_macro_f1_train']}")
    head, meta = load_artifact(ARTIFACT_PATH)
    classifier = EmbeddingLRModel(encoder, head, str(meta["version"]))
    int8_head, int8_meta = load_artifact(INT8_ARTIFACT_PATH)
    int8_classifier = EmbeddingLRModel(MiniLMEncoder(int8=True), int8_head, str(int8_meta["version"]))

    results: dict[str, Any] = {}
    models: tuple[tuple[str, SentimentModel], ...] = (
        ("vader", VaderModel()),
        ("minilm_lr", classifier),
        ("minilm_lr_int8", int8_classifier),
    )
    for name, model in models:
        started = time.perf_counter()
        pred = labels_of(model.probabilities(texts))
        ms = (time.perf_counter() - started) * 1000 / len(texts)
        results[name] = {**metrics(gold, pred), "by_tag": by_tag(frozen, pred), "ms_per_text": round(ms, 2)}

    # Leakage check: the most similar train/eval pair by embedding should be a paraphrase at most.
    sims = encoder.encode(texts) @ encoder.encode([e.text for e in train]).T
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    closest = {"similarity": round(float(sims[i, j]), 3), "eval": texts[i], "train": train[j].text}

    tags = sorted(results["vader"]["by_tag"])
    print(f"frozen set: {len(frozen)} messages; training set: {len(train)} (kept apart)")
    header = (
        f"{'model':<15}{'accuracy':>9}{'macro-F1':>9}" + "".join(f"{t:>10}" for t in tags) + f"{'ms/text':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        row = f"{name:<15}{r['accuracy']:>9.3f}{r['macro_f1']:>9.3f}"
        row += "".join(f"{r['by_tag'][t]:>10.3f}" for t in tags) + f"{r['ms_per_text']:>9.2f}"
        print(row)
    winner = "minilm_lr" if results["minilm_lr"]["macro_f1"] > results["vader"]["macro_f1"] else "vader"
    print(
        f"(per-tag columns are accuracy) default by macro-F1: {winner}; "
        f"shipped default: {meta['default_model']}"
    )
    print(f"closest train/eval pair: {closest['similarity']} | {closest['eval']} | {closest['train']}")
    print(
        json.dumps(
            {
                "eval": "sentiment",
                "n": len(frozen),
                "models": {
                    k: {"accuracy": v["accuracy"], "macro_f1": v["macro_f1"]} for k, v in results.items()
                },
                "default": winner,
                "shipped_default": meta["default_model"],
                "classifier_version": meta["version"],
                "int8_classifier_version": int8_meta["version"],
                "max_train_eval_similarity": closest["similarity"],
            }
        )
    )


if __name__ == "__main__":
    main()
