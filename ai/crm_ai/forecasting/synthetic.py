"""Generated pipelines and revenue series whose truth is known, for the evaluation and tests.

Deals: the true win log-odds depend on the same signals the rule reads, but with other weights (the
stages are over-optimistic, slippage hurts more, meetings and the lead score matter more), so a
model trained on enough closed deals should beat the rule. Series: level x trend x seasonality plus
noise, so seasonal methods have something to find.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from crm_ai.forecasting.schemas import ClosedDeal, DealFeatures, Engagement, OpenDeal

STAGES = (
    ("Qualification", 0.1),
    ("Consultation booked", 0.25),
    ("Proposal sent", 0.5),
    ("Negotiation", 0.7),
    ("Verbal yes", 0.9),
)


def true_log_odds(d: DealFeatures) -> float:
    p = min(max(d.stage_probability, 0.01), 0.99)
    z = 0.8 * math.log(p / (1 - p)) - 0.3
    z -= 0.8 * min(max(d.close_slippage_days, 0) / 30.0, 3.0)
    days = d.days_since_last_activity
    z -= 1.0 if days is None else 1.2 * (1 - math.exp(-days / 30.0))
    z += 0.6 * math.log1p(d.engagement.meetings) + 0.1 * math.log1p(d.engagement.emails)
    if d.lead_score is not None:
        z += 1.2 * (d.lead_score - 50) / 50
    z -= 0.002 * d.age_days
    return z


@dataclass(frozen=True, slots=True)
class SyntheticDeal:
    features: DealFeatures
    amount: float
    true_p: float
    won: bool


def generate_deals(n: int, seed: int = 0) -> list[SyntheticDeal]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        stage, stage_p = STAGES[rng.choice(len(STAGES), p=[0.3, 0.25, 0.2, 0.15, 0.1])]
        interest = rng.normal()
        slip = 0 if rng.random() < 0.6 else int(rng.exponential(25))
        active = rng.random() > 0.1
        features = DealFeatures(
            stage=stage,
            stage_probability=stage_p,
            age_days=int(rng.exponential(60)),
            close_slippage_days=slip,
            engagement=Engagement(
                emails=int(rng.poisson(math.exp(1.0 + 0.3 * interest))),
                calls=int(rng.poisson(math.exp(-0.3 + 0.3 * interest))),
                meetings=int(rng.poisson(math.exp(-1.2 + 0.6 * interest))),
                notes=int(rng.poisson(1.0)),
            ),
            days_since_last_activity=int(rng.exponential(12 * math.exp(-0.4 * interest))) if active else None,
            lead_score=float(np.clip(50 + 18 * interest + rng.normal(0, 10), 0, 100))
            if rng.random() < 0.7
            else None,
        )
        p = 1 / (1 + math.exp(-true_log_odds(features)))
        amount = round(float(rng.lognormal(8.5, 0.9)), 2)
        out.append(SyntheticDeal(features, amount, p, bool(rng.random() < p)))
    return out


def as_open(deals: list[SyntheticDeal], prefix: str = "d") -> list[OpenDeal]:
    return [
        OpenDeal(id=f"{prefix}{i}", amount=d.amount, **d.features.model_dump()) for i, d in enumerate(deals)
    ]


def as_closed(deals: list[SyntheticDeal], prefix: str = "c") -> list[ClosedDeal]:
    return [
        ClosedDeal(id=f"{prefix}{i}", outcome="won" if d.won else "lost", **d.features.model_dump())
        for i, d in enumerate(deals)
    ]


def generate_series(
    n: int,
    *,
    level: float = 100_000.0,
    trend: float = 0.01,
    seasonality: float = 0.2,
    noise: float = 0.08,
    season: int = 12,
    seed: int = 0,
) -> np.ndarray:
    """Monthly (season=12) or quarterly (season=4) closed-won revenue: multiplicative trend and
    seasonality, Gaussian noise proportional to the level."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    phase = rng.uniform(0, 2 * math.pi)
    mean = level * (1 + trend * t) * (1 + seasonality * np.sin(2 * math.pi * t / season + phase))
    out: np.ndarray = np.maximum(mean + rng.normal(0, noise * level, n), 0.0)
    return out
