"""Monte Carlo of the period's revenue: each open deal is won (its whole amount) or lost,
independently, with its win probability.

Deals are simulated in column chunks so memory stays bounded (simulations x chunk) whatever the
number of deals. The deals that move the range most are those with the largest share of the
variance, amount^2 * p * (1 - p); for each, the band is recomputed with its outcome forced, on the
same simulated worlds (exact under independence).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
CHUNK = 256
QUANTILES = (10, 50, 90)


@dataclass(frozen=True, slots=True)
class BandValues:
    p10: float
    p50: float
    p90: float


@dataclass(frozen=True, slots=True)
class Mover:
    index: int
    share_of_variance: float
    if_won: BandValues
    if_lost: BandValues


@dataclass(frozen=True, slots=True)
class Simulation:
    band: BandValues
    expected: float
    p_reach_quota: float | None
    movers: list[Mover]


def _band(samples: Floats) -> BandValues:
    q = np.percentile(samples, QUANTILES)
    return BandValues(*(round(float(v), 2) for v in q))


def simulate(
    amounts: Floats,
    probabilities: Floats,
    *,
    base: float = 0.0,
    simulations: int = 10_000,
    top_movers: int = 5,
    quota: float | None = None,
    seed: int = 0,
) -> Simulation:
    rng = np.random.default_rng(seed)
    n = len(amounts)
    revenue = np.full(simulations, base, dtype=np.float64)
    variance = amounts**2 * probabilities * (1 - probabilities)
    total_var = float(variance.sum())
    movers_idx = [int(i) for i in np.argsort(-variance)[:top_movers] if variance[i] > 0]
    outcomes: dict[int, npt.NDArray[np.bool_]] = {}
    a32 = amounts.astype(np.float64)
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        won = rng.random((simulations, stop - start), dtype=np.float32) < probabilities[start:stop]
        revenue += won.astype(np.float64) @ a32[start:stop]
        for i in movers_idx:
            if start <= i < stop:
                outcomes[i] = won[:, i - start]
    movers = []
    for i in movers_idx:
        o = outcomes[i]
        movers.append(
            Mover(
                index=i,
                share_of_variance=round(float(variance[i]) / total_var, 4),
                if_won=_band(revenue + amounts[i] * ~o),
                if_lost=_band(revenue - amounts[i] * o),
            )
        )
    p_quota = None if quota is None else round(float(np.mean(revenue >= quota)), 4)
    expected = round(float(base + (amounts * probabilities).sum()), 2)
    return Simulation(_band(revenue), expected, p_quota, movers)
