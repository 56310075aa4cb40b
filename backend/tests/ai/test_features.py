"""Feature extraction speaks the AI service's vocabulary and never sends an address."""

from __future__ import annotations

import datetime as dt
import uuid

from crm.ai.features import LeadFacts, email_domain_of, industry_of, source_of, to_features

NOW = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)


def test_free_text_sources_map_to_the_known_ones() -> None:
    assert source_of("Referral") == "referral"
    assert source_of("Web form") == "web_form"
    assert source_of("website") == "web_form"
    assert source_of("Google Ads") == "paid_ads"
    assert source_of("cold-call") == "cold_outbound"
    assert source_of("Trade show") == "event"
    assert source_of("Reseller") == "partner"
    assert source_of(None) == source_of("  ") == source_of("carrier pigeon") == "other"


def test_industries_map_to_the_known_ones() -> None:
    assert industry_of("Dental clinics") == "healthcare"
    assert industry_of("Health insurance") == "insurance"
    assert industry_of("SaaS") == "technology"
    assert industry_of("public_sector") == "public_sector"
    assert industry_of(None) == industry_of("Mining") == "other"


def test_only_the_domain_of_an_email_is_kept() -> None:
    assert email_domain_of("Ana.Ruiz@Clinica-Sol.ES") == "clinica-sol.es"
    assert email_domain_of('["ana@gmail.com", "b@x.org"]') == "gmail.com"
    assert email_domain_of("not an address") is None
    assert email_domain_of("a@localhost") is None
    assert email_domain_of(None) is None


def test_features_are_bounded_and_complete() -> None:
    facts = LeadFacts(
        id=uuid.uuid4(),
        source="webinar",
        job_title="x" * 150,
        email_domain="clinic.es",
        created_at=NOW - dt.timedelta(days=400),
        cutoff=NOW,
        industry="Hospital",
        employee_count=0,
        emails=3,
        calls=2_000_000,
        meetings=1,
        last_activity_at=NOW - dt.timedelta(days=5, hours=3),
    )
    features = to_features(facts)
    assert features == {
        "source": "event",
        "title": "x" * 150,
        "company_size": None,  # 0 employees is unknown, not a company of zero
        "industry": "healthcare",
        "email_domain": "clinic.es",
        "replies": 3,
        "calls": 1_000_000,
        "meetings": 1,
        "emails_opened": 0,
        "emails_clicked": 0,
        "web_visits": 0,
        "days_since_last_activity": 5,
        "lead_age_days": 400,
    }
    no_activity = to_features(LeadFacts(**{**facts.__dict__, "last_activity_at": None}))
    assert no_activity["days_since_last_activity"] is None
