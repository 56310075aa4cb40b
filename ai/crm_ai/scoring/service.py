"""Lead scoring per organisation: the prior until there is enough history, then its own model.

Training holds out a stratified quarter of the labelled leads, fits a calibrated gradient-boosting
candidate on the rest, and promotes it only if it beats the currently served scorer (the prior or
the previous model) on that same holdout: higher ROC AUC and no worse Brier score.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from crm_ai.core.errors import NotEnoughData
from crm_ai.scoring import gbm, prior
from crm_ai.scoring.features import GROUP_NAMES, LeadFeatures, describe, to_matrix
from crm_ai.scoring.metrics import summary
from crm_ai.scoring.registry import ModelRegistry

MIN_PER_CLASS = 50
HOLDOUT_SHARE = 0.25
TOP_REASONS = 3


@dataclass(frozen=True, slots=True)
class Reason:
    feature: str
    description: str
    impact: float  # log-odds contribution: > 0 raises the score, < 0 lowers it


@dataclass(frozen=True, slots=True)
class LeadScore:
    probability: float
    score: int  # 0..100, the probability in percent, for lists and sorting
    model_version: str
    model_kind: str  # "prior" | "gradient_boosting"
    reasons: list[Reason]


class LeadScoring:
    def __init__(self, models_dir: Path) -> None:
        self.registry = ModelRegistry(models_dir)

    # --- scoring ---------------------------------------------------------------------------------

    def score(self, org_id: str, leads: Sequence[LeadFeatures]) -> list[LeadScore]:
        x = to_matrix(leads)
        promoted = self.registry.promoted(org_id)
        if promoted is None:
            probs = 1.0 / (1.0 + np.exp(-prior.log_odds_matrix(x)))
            return _results(
                leads, probs, list(prior.GROUP_NAMES), prior.contributions_matrix(x), prior.VERSION, "prior"
            )
        version, model = promoted
        bias, grouped = model.contributions(x)
        probs = 1.0 / (1.0 + np.exp(-(bias + grouped.sum(axis=1))))
        return _results(leads, probs, list(GROUP_NAMES), grouped, version, "gradient_boosting")

    def _current_probabilities(self, org_id: str, leads: Sequence[LeadFeatures]) -> tuple[str, np.ndarray]:
        promoted = self.registry.promoted(org_id)
        if promoted is None:
            return prior.VERSION, prior.probabilities(leads)
        version, model = promoted
        return version, model.probabilities(to_matrix(leads))

    # --- training --------------------------------------------------------------------------------

    def train(
        self, org_id: str, leads: Sequence[LeadFeatures], converted: Sequence[bool], seed: int = 0
    ) -> dict[str, Any]:
        y = np.array(converted, dtype=np.int_)
        n_conv, n_lost = int(y.sum()), int(len(y) - y.sum())
        if n_conv < MIN_PER_CLASS or n_lost < MIN_PER_CLASS:
            raise NotEnoughData(
                f"need at least {MIN_PER_CLASS} converted and {MIN_PER_CLASS} lost leads; "
                f"have {n_conv} converted and {n_lost} lost"
            )
        from sklearn.model_selection import train_test_split

        idx = np.arange(len(y))
        train_idx, hold_idx = train_test_split(idx, test_size=HOLDOUT_SHARE, stratify=y, random_state=seed)
        x = to_matrix(leads)
        with self.registry.lock(org_id):
            started = time.perf_counter()
            candidate = gbm.fit(x[train_idx], y[train_idx], seed=seed)
            cand = summary(y[hold_idx], candidate.probabilities(x[hold_idx]))
            current_version, current_p = self._current_probabilities(org_id, [leads[i] for i in hold_idx])
            base = summary(y[hold_idx], current_p)
            promote = cand["auc"] > base["auc"] and cand["brier"] <= base["brier"]
            version = f"gb-{time.strftime('%Y%m%dT%H%M%S')}-{seed}"
            meta = {
                "version": version,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "status": "promoted" if promote else "rejected",
                "converted": n_conv,
                "lost": n_lost,
                "train_rows": len(train_idx),
                "holdout_rows": len(hold_idx),
                "holdout": cand,
                "compared_with": {"version": current_version, **{k: base[k] for k in ("auc", "brier")}},
                "reason": _why(cand, base, current_version, promote),
                "train_seconds": round(time.perf_counter() - started, 2),
            }
            self.registry.record(org_id, meta, candidate, promote)
        return meta

    def state(self, org_id: str) -> dict[str, Any]:
        registry = self.registry.read(org_id)
        promoted = registry["promoted"]
        return {
            "serving": promoted or prior.VERSION,
            "kind": "gradient_boosting" if promoted else "prior",
            "min_per_class": MIN_PER_CLASS,
            "versions": registry["versions"],
        }


def _why(cand: dict[str, Any], base: dict[str, Any], current: str, promote: bool) -> str:
    verdict = "promoted" if promote else "kept " + current
    return (
        f"{verdict}: holdout AUC {cand['auc']:.4f} vs {base['auc']:.4f}, "
        f"Brier {cand['brier']:.4f} vs {base['brier']:.4f} ({current})"
    )


def _results(
    leads: Sequence[LeadFeatures],
    probs: np.ndarray,
    names: list[str],
    impacts: np.ndarray,
    version: str,
    kind: str,
) -> list[LeadScore]:
    # Pick the top reasons with numpy; only those few get a description.
    order = np.argsort(-np.abs(impacts), axis=1)[:, :TOP_REASONS]
    out = []
    for row, lead in enumerate(leads):
        reasons = [
            Reason(names[j], describe(names[j], lead), round(float(impacts[row, j]), 3))
            for j in order[row]
            if abs(impacts[row, j]) >= 0.01
        ]
        p = float(probs[row])
        out.append(LeadScore(round(p, 4), round(p * 100), version, kind, reasons))
    return out
