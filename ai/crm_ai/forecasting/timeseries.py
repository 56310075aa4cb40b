"""Forecast of closed-won revenue per period from its own history.

Candidates: simple exponential smoothing, Holt's damped trend and (with at least two full seasons
plus the backtest) additive Holt-Winters; baselines: naive (last period) and seasonal naive (same
period last year). Smoothing parameters are picked by a grid search on in-sample one-step errors,
vectorised over the grid. Every method is backtested with a rolling origin (refit on the periods
before each origin, forecast the origin); the method with the lowest backtest MAE is used, and the
table shows every method's error beside the naive one's. The P10-P90 band comes from the chosen
method's backtest errors (normal, widened with the square root of the horizon).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
MIN_PERIODS = 8
MAX_BACKTEST = 12
MIN_TRAIN = 6
MIN_SEASONAL_ORIGINS = 6
Z90 = 1.2815515655446004
SEASON = {"month": 12, "quarter": 4}

_ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
_BETAS = (0.02, 0.05, 0.1, 0.2, 0.3)
_PHIS = (0.8, 0.9, 0.98)
_GAMMAS = (0.05, 0.1, 0.2, 0.4)


@dataclass(frozen=True)
class Grid:
    alpha: Floats
    beta: Floats
    phi: Floats
    gamma: Floats

    @staticmethod
    def of(combos: list[tuple[float, float, float, float]]) -> Grid:
        arr = np.array(combos, dtype=np.float64)
        return Grid(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])


GRIDS = {
    "ses": Grid.of([(a, 0.0, 0.0, 0.0) for a in _ALPHAS]),
    "holt": Grid.of([(a, b, p, 0.0) for a, b, p in itertools.product(_ALPHAS, _BETAS, _PHIS)]),
    "holt_winters": Grid.of(
        [(a, b, p, g) for a, b, p, g in itertools.product(_ALPHAS[:8], _BETAS[:4], _PHIS[1:], _GAMMAS)]
    ),
}


@dataclass(frozen=True)
class Fitted:
    method: str
    params: dict[str, float]
    forecast: Floats  # h steps ahead


def _smooth(y: Floats, grid: Grid, m: int, seasonal: bool, h: int) -> Fitted:
    """Run the additive ETS recursion for every grid point at once; return the best point's forecast."""
    n = len(y)
    g = len(grid.alpha)
    if seasonal:
        level = np.full(g, y[:m].mean())
        trend = np.full(g, (y[m : 2 * m].mean() - y[:m].mean()) / m)
        season = np.tile(y[:m] - y[:m].mean(), (g, 1))
        start = m
    else:
        level = np.full(g, y[0])
        k = min(3, n - 1)
        trend = np.full(g, (y[k] - y[0]) / k if k > 0 else 0.0)
        season = np.zeros((g, max(m, 1)))
        start = 1
    if grid.beta.max() == 0:
        trend[:] = 0.0
    sse = np.zeros(g)
    for t in range(start, n):
        s_idx = t % m if seasonal else 0
        s = season[:, s_idx]
        damped = grid.phi * trend
        err = y[t] - (level + damped + s)
        sse += err**2
        new_level = grid.alpha * (y[t] - s) + (1 - grid.alpha) * (level + damped)
        trend = grid.beta * (new_level - level) + (1 - grid.beta) * damped
        if seasonal:
            season[:, s_idx] = grid.gamma * (y[t] - new_level) + (1 - grid.gamma) * s
        level = new_level
    best = int(np.argmin(sse))
    steps = np.arange(1, h + 1)
    phi = grid.phi[best]
    trend_sum = np.array([sum(phi**i for i in range(1, k + 1)) for k in steps]) * trend[best]
    f = level[best] + trend_sum
    if seasonal:
        f = f + season[best, (n + steps - 1) % m]
    params = {"alpha": float(grid.alpha[best])}
    if grid.beta.max() > 0:
        params |= {"beta": float(grid.beta[best]), "phi": float(grid.phi[best])}
    if seasonal:
        params["gamma"] = float(grid.gamma[best])
    return Fitted("", params, np.maximum(f, 0.0))


