"""Request and response shapes of the forecast endpoint."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Count = Annotated[int, Field(ge=0, le=1_000_000)]
Id = Annotated[str, Field(min_length=1, max_length=64)]
Amount = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]


class Engagement(BaseModel):
    """Activity on the deal in the last 30 days."""

    model_config = ConfigDict(extra="forbid")

    emails: Count = 0
    calls: Count = 0
    meetings: Count = 0
    notes: Count = 0


class DealFeatures(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: Annotated[str, Field(min_length=1, max_length=100)]
    stage_probability: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = Field(
        description="The pipeline stage's default win probability, 0..1."
    )
    age_days: Annotated[int, Field(ge=0, le=36_500)] = 0
    close_slippage_days: Annotated[int, Field(ge=-3650, le=3650)] = Field(
        default=0,
        description="How far the expected close date has moved later since first set (< 0: earlier).",
    )
    engagement: Engagement = Engagement()
    days_since_last_activity: Annotated[int, Field(ge=0, le=36_500)] | None = Field(
        default=None, description="None: no activity ever logged."
    )
    lead_score: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = Field(
        default=None, description="The lead-scoring score (0-100) of the deal's lead, if any."
    )


class OpenDeal(DealFeatures):
    id: Id
    amount: Amount


class ClosedDeal(DealFeatures):
    """A deal closed in the past, with its features as they were when it was last open (the stage
    before won/lost, its age then, ...): features taken after the outcome would leak it."""

    id: Id
    outcome: Literal["won", "lost"]


class HistoryPoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: Annotated[str, Field(min_length=1, max_length=32)] = Field(
        description="Label such as 2026-03 or 2026-Q1; oldest first, contiguous, periods without wins as 0."
    )
    won_amount: Amount


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["month", "quarter"] = "month"
    label: Annotated[str, Field(min_length=1, max_length=32)] = Field(description="e.g. 2026-07 or 2026-Q3")


class ForecastRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pipeline_id: Id
    period: Period
    open_deals: list[OpenDeal] = Field(
        max_length=20_000, description="Open deals expected to close in the period."
    )
    closed_deals: list[ClosedDeal] = Field(
        default_factory=list,
        max_length=200_000,
        description="The pipeline's closed deals, used to train the win-probability model.",
    )
    history: list[HistoryPoint] = Field(
        default_factory=list, max_length=600, description="Closed-won revenue of past periods, oldest first."
    )
    closed_won_to_date: Amount = Field(default=0.0, description="Already won in this period.")
    quota: Amount | None = Field(default=None, description="If given, the chance of reaching it is returned.")
    simulations: Annotated[int, Field(ge=1000, le=100_000)] = 10_000
    horizon: Annotated[int, Field(ge=1, le=12)] = Field(
        default=1, description="Periods ahead for the time series."
    )
    top_movers: Annotated[int, Field(ge=1, le=50)] = 5
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0

    @model_validator(mode="after")
    def _unique_ids(self) -> ForecastRequest:
        ids = [d.id for d in self.open_deals]
        if len(set(ids)) != len(ids):
            raise ValueError("open_deals: ids must be unique")
        labels = [h.period for h in self.history]
        if len(set(labels)) != len(labels):
            raise ValueError("history: period labels must be unique")
        return self


class ReasonOut(BaseModel):
    factor: str
    description: str
    impact: float = Field(description="Log-odds change: > 0 raises the win probability, < 0 lowers it.")


class DealForecastOut(BaseModel):
    id: str
    amount: float
    stage_probability: float
    win_probability: float
    expected_revenue: float
    reasons: list[ReasonOut]


class WinModelOut(BaseModel):
    kind: Literal["stage_adjusted", "logistic_regression"]
    version: str
    min_per_class: int = Field(description="Closed deals needed of each outcome before a model is trained.")
    won: int
    lost: int
    detail: str
    validation: dict[str, float] | None = Field(
        default=None, description="Cross-validated Brier score and log loss of the model and of the rule."
    )
    calibration: list[dict[str, float | int | str]] | None = None


class Band(BaseModel):
    p10: float
    p50: float
    p90: float


class MoverOut(BaseModel):
    id: str
    amount: float
    win_probability: float
    share_of_variance: float = Field(description="This deal's share of the revenue variance, 0..1.")
    if_won: Band
    if_lost: Band


class RevenueOut(Band):
    simulations: int
    expected: float
    closed_won_to_date: float
    deals: int
    p_reach_quota: float | None = None


class BacktestRow(BaseModel):
    method: str
    mae: float
    rmse: float
    mape: float | None = Field(description="Mean absolute percentage error over periods with revenue > 0.")
    mase: float | None = Field(
        description="MAE relative to the naive forecast's MAE (< 1: better than naive)."
    )


class SeriesPointOut(Band):
    period: str


class TimeSeriesOut(BaseModel):
    status: Literal["ok", "not_enough_data"]
    detail: str
    min_periods: int
    periods: int
    method: str | None = None
    params: dict[str, float] | None = None
    beats_naive: bool | None = None
    forecast: list[SeriesPointOut] = Field(default_factory=list)
    backtest_origins: int = 0
    backtest: list[BacktestRow] = Field(default_factory=list)


class ForecastResponse(BaseModel):
    pipeline_id: str
    period: Period
    win_model: WinModelOut
    revenue: RevenueOut
    movers: list[MoverOut]
    deals: list[DealForecastOut]
    time_series: TimeSeriesOut
