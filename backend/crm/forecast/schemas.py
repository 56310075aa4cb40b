"""Payload of GET /api/v1/forecast (the AI service's own shapes stay behind the backend)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field

PeriodKind = Literal["month", "quarter"]


class Band(BaseModel):
    p10: float
    p50: float
    p90: float


class ReasonOut(BaseModel):
    factor: str
    description: str
    impact: float = Field(description="Log-odds change: > 0 raises the win probability, < 0 lowers it.")


class DealForecastOut(BaseModel):
    deal_id: uuid.UUID
    name: str
    period: str = Field(description="The period the deal is expected to close in.")
    stage: str
    amount: float
    stage_probability: float
    win_probability: float
    expected_revenue: float
    reasons: list[ReasonOut]


class MoverOut(BaseModel):
    deal_id: uuid.UUID
    name: str
    amount: float
    win_probability: float
    share_of_variance: float = Field(description="This deal's share of the period's revenue variance, 0..1.")
    if_won: Band
    if_lost: Band


class PeriodForecastOut(Band):
    period: str = Field(description="e.g. 2026-07 or 2026-Q3")
    start: dt.date
    end: dt.date = Field(description="First day after the period.")
    expected: float
    closed_won_to_date: float
    deals: int = Field(description="Open deals expected to close in the period.")
    simulations: int
    movers: list[MoverOut] = Field(description="The deals that move this period's range most.")


class WinModelOut(BaseModel):
    kind: Literal["stage_adjusted", "logistic_regression"]
    version: str
    detail: str
    won: int
    lost: int
    min_per_class: int


class HistoryPointOut(BaseModel):
    period: str
    won_amount: float


class BacktestRowOut(BaseModel):
    method: str
    mae: float
    rmse: float
    mape: float | None
    mase: float | None = Field(description="MAE relative to the naive forecast's (< 1: better than naive).")


class SeriesPointOut(Band):
    period: str


class TimeSeriesOut(BaseModel):
    status: Literal["ok", "not_enough_data"]
    detail: str
    min_periods: int
    periods: int = Field(description="Past periods of closed-won revenue available.")
    method: str | None = None
    beats_naive: bool | None = None
    forecast: list[SeriesPointOut] = Field(default_factory=list)
    backtest_origins: int = 0
    backtest: list[BacktestRowOut] = Field(
        default_factory=list,
        description="Every method's one-step backtest error, the naive baseline included.",
    )


class ForecastOut(BaseModel):
    pipeline_id: uuid.UUID
    pipeline_name: str
    period_kind: PeriodKind
    currency: str | None = Field(description="Only deals in this currency are counted (None: no deals).")
    other_currency_deals: int = Field(description="Open deals left out because of their currency.")
    deals_without_amount: int = Field(description="Open deals counted as 0 because they have no amount.")
    undated_deals: int = Field(description="Open deals left out because they have no expected close date.")
    scope: Literal["own", "team", "all"] = Field(description="Whose deals the forecast covers.")
    generated_at: dt.datetime
    periods: list[PeriodForecastOut]
    win_model: WinModelOut
    deals: list[DealForecastOut]
    history: list[HistoryPointOut]
    time_series: TimeSeriesOut
