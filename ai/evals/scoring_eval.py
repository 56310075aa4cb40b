"""Lead-scoring evaluation on synthetic leads whose true conversion propensity is known.

For several history sizes: train through the real service (per-organisation registry, holdout,
promotion rule), then score an independent test set and compare the model's AUC with the best
achievable AUC (the true propensities) and the prior's AUC.

Run from ai/: .venv/bin/python -m evals.scoring_eval [--sizes 150,300,1000,4000] [--test 5000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from crm_ai.core.errors import NotEnoughData
from crm_ai.scoring import prior
from crm_ai.scoring.metrics import brier, calibration_table, roc_auc
from crm_ai.scoring.service import LeadScoring
from crm_ai.scoring.synthetic import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="150,300,1000,4000")
    parser.add_argument("--test", type=int, default=5000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    test = generate(args.test, seed=10_000)
    y = np.array([lead.converted for lead in test], dtype=np.int_)
    true_p = np.array([lead.true_p for lead in test])
    prior_p = prior.probabilities([lead.features for lead in test])
    rows: list[dict[str, Any]] = []
    calibration: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        scoring = LeadScoring(Path(tmp))
        for i, n in enumerate(sizes):
            org = f"eval-org-{i}"  # a fresh organisation per size: each starts from the prior
            history = generate(n, seed=i + 1)
            started = time.perf_counter()
            try:
                report = scoring.train(org, [h.features for h in history], [h.converted for h in history])
            except NotEnoughData as exc:
                # The explicit state an organisation sees: still on the prior, no made-up model.
                rows.append({"n_history": n, "status": "not_enough_data", "detail": exc.detail})
                continue
            train_s = time.perf_counter() - started
            started = time.perf_counter()
            scored = scoring.score(org, [lead.features for lead in test])
            rate = len(test) / (time.perf_counter() - started)
            p = np.array([s.probability for s in scored])
            rows.append(
                {
                    "n_history": n,
                    "converted": report["converted"],
                    "status": report["status"],
                    "holdout_auc": report["holdout"]["auc"],
                    "holdout_auc_prior": report["compared_with"]["auc"],
                    "test_auc": round(roc_auc(y, p), 4),
                    "test_brier": round(brier(y, p), 4),
                    "train_s": round(train_s, 1),
                    "leads_per_s": round(rate),
                }
            )
            calibration = calibration_table(y, p)

    best = {"auc": round(roc_auc(y, true_p), 4), "brier": round(brier(y, true_p), 4)}
    base = {"auc": round(roc_auc(y, prior_p), 4), "brier": round(brier(y, prior_p), 4)}
    print(f"test set: {len(test)} synthetic leads, conversion rate {y.mean():.3f}")
    print(f"best achievable (true propensity): AUC {best['auc']:.4f}  Brier {best['brier']:.4f}")
    print(f"prior ({prior.VERSION}):              AUC {base['auc']:.4f}  Brier {base['brier']:.4f}")
    header = (
        "history",
        "conv",
        "status",
        "holdout AUC",
        "(prior)",
        "test AUC",
        "test Brier",
        "train s",
        "leads/s",
    )
    print("".join(f"{h:>12}" for h in header))
    for r in rows:
        if r["status"] == "not_enough_data":
            print(f"{r['n_history']:>12}  not enough data, serving the prior: {r['detail']}")
            continue
        values = (
            r["n_history"],
            r["converted"],
            r["status"],
            r["holdout_auc"],
            r["holdout_auc_prior"],
            r["test_auc"],
            r["test_brier"],
            r["train_s"],
            r["leads_per_s"],
        )
        print("".join(f"{v:>12}" for v in values))
    print(f"calibration on the test set, model trained on {sizes[-1]} leads:")
    for c in calibration:
        print(
            f"  {c['bin']:>8}  n={c['n']:>5}  "
            f"predicted {c['mean_predicted']:.3f}  observed {c['observed_rate']:.3f}"
        )
    print(
        json.dumps({"eval": "lead_scoring", "test_n": len(test), "best": best, "prior": base, "models": rows})
    )


if __name__ == "__main__":
    main()
