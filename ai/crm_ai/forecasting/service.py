"""Forecast of one organisation's pipeline for one period: win probabilities, the Monte Carlo
revenue band and its movers, and the time-series forecast of closed-won revenue."""

from __future__ import annotations

import numpy as np

from crm_ai.forecasting import simulation, timeseries, winprob
from crm_ai.forecasting.schemas import (
    BacktestRow,
    Band,
    DealForecastOut,
    ForecastRequest,
    ForecastResponse,
    HistoryPoint,
    MoverOut,
    ReasonOut,
    RevenueOut,
    SeriesPointOut,
    TimeSeriesOut,
    WinModelOut,
)


class Forecasting:
    def __init__(self) -> None:
        self.models = winprob.WinModelCache()

    def win_model(
        self, org_id: str, body: ForecastRequest
    ) -> tuple[winprob.LogisticWinModel | None, WinModelOut]:
        won = [d.outcome == "won" for d in body.closed_deals]
        n_won = sum(won)
        n_lost = len(won) - n_won
        common = {"min_per_class": winprob.MIN_PER_CLASS, "won": n_won, "lost": n_lost}
        if n_won < winprob.MIN_PER_CLASS or n_lost < winprob.MIN_PER_CLASS:
            detail = (
                f"not enough closed deals to train a model (need {winprob.MIN_PER_CLASS} won and "
                f"{winprob.MIN_PER_CLASS} lost, have {n_won} won and {n_lost} lost): "
                "stage probabilities adjusted by the written rule"
            )
            return None, WinModelOut(
                kind="stage_adjusted", version=winprob.RULE_VERSION, detail=detail, **common
            )
        digest = winprob.training_digest(body.closed_deals, won)
        model = self.models.get(org_id, body.pipeline_id, digest)
        if model is None:
            model = winprob.fit(body.closed_deals, won, seed=body.seed)
            self.models.put(org_id, body.pipeline_id, digest, model)
        v = model.validation
        if v["brier"] < v["brier_rule"]:
            detail = (
                f"logistic regression trained on {n_won} won and {n_lost} lost deals: cross-validated "
                f"Brier {v['brier']:.4f} vs {v['brier_rule']:.4f} for the stage rule"
            )
            return model, WinModelOut(
                kind="logistic_regression",
                version=model.version,
                detail=detail,
                validation=v,
                calibration=model.calibration,
                **common,
            )
        detail = (
            f"a model trained on {n_won} won and {n_lost} lost deals did not beat the stage rule "
            f"(cross-validated Brier {v['brier']:.4f} vs {v['brier_rule']:.4f}): using the rule"
        )
        return None, WinModelOut(
            kind="stage_adjusted", version=winprob.RULE_VERSION, detail=detail, validation=v, **common
        )

    def forecast(self, org_id: str, body: ForecastRequest) -> ForecastResponse:
        model, model_out = self.win_model(org_id, body)
        deals = body.open_deals
        estimates = [winprob.rule_estimate(d) for d in deals] if model is None else model.estimates(deals)
        amounts = np.array([d.amount for d in deals], dtype=np.float64)
        probs = np.array([e.probability for e in estimates], dtype=np.float64)
        sim = simulation.simulate(
            amounts,
            probs,
            base=body.closed_won_to_date,
            simulations=body.simulations,
            top_movers=body.top_movers,
            quota=body.quota,
            seed=body.seed,
        )
        deal_out = [
            DealForecastOut(
                id=d.id,
                amount=d.amount,
                stage_probability=d.stage_probability,
                win_probability=round(e.probability, 4),
                expected_revenue=round(d.amount * e.probability, 2),
                reasons=[
                    ReasonOut(factor=r.factor, description=r.description, impact=r.impact) for r in e.reasons
                ],
            )
            for d, e in zip(deals, estimates, strict=True)
        ]
        movers = [
            MoverOut(
                id=deals[m.index].id,
                amount=deals[m.index].amount,
                win_probability=round(float(probs[m.index]), 4),
                share_of_variance=m.share_of_variance,
                if_won=Band(p10=m.if_won.p10, p50=m.if_won.p50, p90=m.if_won.p90),
                if_lost=Band(p10=m.if_lost.p10, p50=m.if_lost.p50, p90=m.if_lost.p90),
            )
            for m in sim.movers
        ]
        revenue = RevenueOut(
            p10=sim.band.p10,
            p50=sim.band.p50,
            p90=sim.band.p90,
            simulations=body.simulations,
            expected=sim.expected,
            closed_won_to_date=body.closed_won_to_date,
            deals=len(deals),
            p_reach_quota=sim.p_reach_quota,
        )
        return ForecastResponse(
            pipeline_id=body.pipeline_id,
            period=body.period,
            win_model=model_out,
            revenue=revenue,
            movers=movers,
            deals=deal_out,
            time_series=series_forecast(body.history, body.period.kind, body.horizon),
        )


def series_forecast(history: list[HistoryPoint], kind: str, horizon: int) -> TimeSeriesOut:
    n = len(history)
    if n < timeseries.MIN_PERIODS:
        return TimeSeriesOut(
            status="not_enough_data",
            detail=f"need at least {timeseries.MIN_PERIODS} past periods of closed-won revenue; have {n}",
            min_periods=timeseries.MIN_PERIODS,
            periods=n,
        )
    y = np.array([h.won_amount for h in history], dtype=np.float64)
    result = timeseries.forecast(y, kind, horizon)
    naive_mae = next(s.mae for s in result.backtests if s.method == "naive")
    rows = [
        BacktestRow(
            method=s.method,
            mae=round(s.mae, 2),
            rmse=round(s.rmse, 2),
            mape=None if s.mape is None else round(s.mape, 4),
            mase=round(s.mae / naive_mae, 4) if naive_mae > 0 else None,
        )
        for s in result.backtests
    ]
    chosen_mae = next(s.mae for s in result.backtests if s.method == result.method)
    labels = timeseries.next_labels(history[-1].period, kind, horizon)
    return TimeSeriesOut(
        status="ok",
        detail=(
            f"{result.method} chosen by the lowest one-step backtest MAE "
            f"over the last {result.origins} periods"
        ),
        min_periods=timeseries.MIN_PERIODS,
        periods=n,
        method=result.method,
        params={k: round(v, 4) for k, v in result.params.items()},
        beats_naive=chosen_mae < naive_mae if result.method != "naive" else False,
        forecast=[
            SeriesPointOut(
                period=label, p10=round(float(lo), 2), p50=round(float(mid), 2), p90=round(float(hi), 2)
            )
            for label, lo, mid, hi in zip(labels, result.p10, result.p50, result.p90, strict=True)
        ],
        backtest_origins=result.origins,
        backtest=rows,
    )
