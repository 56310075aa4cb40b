"""Lead features in the AI service's vocabulary (``crm_ai.scoring.features.LeadFeatures``).

Built from the lead, the company it names (or became on conversion) and its logged activity.
For a lead that is already converted or lost, activity is counted only up to that moment, so a
model never learns from what happened *because* of the outcome. Only the e-mail *domain* leaves
the backend, never the address.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

CONVERTED = "converted"
LOST_STATUSES = ("lost", "disqualified", "unqualified")
CLOSED_STATUSES = (CONVERTED, *LOST_STATUSES)

SOURCES = ("referral", "partner", "event", "web_form", "paid_ads", "cold_outbound", "other")
_SOURCE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("referral", ("referral", "referred", "recommend", "word_of_mouth", "customer_referral")),
    ("partner", ("partner", "reseller", "channel", "affiliate", "distributor")),
    ("event", ("event", "conference", "congress", "trade_show", "tradeshow", "webinar", "fair", "expo")),
    ("paid_ads", ("paid", "ads", "adwords", "ppc", "cpc", "sponsored", "campaign")),
    ("cold_outbound", ("cold", "outbound", "prospecting", "sdr", "purchased_list")),
    ("web_form", ("web", "website", "form", "inbound", "landing", "contact_us", "chat", "organic", "seo")),
)

_INDUSTRY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("insurance", ("insur", "seguro", "assur")),
    ("healthcare", ("health", "clinic", "hospital", "medic", "dental", "pharma", "care", "salud", "biotech")),
    ("logistics", ("logistic", "transport", "shipping", "freight", "courier", "supply chain")),
    ("retail", ("retail", "e-commerce", "ecommerce", "shop", "store", "consumer goods")),
    ("hospitality", ("hospitality", "hotel", "restaurant", "travel", "tourism", "leisure")),
    ("manufacturing", ("manufactur", "industrial", "factory", "automotive", "machinery")),
    ("education", ("educat", "school", "university", "college", "training", "academ")),
    ("finance", ("financ", "bank", "fintech", "invest", "accounting", "capital")),
    ("public_sector", ("government", "public sector", "public_sector", "municipal", "ministry", "ngo")),
    ("technology", ("tech", "software", "saas", "it services", "internet", "telecom", "digital")),
)

MAX_COUNT = 1_000_000
MAX_DAYS = 36_500
MAX_COMPANY_SIZE = 10_000_000


@dataclass(frozen=True)
class LeadFacts:
    """One row of the feature query: what the backend knows about a lead at its cut-off time."""

    id: Any
    source: str | None
    job_title: str | None
    email_domain: str | None
    created_at: dt.datetime
    cutoff: dt.datetime
    industry: str | None
    employee_count: int | None
    emails: int
    calls: int
    meetings: int
    last_activity_at: dt.datetime | None


def _words(value: str) -> str:
    return re.sub(r"[\s\-/]+", "_", value.strip().lower())


def source_of(raw: str | None) -> str:
    if not raw or not raw.strip():
        return "other"
    value = _words(raw)
    if value in SOURCES:
        return value
    for source, words in _SOURCE_WORDS:
        if any(word in value for word in words):
            return source
    return "other"


def industry_of(raw: str | None) -> str:
    if not raw or not raw.strip():
        return "other"
    value = raw.strip().lower()
    for industry, words in _INDUSTRY_WORDS:
        if _words(value) == industry or any(word in value for word in words):
            return industry
    return "other"


def email_domain_of(plaintext: str | None) -> str | None:
    """The domain of a stored e-mail value (a plain address, or a JSON list of addresses)."""
    if not plaintext:
        return None
    value = plaintext.strip()
    if value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            return None
        value = str(items[0]) if items else ""
    if "@" not in value:
        return None
    domain = value.rsplit("@", 1)[1].strip().lower()
    return domain[:253] if "." in domain else None


def _clip(value: int, high: int) -> int:
    return max(0, min(int(value), high))


def to_features(facts: LeadFacts) -> dict[str, Any]:
    """The JSON the AI service validates (``extra="forbid"``, bounded numbers)."""
    days_since = None
    if facts.last_activity_at is not None:
        days_since = _clip((facts.cutoff - facts.last_activity_at).days, MAX_DAYS)
    size = facts.employee_count if facts.employee_count and facts.employee_count > 0 else None
    return {
        "source": source_of(facts.source),
        "title": (facts.job_title or "")[:200] or None,
        "company_size": min(size, MAX_COMPANY_SIZE) if size else None,
        "industry": industry_of(facts.industry),
        "email_domain": facts.email_domain,
        # Logged e-mails stand in for replies: the CRM records correspondence, not opens or clicks,
        # and has no web analytics yet, so those three features stay at zero for every lead alike.
        "replies": _clip(facts.emails, MAX_COUNT),
        "calls": _clip(facts.calls, MAX_COUNT),
        "meetings": _clip(facts.meetings, MAX_COUNT),
        "emails_opened": 0,
        "emails_clicked": 0,
        "web_visits": 0,
        "days_since_last_activity": days_since,
        "lead_age_days": _clip((facts.cutoff - facts.created_at).days, MAX_DAYS),
    }
