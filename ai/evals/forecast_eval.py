"""Forecasting evaluation on generated pipelines and revenue series whose truth is known.

Part 1, deals: an organisation with N closed deals of history forecasts 40 periods of fresh open
deals (outcomes drawn from the true win probabilities). For each N: which win model it gets, the
Brier score of its deal probabilities, and the share of periods whose actual revenue fell inside
the Monte Carlo P10-P90 band (80% is right) - beside the oracle that knows the true probabilities.

Part 2, series: generated monthly and quarterly closed-won revenue (trend, seasonality, noise).
For each of the last 12 periods the full method (its own backtest and choice on the periods
before) forecasts the next period; its error is shown beside the naive and seasonal-naive
baselines, with the share of actuals inside its P10-P90 band.

Run from ai/: .venv/bin/python -m evals.forecast_eval [--periods 40] [--series 12]
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

from crm_ai.forecasting import simulation, timeseries
from crm_ai.forecasting.schemas import ForecastRequest, Period
from crm_ai.forecasting.service import Forecasting
from crm_ai.forecasting.synthetic import as_closed, as_open, generate_deals, generate_series


def deals_part(periods: int, histories: list[int]) -> list[dict[str, Any]]:
    test = []
    for i in range(periods):
        rng = np.random.default_rng(500 + i)
        deals = generate_deals(int(rng.integers(40, 150)), seed=1000 + i)
        test.append(deals)
    rows = []
    service = Forecasting()
    # The oracle: the same simulation with the true probabilities.
    rows.append(_score("oracle (true p)", "-", None, test, lambda deals: np.array([d.true_p for d in deals])))
    for n in histories:
        history = as_closed(generate_deals(n, seed=7)) if n else []
        org = f"eval-{n}"
        kinds: list[str] = []

        def probs(
            deals: list[Any], history: list[Any] = history, org: str = org, kinds: list[str] = kinds
        ) -> Any:
            body = ForecastRequest(
                pipeline_id="p",
                period=Period(kind="month", label="2026-01"),
                open_deals=as_open(deals),
                closed_deals=history,
                simulations=1000,
            )
            result = service.forecast(org, body)
            kinds.append(result.win_model.kind)
            return np.array([d.win_probability for d in result.deals])

        row = _score(f"history {n}", n, kinds, test, probs)
        rows.append(row)
    return rows


def _score(name: str, n: Any, kinds: list[str] | None, test: list[Any], probs: Any) -> dict[str, Any]:
    inside, below, errors, brier_num, brier_den = 0, 0, [], 0.0, 0
    started = time.perf_counter()
    for i, deals in enumerate(test):
        p = probs(deals)
        amounts = np.array([d.amount for d in deals])
        actual = float(sum(d.amount for d in deals if d.won))
        sim = simulation.simulate(amounts, p, simulations=10_000, seed=i)
        inside += sim.band.p10 <= actual <= sim.band.p90
        below += actual < sim.band.p10
        errors.append(abs(sim.band.p50 - actual) / max(actual, 1.0))
        won = np.array([d.won for d in deals], dtype=np.float64)
        brier_num += float(((p - won) ** 2).sum())
        brier_den += len(deals)
    return {
        "name": name,
        "history": n,
        "model": "-" if kinds is None else max(set(kinds), key=kinds.count),
        "brier": round(brier_num / brier_den, 4),
        "inside_p10_p90": round(inside / len(test), 3),
        "below_p10": round(below / len(test), 3),
        "p50_abs_pct_error": round(float(np.mean(errors)), 4),
        "seconds": round(time.perf_counter() - started, 1),
    }


def series_part(n_series: int) -> list[dict[str, Any]]:
    configs = [
        ("monthly, seasonal", "month", {"seasonality": 0.25, "trend": 0.01, "noise": 0.06}, 48),
        ("monthly, trend only", "month", {"seasonality": 0.0, "trend": 0.015, "noise": 0.08}, 36),
        ("monthly, flat & noisy", "month", {"seasonality": 0.0, "trend": 0.0, "noise": 0.15}, 36),
        ("quarterly, seasonal", "quarter", {"seasonality": 0.2, "trend": 0.03, "noise": 0.06}, 24),
    ]
    rows = []
    for name, kind, params, length in configs:
        m = timeseries.SEASON[kind]
        holdout = 12 if kind == "month" else 8
        err: dict[str, list[float]] = {"model": [], "naive": [], "seasonal_naive": []}
        inside = 0
        chosen: dict[str, int] = {}
        for s in range(n_series):
            y = generate_series(length, season=m, seed=s, **params)
            for t in range(length - holdout, length):
                result = timeseries.forecast(y[:t], kind, 1)
                chosen[result.method] = chosen.get(result.method, 0) + 1
                err["model"].append(abs(y[t] - result.p50[0]))
                err["naive"].append(abs(y[t] - y[t - 1]))
                err["seasonal_naive"].append(abs(y[t] - y[t - m]))
                inside += result.p10[0] <= y[t] <= result.p90[0]
        total = n_series * holdout
        mae = {k: float(np.mean(v)) for k, v in err.items()}
        rows.append(
            {
                "series": name,
                "forecasts": total,
                "mae_model": round(mae["model"]),
                "mae_naive": round(mae["naive"]),
                "mae_seasonal_naive": round(mae["seasonal_naive"]),
                "mase": round(mae["model"] / mae["naive"], 3),
                "inside_p10_p90": round(inside / total, 3),
                "chosen": dict(sorted(chosen.items(), key=lambda kv: -kv[1])),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--periods", type=int, default=40)
    parser.add_argument("--histories", default="0,100,300,1000")
    parser.add_argument("--series", type=int, default=12)
    args = parser.parse_args()
    deal_rows = deals_part(args.periods, [int(x) for x in args.histories.split(",")])
    print(
        f"deals: {args.periods} periods of 40-150 generated open deals; revenue band from 10,000 simulations"
    )
    header = ("", "win model", "Brier", "in P10-P90", "below P10", "|P50 err|", "s")
    print(f"{header[0]:<18}" + "".join(f"{h:>20}" for h in header[1:]))
    for r in deal_rows:
        values = (
            r["model"],
            r["brier"],
            r["inside_p10_p90"],
            r["below_p10"],
            r["p50_abs_pct_error"],
            r["seconds"],
        )
        print(f"{r['name']:<18}" + "".join(f"{v:>20}" for v in values))
    series_rows = series_part(args.series)
    print(f"series: {args.series} generated series per kind; one-step forecasts of the last periods")
    header = ("", "forecasts", "MAE model", "MAE naive", "MAE s-naive", "MASE", "in P10-P90")
    print(f"{header[0]:<24}" + "".join(f"{h:>13}" for h in header[1:]) + "  methods chosen")
    for r in series_rows:
        values = (
            r["forecasts"],
            r["mae_model"],
            r["mae_naive"],
            r["mae_seasonal_naive"],
            r["mase"],
            r["inside_p10_p90"],
        )
        print(f"{r['series']:<24}" + "".join(f"{v:>13}" for v in values) + f"  {r['chosen']}")
    print(json.dumps({"eval": "forecasting", "deals": deal_rows, "series": series_rows}))


if __name__ == "__main__":
    main()
