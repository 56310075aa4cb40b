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


class CurrencyAmount(BaseModel):
    currency: str = Field(description="ISO 4217 code")
    amount: Decimal


class CurrencyClosingAmount(CurrencyAmount):
    weighted_amount: Decimal = Field(description="sum of amount x stage probability")


class StageSummary(BaseModel):
    stage_id: uuid.UUID
    name: str
    probability: int
    is_won: bool
    is_lost: bool
    count: int
    amounts: list[CurrencyAmount] | None


class PipelineSummary(BaseModel):
    pipeline_id: uuid.UUID | None = Field(
        description="the pipeline summarised (the default one if none was named)"
    )
    pipeline_name: str | None
    stages: list[StageSummary]


class WinRatePeriod(BaseModel):
    period: dt.date
    won: int
    lost: int
    win_rate: float | None = Field(description="won / (won + lost); null without closed deals")
    won_amounts: list[CurrencyAmount] | None


class WinRateSummary(BaseModel):
    periods: list[WinRatePeriod]


class ClosingDeal(BaseModel):
    id: uuid.UUID
    name: str
    amount: Decimal | None
    currency: str
    expected_close_date: dt.date | None
    probability: int | None


class ClosingSummary(BaseModel):
    count: int
    amounts: list[CurrencyClosingAmount] | None
    deals: list[ClosingDeal]


class LeadSource(BaseModel):
    source: str
    count: int
    converted: int


class LeadSourcesSummary(BaseModel):
    sources: list[LeadSource]


class ActivitiesSummary(BaseModel):
    overdue: int
    today: int
    next_7_days: int
    later: int


class TopAccount(BaseModel):
    company_id: uuid.UUID
    name: str
    currency: str
    won_amount: Decimal | None
    won_deals: int


class TopAccountsSummary(BaseModel):
    accounts: list[TopAccount]


WidgetName = Literal["pipeline", "win_rate", "closing", "lead_sources", "activities", "top_accounts"]


class SkippedWidget(BaseModel):
    widget: WidgetName
    reason: Literal["forbidden"]
    permission: str = Field(description="the matrix cell the caller lacks, e.g. leads:read")


class DashboardSummary(BaseModel):
    """The requested widgets in one answer; a widget absent here is listed in ``skipped`` or was not asked."""

    pipeline: PipelineSummary | None = None
    win_rate: WinRateSummary | None = None
    closing: ClosingSummary | None = None
    lead_sources: LeadSourcesSummary | None = None
    activities: ActivitiesSummary | None = None
    top_accounts: TopAccountsSummary | None = None
    skipped: list[SkippedWidget] = []
