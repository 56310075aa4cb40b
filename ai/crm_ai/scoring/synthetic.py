"""Synthetic CRM leads whose true conversion propensity is known, for evaluation and tests.

The truth is a function of the observed features only (so the best achievable AUC is the AUC of
the true propensities themselves), and deliberately not the prior's formula: directors convert
better than C-level, mid-size employers beat the largest, recency decays non-linearly, and a meeting
with a decision maker is worth more than the sum of its parts. A model has to learn that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from crm_ai.scoring.features import Industry, LeadFeatures, Seniority, Source, seniority_of

SOURCE_P = {
    "referral": 0.12,
    "partner": 0.08,
    "event": 0.12,
    "web_form": 0.25,
    "paid_ads": 0.18,
    "cold_outbound": 0.2,
    "other": 0.05,
}
# This organisation's events bring tyre-kickers and its paid ads work: the prior believes otherwise.
SOURCE_W = {
    "referral": 1.2,
    "partner": 0.8,
    "event": -0.4,
    "web_form": 0.2,
    "paid_ads": 0.5,
    "cold_outbound": -0.9,
    "other": -0.3,
}
SENIORITY_W = {"c_level": 0.5, "director": 0.8, "manager": 0.3, "individual": -0.3, "unknown": -0.5}
INDUSTRY_W = {
    "healthcare": 0.6,
    "insurance": 0.3,
    "logistics": 0.9,
    "hospitality": 0.5,
    "retail": 0.0,
    "manufacturing": 0.4,
    "education": -0.5,
    "finance": -0.3,
    "public_sector": -1.2,
    "technology": 0.1,
    "other": -0.4,
}
DOMAIN_W = {"corporate": 0.3, "free": -0.7, "government": -0.2, "education": -0.1, "unknown": 0.0}
TITLES = {
    "c_level": ["CEO", "Chief People Officer", "CFO", "Founder", "Managing Partner"],
    "director": [
        "HR Director",
        "Head of Benefits",
        "VP People",
        "Directora de RRHH",
        "Director of Operations",
    ],
    "manager": ["Benefits Manager", "Office Manager", "HR Coordinator", "Gerente de Personal"],
    "individual": ["HR Assistant", "Recruiter", "Analyst", "Receptionist", "Nurse"],
    "unknown": [""],
}
DOMAINS = {
    "corporate": ["acme-logistics.com", "telvia.es", "brightwave.eu", "norvik.no"],
    "free": ["gmail.com", "hotmail.es", "yahoo.com"],
    "government": ["madrid.gob.es"],
    "education": ["uni-lyon.edu"],
    "unknown": [""],
}


@dataclass(frozen=True, slots=True)
class SyntheticLead:
    features: LeadFeatures
    true_p: float
    converted: bool


def true_log_odds(lead: LeadFeatures) -> float:
    seniority = seniority_of(lead.title).value
    from crm_ai.scoring.features import domain_type_of

    z = -1.3 + SOURCE_W[lead.source.value] + SENIORITY_W[seniority] + INDUSTRY_W[lead.industry.value]
    z += DOMAIN_W[domain_type_of(lead.email_domain).value]
    if lead.company_size:
        z += 0.6 - 0.5 * (math.log10(lead.company_size) - 2.8) ** 2  # sweet spot ~600 employees
    z += (
        0.7 * math.log1p(lead.replies)
        + 0.9 * min(lead.meetings, 3) / 3
        + 0.15 * math.log1p(lead.emails_clicked)
    )
    if lead.meetings and seniority in ("c_level", "director"):
        z += 0.6
    days = lead.days_since_last_activity
    z += -1.3 if days is None else -1.6 * (1 - math.exp(-days / 14))
    return z


def generate(n: int, seed: int = 0) -> list[SyntheticLead]:
    rng = np.random.default_rng(seed)
    sources = list(SOURCE_P)
    src_p = np.array([SOURCE_P[s] for s in sources])
    seniorities = [s.value for s in Seniority]
    industries = [i.value for i in Industry]
    out = []
    for _ in range(n):
        source = sources[rng.choice(len(sources), p=src_p / src_p.sum())]
        seniority = seniorities[rng.choice(5, p=[0.1, 0.15, 0.25, 0.35, 0.15])]
        domain_kind = ["corporate", "free", "government", "education", "unknown"][
            rng.choice(5, p=[0.65, 0.2, 0.05, 0.03, 0.07])
        ]
        # Unobserved interest drives engagement, so the counts are correlated as in real pipelines.
        interest = rng.normal() + 0.4 * SOURCE_W[source]
        counts = {
            name: int(rng.poisson(math.exp(base + slope * interest)))
            for name, base, slope in (
                ("emails_opened", 1.0, 0.3),
                ("emails_clicked", -0.5, 0.5),
                ("replies", -1.0, 0.6),
                ("meetings", -1.8, 0.7),
                ("calls", -1.2, 0.4),
                ("web_visits", 0.2, 0.4),
            )
        }
        active = any(counts.values()) or rng.random() < 0.3
        days = int(rng.exponential(20 * math.exp(-0.4 * interest))) if active else None
        features = LeadFeatures(
            source=Source(source),
            title=str(rng.choice(TITLES[seniority])) or None,
            company_size=int(np.clip(rng.lognormal(5.5, 1.8), 1, 500_000)) if rng.random() < 0.85 else None,
            industry=Industry(industries[rng.integers(len(industries))]),
            email_domain=str(rng.choice(DOMAINS[domain_kind])) or None,
            days_since_last_activity=None if days is None else min(days, 3650),
            lead_age_days=int(rng.integers(1, 400)),
            **counts,
        )
        p = 1.0 / (1.0 + math.exp(-true_log_odds(features)))
        out.append(SyntheticLead(features, p, bool(rng.random() < p)))
    return out
