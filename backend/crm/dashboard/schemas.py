"""Response models of /api/v1/dashboards: typed so the generated web client knows every shape.

Money is a decimal string per currency; deals in different currencies are never added together.
For roles without ``deal_amounts:read`` every amount field is null (counts stay visible).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from crm.kit import examples as ex
from crm.kit.examples import example


class CurrencyAmount(BaseModel):
    model_config = example({"currency": "EUR", "amount": "54000.00"})
    currency: str = Field(description="ISO 4217 code")
    amount: Decimal


class CurrencyClosingAmount(CurrencyAmount):
    model_config = example({"currency": "EUR", "amount": "54000.00", "weighted_amount": "16200.00"})
    weighted_amount: Decimal = Field(description="sum of amount x stage probability")


class StageSummary(BaseModel):
    model_config = example(
        {
            "stage_id": ex.STAGE_ID,
            "name": "Consultation booked",
            "probability": 30,
            "is_won": False,
            "is_lost": False,
            "count": 12,
            "amounts": [{"currency": "EUR", "amount": "54000.00"}],
        }
    )
    stage_id: uuid.UUID
    name: str
    probability: int
    is_won: bool
    is_lost: bool
    count: int
    amounts: list[CurrencyAmount] | None


class PipelineSummary(BaseModel):
    model_config = example(
        {
            "pipeline_id": ex.PIPELINE_ID,
            "pipeline_name": "Implants",
            "stages": [
                {
                    "stage_id": ex.STAGE_ID,
                    "name": "Consultation booked",
                    "probability": 30,
                    "is_won": False,
                    "is_lost": False,
                    "count": 12,
                    "amounts": [{"currency": "EUR", "amount": "54000.00"}],
                }
            ],
        }
    )
    pipeline_id: uuid.UUID | None = Field(
        description="the pipeline summarised (the default one if none was named)"
    )
    pipeline_name: str | None
    stages: list[StageSummary]


class WinRatePeriod(BaseModel):
    model_config = example(
        {
            "period": "2026-03-01",
            "won": 9,
            "lost": 3,
            "win_rate": 0.75,
            "won_amounts": [{"currency": "EUR", "amount": "40500.00"}],
        }
    )
    period: dt.date
    won: int
    lost: int
    win_rate: float | None = Field(description="won / (won + lost); null without closed deals")
    won_amounts: list[CurrencyAmount] | None


class WinRateSummary(BaseModel):
    model_config = example(
        {
            "periods": [
                {
                    "period": "2026-02-01",
                    "won": 7,
                    "lost": 5,
                    "win_rate": 0.5833,
                    "won_amounts": [{"currency": "EUR", "amount": "31500.00"}],
                },
                {
                    "period": "2026-03-01",
                    "won": 9,
                    "lost": 3,
                    "win_rate": 0.75,
                    "won_amounts": [{"currency": "EUR", "amount": "40500.00"}],
                },
            ]
        }
    )
    periods: list[WinRatePeriod]


class ClosingDeal(BaseModel):
    model_config = example(
        {
            "id": ex.DEAL_ID,
            "name": "Implant treatment — Lucía Fernández",
            "amount": "4500.00",
            "currency": "EUR",
            "expected_close_date": ex.DATE,
            "probability": 60,
        }
    )
    id: uuid.UUID
    name: str
    amount: Decimal | None
    currency: str
    expected_close_date: dt.date | None
    probability: int | None


class ClosingSummary(BaseModel):
    model_config = example(
        {
            "count": 1,
            "amounts": [{"currency": "EUR", "amount": "4500.00", "weighted_amount": "2700.00"}],
            "deals": [
                {
                    "id": ex.DEAL_ID,
                    "name": "Implant treatment — Lucía Fernández",
                    "amount": "4500.00",
                    "currency": "EUR",
                    "expected_close_date": ex.DATE,
                    "probability": 60,
                }
            ],
        }
    )
    count: int
    amounts: list[CurrencyClosingAmount] | None
    deals: list[ClosingDeal]


class LeadSource(BaseModel):
    model_config = example({"source": "web form", "count": 140, "converted": 31})
    source: str
    count: int
    converted: int


class LeadSourcesSummary(BaseModel):
    model_config = example(
        {
            "sources": [
                {"source": "web form", "count": 140, "converted": 31},
                {"source": "referral", "count": 42, "converted": 19},
            ]
        }
    )
    sources: list[LeadSource]


class ActivitiesSummary(BaseModel):
    model_config = example({"overdue": 3, "today": 5, "next_7_days": 18, "later": 27})
    overdue: int
    today: int
    next_7_days: int
    later: int


class TopAccount(BaseModel):
    model_config = example(
        {
            "company_id": ex.COMPANY_ID,
            "name": ex.COMPANY_NAME,
            "currency": "EUR",
            "won_amount": "38200.00",
            "won_deals": 6,
        }
    )
    company_id: uuid.UUID
    name: str
    currency: str
    won_amount: Decimal | None
    won_deals: int


class TopAccountsSummary(BaseModel):
    model_config = example(
        {
            "accounts": [
                {
                    "company_id": ex.COMPANY_ID,
                    "name": ex.COMPANY_NAME,
                    "currency": "EUR",
                    "won_amount": "38200.00",
                    "won_deals": 6,
                }
            ]
        }
    )
    accounts: list[TopAccount]


WidgetName = Literal["pipeline", "win_rate", "closing", "lead_sources", "activities", "top_accounts"]


class SkippedWidget(BaseModel):
    model_config = example({"widget": "lead_sources", "reason": "forbidden", "permission": "leads:read"})
    widget: WidgetName
    reason: Literal["forbidden"]
    permission: str = Field(description="the matrix cell the caller lacks, e.g. leads:read")


class DashboardSummary(BaseModel):
    """The requested widgets in one answer; a widget absent here is listed in ``skipped`` or was not asked."""

    model_config = example(
        {
            "activities": {"overdue": 3, "today": 5, "next_7_days": 18, "later": 27},
            "top_accounts": {
                "accounts": [
                    {
                        "company_id": ex.COMPANY_ID,
                        "name": ex.COMPANY_NAME,
                        "currency": "EUR",
                        "won_amount": "38200.00",
                        "won_deals": 6,
                    }
                ]
            },
            "skipped": [{"widget": "lead_sources", "reason": "forbidden", "permission": "leads:read"}],
        }
    )
    pipeline: PipelineSummary | None = None
    win_rate: WinRateSummary | None = None
    closing: ClosingSummary | None = None
    lead_sources: LeadSourcesSummary | None = None
    activities: ActivitiesSummary | None = None
    top_accounts: TopAccountsSummary | None = None
    skipped: list[SkippedWidget] = []
