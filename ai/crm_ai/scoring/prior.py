"""The transparent prior: hand-set log-odds weights that rank leads sensibly before an organisation
has enough history (50 converted + 50 lost) to train its own model. It is also where the trained
model starts from: boosting learns this organisation's corrections to it.

Every number below is a judgement a sales lead could argue with, which is the point: the reasons it
gives are the weights themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from crm_ai.scoring.features import CATEGORICAL, COLUMNS, LeadFeatures, to_matrix

Floats = npt.NDArray[np.float64]
VERSION = "prior-v1"
BASE_LOG_ODDS = -1.6  # a cold lead with nothing known converts roughly 1 time in 6

CATEGORY_WEIGHTS: dict[str, dict[str, float]] = {
    # Warm introductions convert; cold outreach rarely does.
    "source": {
        "referral": 0.9,
        "partner": 0.6,
        "event": 0.4,
        "web_form": 0.3,
        "paid_ads": 0.0,
        "cold_outbound": -0.6,
        "other": -0.2,
    },
    # Decision makers sign corporate health plans; unknown titles are usually generic inboxes.
    "seniority": {"c_level": 0.6, "director": 0.5, "manager": 0.2, "individual": 0.0, "unknown": -0.2},
    # A free mailbox for a company deal is a weak signal of intent or of fit.
    "email_domain_type": {
        "corporate": 0.3,
        "government": 0.1,
        "education": 0.1,
        "free": -0.4,
        "unknown": 0.0,
    },
    # No strong belief about industries; healthcare and insurance know what they are buying.
    "industry": {"healthcare": 0.2, "insurance": 0.2},
}
# Per log1p(count): replies and meetings are intent, opens are barely a signal.
ENGAGEMENT_WEIGHTS = {
    "replies": 0.5,
    "meetings": 0.7,
    "calls": 0.3,
    "emails_clicked": 0.2,
    "emails_opened": 0.05,
    "web_visits": 0.1,
}
RECENCY_PER_DAY = -0.03
RECENCY_FLOOR = -1.2  # past ~40 quiet days a lead is simply cold; more days add nothing
NO_ACTIVITY = -0.5
SIZE_PER_LOG10 = 0.25  # bigger employers buy bigger plans and have a budget line for it
SIZE_CAP = 0.75

GROUP_NAMES: tuple[str, ...] = (*CATEGORICAL, *ENGAGEMENT_WEIGHTS, "recency", "company_size")
_COL = {c: i for i, c in enumerate(COLUMNS)}


def contributions_matrix(x: Floats) -> Floats:
    """(rows, GROUP_NAMES) log-odds contributions, computed from the model matrix (one implementation
    for scoring with the prior and for boosting from it)."""
    out = np.zeros((x.shape[0], len(GROUP_NAMES)))
    for g, group in enumerate(GROUP_NAMES):
        if group in CATEGORY_WEIGHTS or group in CATEGORICAL:
            weights = CATEGORY_WEIGHTS.get(group, {})
            for value in CATEGORICAL[group]:
                out[:, g] += weights.get(value, 0.0) * x[:, _COL[f"{group}={value}"]]
        elif group in ENGAGEMENT_WEIGHTS:
            out[:, g] = ENGAGEMENT_WEIGHTS[group] * np.log1p(x[:, _COL[group]])
        elif group == "recency":
            days = np.maximum(RECENCY_FLOOR, RECENCY_PER_DAY * x[:, _COL["days_since_last_activity"]])
            out[:, g] = np.where(x[:, _COL["no_activity"]] > 0, NO_ACTIVITY, days)
        else:  # company_size; log10 of 0 employees is stored as 0 with the missing flag set
            size = np.minimum(SIZE_CAP, SIZE_PER_LOG10 * np.maximum(0.0, x[:, _COL["log_company_size"]] - 1))
            out[:, g] = np.where(x[:, _COL["company_size_missing"]] > 0, 0.0, size)
    return out


def log_odds_matrix(x: Floats) -> Floats:
    out: Floats = BASE_LOG_ODDS + contributions_matrix(x).sum(axis=1)
    return out


def contributions(lead: LeadFeatures) -> dict[str, float]:
    row = contributions_matrix(to_matrix([lead]))[0]
    return dict(zip(GROUP_NAMES, row.tolist(), strict=True))


def probabilities(leads: Sequence[LeadFeatures]) -> Floats:
    out: Floats = 1.0 / (1.0 + np.exp(-log_odds_matrix(to_matrix(leads))))
    return out


class PriorInit:
    """scikit-learn `init` estimator: gradient boosting starts from the prior's log-odds instead of
    the base rate, so with little data the model stays close to a sensible ranking."""

    def fit(self, x: Floats, y: Any, sample_weight: Any = None) -> PriorInit:
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, x: Floats) -> Floats:
        p = 1.0 / (1.0 + np.exp(-log_odds_matrix(np.asarray(x, dtype=np.float64))))
        return np.column_stack([1.0 - p, p])

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {}

    def set_params(self, **params: Any) -> PriorInit:
        return self
