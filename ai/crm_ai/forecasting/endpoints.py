from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from crm_ai.core.deps import Caller, HubDep
from crm_ai.forecasting.schemas import ForecastRequest, ForecastResponse
from crm_ai.forecasting.service import Forecasting

router = APIRouter(tags=["forecasting"])


@router.post("/forecast", response_model=ForecastResponse)
async def forecast(body: ForecastRequest, caller: Caller, hub: HubDep) -> ForecastResponse:
    """Forecast one pipeline for one period.

    - Each open deal's win probability with its reasons: a logistic regression trained on this
      organisation's closed deals of the pipeline once there are at least 40 won and 40 lost (and only
      if it beats the rule out of sample), else the stage probability adjusted by a written rule.
    - Monte Carlo P10/P50/P90 of the period's revenue (closed-won to date plus the open deals), the
      chance of reaching `quota`, and the deals that move the range most (band if each is won or lost).
    - A time-series forecast of closed-won revenue from `history` once it has at least 8 periods,
      with a rolling backtest of every method beside the naive baseline; `not_enough_data` before.
    """
    service: Forecasting = hub.get("forecasting")
    return await run_in_threadpool(service.forecast, caller.org_id, body)
