"""Lead features: what the backend sends about a lead, and the numeric matrix the models see.

The backend sends the email *domain*, never the address: the type of domain is all we use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field


class Source(StrEnum):
    referral = "referral"
    partner = "partner"
    event = "event"
    web_form = "web_form"
    paid_ads = "paid_ads"
    cold_outbound = "cold_outbound"
    other = "other"


class Industry(StrEnum):
    healthcare = "healthcare"
    insurance = "insurance"
    logistics = "logistics"
    retail = "retail"
    hospitality = "hospitality"
    manufacturing = "manufacturing"
    education = "education"
    finance = "finance"
    public_sector = "public_sector"
    technology = "technology"
    other = "other"


class Seniority(StrEnum):
    c_level = "c_level"
    director = "director"
    manager = "manager"
    individual = "individual"
    unknown = "unknown"


class DomainType(StrEnum):
    corporate = "corporate"
    free = "free"
    education = "education"
    government = "government"
    unknown = "unknown"


Count = Annotated[int, Field(ge=0, le=1_000_000)]
Days = Annotated[int, Field(ge=0, le=36_500)]


class LeadFeatures(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Source = Source.other
    title: Annotated[str, Field(max_length=200)] | None = None
    company_size: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    industry: Industry = Industry.other
    email_domain: Annotated[str, Field(max_length=253)] | None = None
    emails_opened: Count = 0
    emails_clicked: Count = 0
    replies: Count = 0
    meetings: Count = 0
    calls: Count = 0
    web_visits: Count = 0
    days_since_last_activity: Days | None = None
    lead_age_days: Days = 0


_SENIORITY_RULES: tuple[tuple[Seniority, re.Pattern[str]], ...] = (
    (Seniority.c_level, re.compile(r"\b(chief|ceo|cfo|coo|cto|cmo|chro|founder|owner|president|partner)\b")),
    (Seniority.director, re.compile(r"\b(vp|vice president|director|directora|head of|jefe|jefa)\b")),
    (Seniority.manager, re.compile(r"\b(manager|gerente|lead|supervisor|coordinator|coordinadora?)\b")),
)
FREE_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.es",
        "hotmail.com",
        "hotmail.es",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "mail.com",
        "yandex.com",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "sapo.pt",
    }
)


def seniority_of(title: str | None) -> Seniority:
    if not title or not title.strip():
        return Seniority.unknown
    lowered = title.lower()
    for level, pattern in _SENIORITY_RULES:
        if pattern.search(lowered):
            return level
    return Seniority.individual


def domain_type_of(domain: str | None) -> DomainType:
    if not domain or "." not in domain:
        return DomainType.unknown
    d = domain.strip().lower().rsplit("@", 1)[-1]
    if d in FREE_DOMAINS:
        return DomainType.free
    if d.endswith((".edu", ".ac.uk")) or ".edu." in d:
        return DomainType.education
    if d.endswith(".gov") or ".gov." in d or ".gob." in d or d.endswith(".gob.es"):
        return DomainType.government
    return DomainType.corporate


# Column layout of the model matrix. `GROUPS` maps each column back to the feature a person knows,
# so per-column contributions can be summed into reasons like "source: referral".
NUMERIC = (
    "log_company_size",
    "company_size_missing",
    "emails_opened",
    "emails_clicked",
    "replies",
    "meetings",
    "calls",
    "web_visits",
    "days_since_last_activity",
    "no_activity",
    "lead_age_days",
)
CATEGORICAL: dict[str, tuple[str, ...]] = {
    "source": tuple(s.value for s in Source),
    "industry": tuple(i.value for i in Industry),
    "seniority": tuple(s.value for s in Seniority),
    "email_domain_type": tuple(d.value for d in DomainType),
}
COLUMNS: tuple[str, ...] = NUMERIC + tuple(f"{g}={v}" for g, vs in CATEGORICAL.items() for v in vs)
GROUPS: tuple[str, ...] = tuple(
    {
        "log_company_size": "company_size",
        "company_size_missing": "company_size",
        "no_activity": "recency",
        "days_since_last_activity": "recency",
    }.get(c, c)
    for c in NUMERIC
) + tuple(g for g, vs in CATEGORICAL.items() for _ in vs)
# Recency of a lead that never had activity: treated as very stale, flagged separately.
NO_ACTIVITY_DAYS = 365


def derived(lead: LeadFeatures) -> dict[str, str]:
    return {
        "source": lead.source.value,
        "industry": lead.industry.value,
        "seniority": seniority_of(lead.title).value,
        "email_domain_type": domain_type_of(lead.email_domain).value,
    }


def to_matrix(leads: Sequence[LeadFeatures]) -> npt.NDArray[np.float64]:
    index = {c: i for i, c in enumerate(COLUMNS)}
    x = np.zeros((len(leads), len(COLUMNS)), dtype=np.float64)
    for row, lead in enumerate(leads):
        values = x[row]
        values[index["log_company_size"]] = math.log10(lead.company_size) if lead.company_size else 0.0
        values[index["company_size_missing"]] = 1.0 if lead.company_size is None else 0.0
        for name in ("emails_opened", "emails_clicked", "replies", "meetings", "calls", "web_visits"):
            values[index[name]] = float(getattr(lead, name))
        days = lead.days_since_last_activity
        values[index["days_since_last_activity"]] = float(NO_ACTIVITY_DAYS if days is None else days)
        values[index["no_activity"]] = 1.0 if days is None else 0.0
        values[index["lead_age_days"]] = float(lead.lead_age_days)
        for group, value in derived(lead).items():
            values[index[f"{group}={value}"]] = 1.0
    return x


GROUP_NAMES: tuple[str, ...] = tuple(sorted(set(GROUPS)))
_GROUP_ONEHOT = np.zeros((len(GROUPS), len(GROUP_NAMES)))
_GROUP_ONEHOT[np.arange(len(GROUPS)), [GROUP_NAMES.index(g) for g in GROUPS]] = 1.0


def group_columns(per_column: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """(rows, COLUMNS) -> (rows, GROUP_NAMES): one-hot and helper columns summed into the features a
    person knows (source, recency, ...)."""
    out: npt.NDArray[np.float64] = per_column @ _GROUP_ONEHOT
    return out


def describe(group: str, lead: LeadFeatures) -> str:
    """Human-readable value of a feature group, for reasons ("source: referral", "replies: 3")."""
    cats = derived(lead)
    if group in cats:
        return f"{group.replace('_', ' ')}: {cats[group].replace('_', ' ')}"
    if group == "company_size":
        return f"company size: {lead.company_size}" if lead.company_size else "company size: unknown"
    if group == "recency":
        d = lead.days_since_last_activity
        return "no activity yet" if d is None else f"last activity {d} days ago"
    return f"{group.replace('_', ' ')}: {getattr(lead, group)}"
