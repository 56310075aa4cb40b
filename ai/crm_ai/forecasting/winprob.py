"""Win probability of each open deal.

Two models, both explained per deal in log-odds:

- `stage_adjusted` (the rule, always available): the stage's default probability moved by a few
  written-down adjustments (close date slipping, no recent activity, age, meetings, lead score).
- `logistic_regression` (once the pipeline has at least `MIN_PER_CLASS` won and as many lost
  closed deals): a logistic regression on the same signals, Platt-recalibrated on out-of-fold
  predictions, used only if its cross-validated Brier score beats the rule's on the same deals.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from crm_ai.forecasting.schemas import DealFeatures

Floats = npt.NDArray[np.float64]

MIN_PER_CLASS = 40
RULE_VERSION = "stage-adjusted-v1"
# Clip stage probabilities away from 0/1 before taking log-odds; a stage at exactly 0 or 1 is kept.
_EPS = 0.01


@dataclass(frozen=True, slots=True)
class Reason:
    factor: str
    description: str
    impact: float


@dataclass(frozen=True, slots=True)
class WinEstimate:
    probability: float
    reasons: list[Reason]


def _logit(p: float) -> float:
    p = min(max(p, _EPS), 1 - _EPS)
    return math.log(p / (1 - p))


def _sigmoid(z: Floats) -> Floats:
    out: Floats = 1.0 / (1.0 + np.exp(-z))
    return out


# --- the rule ----------------------------------------------------------------------------------


def rule_adjustments(deal: DealFeatures) -> list[Reason]:
    """The written-down adjustments to the stage probability, in log-odds (see module docstring)."""
    out: list[Reason] = []
    slip = deal.close_slippage_days
    if slip > 0:
        impact = -0.5 * min(slip / 30.0, 3.0)
        out.append(Reason("slippage", f"close date pushed back {slip} days", impact))
    days = deal.days_since_last_activity
    if days is None:
        out.append(Reason("recency", "no activity logged", -0.5))
    elif days > 14:
        impact = -0.3 * min((days - 14) / 14.0, 4.0)
        out.append(Reason("recency", f"last activity {days} days ago", impact))
    if deal.age_days > 365:
        out.append(Reason("age", f"open for {deal.age_days} days", -0.8))
    elif deal.age_days > 180:
        out.append(Reason("age", f"open for {deal.age_days} days", -0.4))
    e = deal.engagement
    if e.meetings > 0:
        out.append(Reason("engagement", f"{e.meetings} meeting(s) in the last 30 days", 0.3))
    elif e.emails + e.calls >= 3:
        out.append(Reason("engagement", f"{e.emails} emails and {e.calls} calls in the last 30 days", 0.15))
    if deal.lead_score is not None and abs(deal.lead_score - 50) >= 5:
        out.append(
            Reason("lead_score", f"lead score {deal.lead_score:.0f}", 0.6 * (deal.lead_score - 50) / 50)
        )
    return out


def rule_estimate(deal: DealFeatures) -> WinEstimate:
    p0 = deal.stage_probability
    base = Reason("stage", f"stage {deal.stage} ({p0:.0%})", round(_logit(p0), 3))
    if p0 in (0.0, 1.0):
        # A stage the pipeline defines as certain (e.g. verbal commit at 100%) is not second-guessed.
        return WinEstimate(p0, [base])
    adjustments = rule_adjustments(deal)
    z = _logit(p0) + sum(r.impact for r in adjustments)
    p = float(_sigmoid(np.array([z]))[0])
    reasons = [base, *sorted(adjustments, key=lambda r: -abs(r.impact))]
    return WinEstimate(p, [Reason(r.factor, r.description, round(r.impact, 3)) for r in reasons])


def rule_probabilities(deals: Sequence[DealFeatures]) -> Floats:
    return np.array([rule_estimate(d).probability for d in deals], dtype=np.float64)


# --- the learned model -------------------------------------------------------------------------

COLUMNS = (
    "stage_log_odds",
    "log_age",
    "slippage_months",
    "log_emails",
    "log_calls",
    "log_meetings",
    "log_notes",
    "recency_months",
    "no_activity",
    "lead_score",
    "lead_score_missing",
)
# Columns summed into the factors a person knows (the rule's factor names).
FACTOR_OF = {
    "stage_log_odds": "stage",
    "log_age": "age",
    "slippage_months": "slippage",
    "log_emails": "engagement",
    "log_calls": "engagement",
    "log_meetings": "engagement",
    "log_notes": "engagement",
    "recency_months": "recency",
    "no_activity": "recency",
    "lead_score": "lead_score",
    "lead_score_missing": "lead_score",
}


def to_matrix(deals: Sequence[DealFeatures]) -> Floats:
    x = np.zeros((len(deals), len(COLUMNS)))
    for i, d in enumerate(deals):
        e = d.engagement
        days = d.days_since_last_activity
        x[i] = (
            _logit(d.stage_probability),
            math.log1p(d.age_days),
            max(min(d.close_slippage_days / 30.0, 12.0), -6.0),
            math.log1p(e.emails),
            math.log1p(e.calls),
            math.log1p(e.meetings),
            math.log1p(e.notes),
            6.0 if days is None else min(days, 180) / 30.0,
            1.0 if days is None else 0.0,
            0.0 if d.lead_score is None else (d.lead_score - 50) / 25,
            1.0 if d.lead_score is None else 0.0,
        )
    return x


def describe(factor: str, deal: DealFeatures) -> str:
    e = deal.engagement
    days = deal.days_since_last_activity
    return {
        "stage": f"stage {deal.stage} ({deal.stage_probability:.0%})",
        "age": f"open for {deal.age_days} days",
        "slippage": f"close date moved {deal.close_slippage_days:+d} days",
        "engagement": (
            f"{e.meetings} meetings, {e.calls} calls, {e.emails} emails, {e.notes} notes in 30 days"
        ),
        "recency": "no activity logged" if days is None else f"last activity {days} days ago",
        "lead_score": "no lead score" if deal.lead_score is None else f"lead score {deal.lead_score:.0f}",
    }[factor]


@dataclass
class LogisticWinModel:
    mean: Floats
    scale: Floats
    coef: Floats
    intercept: float
    a: float  # Platt: calibrated log-odds = a * raw + b
    b: float
    version: str
    validation: dict[str, float]
    calibration: list[dict[str, Any]]

    def raw(self, x: Floats) -> Floats:
        out: Floats = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return out

    def probabilities(self, x: Floats) -> Floats:
        return _sigmoid(self.a * self.raw(x) + self.b)

    def estimates(self, deals: Sequence[DealFeatures]) -> list[WinEstimate]:
        x = to_matrix(deals)
        per_column = self.a * ((x - self.mean) / self.scale) * self.coef
        factors = sorted(set(FACTOR_OF.values()))
        grouped = np.zeros((len(deals), len(factors)))
        for j, col in enumerate(COLUMNS):
            grouped[:, factors.index(FACTOR_OF[col])] += per_column[:, j]
        probs = self.probabilities(x)
        out = []
        for i, deal in enumerate(deals):
            order = np.argsort(-np.abs(grouped[i]))[:3]
            reasons = [
                Reason(factors[j], describe(factors[j], deal), round(float(grouped[i, j]), 3))
                for j in order
                if abs(grouped[i, j]) >= 0.01
            ]
            out.append(WinEstimate(float(probs[i]), reasons))
        return out


def _brier(y: Floats, p: Floats) -> float:
    return float(np.mean((p - y) ** 2))


def _log_loss(y: Floats, p: Floats) -> float:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))


def calibration_table(y: Floats, p: Floats, bins: int = 5) -> list[dict[str, Any]]:
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            rows.append(
                {
                    "bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
                    "n": int(mask.sum()),
                    "mean_predicted": round(float(p[mask].mean()), 4),
                    "observed_rate": round(float(y[mask].mean()), 4),
                }
            )
    return rows


def fit(deals: Sequence[DealFeatures], won: Sequence[bool], seed: int = 0) -> LogisticWinModel:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    x = to_matrix(deals)
    y = np.array(won, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    xs = (x - mean) / scale
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    oof_raw = np.zeros(len(y))
    for train, test in folds.split(xs, y):
        m = LogisticRegression(C=1.0, max_iter=2000).fit(xs[train], y[train])
        oof_raw[test] = m.decision_function(xs[test])
    # Platt on the out-of-fold scores: corrects the shrinkage of the L2 penalty.
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(oof_raw.reshape(-1, 1), y)
    a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    # The recalibration is itself fitted on the out-of-fold scores, so score it out of fold too.
    oof_p = np.zeros(len(y))
    for train, test in folds.split(xs, y):
        pl = LogisticRegression(C=1e6, max_iter=1000).fit(oof_raw[train].reshape(-1, 1), y[train])
        oof_p[test] = pl.predict_proba(oof_raw[test].reshape(-1, 1))[:, 1]
    rule_p = rule_probabilities(deals)
    final = LogisticRegression(C=1.0, max_iter=2000).fit(xs, y)
    digest = hashlib.sha256(np.round(final.coef_, 6).tobytes()).hexdigest()[:8]
    return LogisticWinModel(
        mean=mean,
        scale=scale,
        coef=final.coef_[0].astype(np.float64),
        intercept=float(final.intercept_[0]),
        a=a,
        b=b,
        version=f"win-lr-{digest}",
        validation={
            "brier": round(_brier(y, oof_p), 4),
            "brier_rule": round(_brier(y, rule_p), 4),
            "log_loss": round(_log_loss(y, oof_p), 4),
            "log_loss_rule": round(_log_loss(y, rule_p), 4),
        },
        calibration=calibration_table(y, oof_p),
    )


def training_digest(deals: Sequence[DealFeatures], won: Sequence[bool]) -> str:
    h = hashlib.sha256()
    h.update(to_matrix(deals).round(6).tobytes())
    h.update(np.array(won, dtype=np.int8).tobytes())
    return h.hexdigest()


class WinModelCache:
    """Trained models per (organisation, pipeline), keyed by a digest of the training deals.

    Each organisation has its own small LRU, so one tenant's models are never served to another and
    a busy tenant cannot evict the others' models.
    """

    def __init__(self, per_org: int = 8) -> None:
        self._per_org = per_org
        self._by_org: dict[str, OrderedDict[tuple[str, str], LogisticWinModel]] = {}
        self._lock = threading.Lock()

    def get(self, org_id: str, pipeline_id: str, digest: str) -> LogisticWinModel | None:
        with self._lock:
            entries = self._by_org.get(org_id)
            if entries is None or (pipeline_id, digest) not in entries:
                return None
            entries.move_to_end((pipeline_id, digest))
            return entries[(pipeline_id, digest)]

    def put(self, org_id: str, pipeline_id: str, digest: str, model: LogisticWinModel) -> None:
        with self._lock:
            entries = self._by_org.setdefault(org_id, OrderedDict())
            entries[(pipeline_id, digest)] = model
            while len(entries) > self._per_org:
                entries.popitem(last=False)
