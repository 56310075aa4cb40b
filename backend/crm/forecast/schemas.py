"""Payload of GET /api/v1/forecast (the AI service's own shapes stay behind the backend)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field

from crm.kit import examples as ex
from crm.kit.examples import example

# One forecast told through every nested shape (the OpenAPI examples).
_BAND = {"p10": 18500.0, "p50": 26400.0, "p90": 33900.0}
_REASON = {"factor": "stage", "description": "Treatment plan sent: 60% of such deals are won", "impact": 0.41}
_DEAL = {
    "deal_id": ex.DEAL_ID,
    "name": "Implant treatment — Lucía Fernández",
    "period": "2026-04",
    "stage": "Treatment plan sent",
    "amount": 4500.0,
    "stage_probability": 0.6,
    "win_probability": 0.68,
    "expected_revenue": 3060.0,
    "reasons": [_REASON],
}
_MOVER = {
    "deal_id": ex.DEAL_ID,
    "name": "Implant treatment — Lucía Fernández",
    "amount": 4500.0,
    "win_probability": 0.68,
    "share_of_variance": 0.18,
    "if_won": {"p10": 20100.0, "p50": 27900.0, "p90": 34800.0},
    "if_lost": {"p10": 15800.0, "p50": 23400.0, "p90": 30300.0},
}
_PERIOD = {
    **_BAND,
    "period": "2026-04",
    "start": "2026-04-01",
    "end": "2026-05-01",
    "expected": 26150.0,
    "closed_won_to_date": 9000.0,
    "deals": 14,
    "simulations": 10000,
    "movers": [_MOVER],
}
_WIN_MODEL = {
    "kind": "logistic_regression",
    "version": "win-lr-2026-03-01",
    "detail": "trained on 460 closed deals",
    "won": 120,
    "lost": 340,
    "min_per_class": 30,
}
_BACKTEST = {"method": "ets", "mae": 4200.0, "rmse": 5300.0, "mape": 0.16, "mase": 0.82}
_SERIES_POINT = {**_BAND, "period": "2026-04"}
_TIME_SERIES = {
    "status": "ok",
    "detail": "ETS beats the naive forecast on 12 one-step backtests",
    "min_periods": 8,
    "periods": 20,
    "method": "ets",
    "beats_naive": True,
    "forecast": [_SERIES_POINT],
    "backtest_origins": 12,
    "backtest": [_BACKTEST, {"method": "naive", "mae": 5100.0, "rmse": 6400.0, "mape": 0.2, "mase": 1.0}],
}
_FORECAST = {
    "pipeline_id": ex.PIPELINE_ID,
    "pipeline_name": "Implants",
    "period_kind": "month",
    "currency": "EUR",
    "other_currency_deals": 0,
    "deals_without_amount": 1,
    "undated_deals": 2,
    "scope": "all",
    "generated_at": ex.UPDATED_AT,
    "periods": [_PERIOD],
    "win_model": _WIN_MODEL,
    "deals": [_DEAL],
    "history": [{"period": "2026-03", "won_amount": 31500.0}],
    "time_series": _TIME_SERIES,
}

PeriodKind = Literal["month", "quarter"]


class Band(BaseModel):
    model_config = example(_BAND)
    p10: float
    p50: float
    p90: float


class ReasonOut(BaseModel):
    model_config = example(_REASON)
    factor: str
    description: str
    impact: float = Field(description="Log-odds change: > 0 raises the win probability, < 0 lowers it.")


class DealForecastOut(BaseModel):
    model_config = example(_DEAL)
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
    model_config = example(_MOVER)
    deal_id: uuid.UUID
    name: str
    amount: float
    win_probability: float
    share_of_variance: float = Field(description="This deal's share of the period's revenue variance, 0..1.")
    if_won: Band
    if_lost: Band


class PeriodForecastOut(Band):
    model_config = example(_PERIOD)
    period: str = Field(description="e.g. 2026-07 or 2026-Q3")
    start: dt.date
    end: dt.date = Field(description="First day after the period.")
    expected: float
    closed_won_to_date: float
    deals: int = Field(description="Open deals expected to close in the period.")
    simulations: int
    movers: list[MoverOut] = Field(description="The deals that move this period's range most.")


class WinModelOut(BaseModel):
    model_config = example(_WIN_MODEL)
    kind: Literal["stage_adjusted", "logistic_regression"]
    version: str
    detail: str
    won: int
    lost: int
    min_per_class: int


class HistoryPointOut(BaseModel):
    model_config = example({"period": "2026-03", "won_amount": 31500.0})
    period: str
    won_amount: float


class BacktestRowOut(BaseModel):
    model_config = example(_BACKTEST)
    method: str
    mae: float
    rmse: float
    mape: float | None
    mase: float | None = Field(description="MAE relative to the naive forecast's (< 1: better than naive).")


class SeriesPointOut(Band):
    model_config = example(_SERIES_POINT)
    period: str


class TimeSeriesOut(BaseModel):
    model_config = example(_TIME_SERIES)
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
    model_config = example(_FORECAST)
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