def fit_forecast(method: str, y: Floats, m: int, h: int) -> Fitted | None:
    """h-step forecast of `method` fitted on `y`; None when `y` is too short for it."""
    n = len(y)
    if method == "naive":
        return Fitted(method, {}, np.full(h, y[-1]))
    if method == "seasonal_naive":
        if n < m:
            return None
        return Fitted(method, {}, np.array([y[n - m + (i % m)] for i in range(h)]))
    if method == "holt_winters" and n < 2 * m + 2:
        return None
    fitted = _smooth(y, GRIDS[method], m, method == "holt_winters", h)
    return Fitted(method, fitted.params, fitted.forecast)


@dataclass(frozen=True)
class BacktestStats:
    method: str
    errors: Floats
    actuals: Floats

    @property
    def mae(self) -> float:
        return float(np.mean(np.abs(self.errors)))

    @property
    def rmse(self) -> float:
        return float(np.sqrt(np.mean(self.errors**2)))

    @property
    def mape(self) -> float | None:
        mask = self.actuals > 0
        if not mask.any():
            return None
        return float(np.mean(np.abs(self.errors[mask]) / self.actuals[mask]))


@dataclass(frozen=True)
class SeriesForecast:
    method: str
    params: dict[str, float]
    p10: Floats
    p50: Floats
    p90: Floats
    origins: int
    backtests: list[BacktestStats]


def _origins(n: int, m: int) -> tuple[list[int], list[str]]:
    """The backtest origins and the methods judged on them (every method on the same origins)."""
    origins = list(range(max(MIN_TRAIN, n - MAX_BACKTEST), n))
    methods = ["naive", "seasonal_naive", "ses", "holt"]
    # Holt-Winters needs two seasons (plus two periods) before its first origin; it joins the
    # comparison only if that still leaves enough origins to judge it, and then everyone is judged
    # on those same origins.
    seasonal_origins = [t for t in origins if t >= 2 * m + 2]
    if len(seasonal_origins) >= MIN_SEASONAL_ORIGINS:
        return seasonal_origins, [*methods, "holt_winters"]
    return origins, methods


def forecast(y: Floats, kind: str = "month", h: int = 1) -> SeriesForecast:
    """Backtest every method with a rolling origin, then forecast with the best one."""
    n = len(y)
    if n < MIN_PERIODS:
        raise ValueError(f"need at least {MIN_PERIODS} periods")
    m = SEASON[kind]
    origins, methods = _origins(n, m)
    stats = []
    for method in methods:
        errors, actuals = [], []
        for t in origins:
            fitted = fit_forecast(method, y[:t], m, 1)
            if fitted is None:
                break
            errors.append(y[t] - fitted.forecast[0])
            actuals.append(y[t])
        # Seasonal naive cannot forecast before one full season: then it is left out.
        if len(errors) == len(origins):
            stats.append(BacktestStats(method, np.array(errors), np.array(actuals)))
    best = min(stats, key=lambda s: s.mae)
    final = fit_forecast(best.method, y, m, h)
    assert final is not None
    sigma = float(np.sqrt(np.mean(best.errors**2)))
    width = Z90 * sigma * np.sqrt(np.arange(1, h + 1))
    p50 = final.forecast
    return SeriesForecast(
        best.method,
        final.params,
        np.maximum(p50 - width, 0.0),
        p50,
        p50 + width,
        len(origins),
        stats,
    )


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def next_labels(last: str, kind: str, h: int) -> list[str]:
    """Labels of the h periods after `last` when it reads as YYYY-MM or YYYY-Qn, else +1, +2, ..."""
    mm, mq = _MONTH.match(last), _QUARTER.match(last)
    if kind == "month" and mm and 1 <= int(mm.group(2)) <= 12:
        year, month = int(mm.group(1)), int(mm.group(2))
        out = []
        for _ in range(h):
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            out.append(f"{year:04d}-{month:02d}")
        return out
    if kind == "quarter" and mq:
        year, q = int(mq.group(1)), int(mq.group(2))
        out = []
        for _ in range(h):
            year, q = (year + 1, 1) if q == 4 else (year, q + 1)
            out.append(f"{year:04d}-Q{q}")
        return out
    return [f"+{i}" for i in range(1, h + 1)]
