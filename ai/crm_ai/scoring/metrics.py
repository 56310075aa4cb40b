"""Holdout metrics for the model registry: ROC AUC, Brier score and a calibration table."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


def roc_auc(y: npt.NDArray[np.int_], p: Floats) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def brier(y: npt.NDArray[np.int_], p: Floats) -> float:
    return float(np.mean((p - y) ** 2))


def calibration_table(y: npt.NDArray[np.int_], p: Floats, bins: int = 10) -> list[dict[str, Any]]:
    """Equal-width bins of predicted probability: how many leads, mean prediction, observed rate."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        if n == 0:
            continue
        rows.append(
            {
                "bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
                "n": n,
                "mean_predicted": round(float(p[mask].mean()), 4),
                "observed_rate": round(float(y[mask].mean()), 4),
            }
        )
    return rows


def summary(y: npt.NDArray[np.int_], p: Floats) -> dict[str, Any]:
    return {
        "auc": round(roc_auc(y, p), 4),
        "brier": round(brier(y, p), 4),
        "n": len(y),
        "positives": int(y.sum()),
        "calibration": calibration_table(y, p),
    }
