"""/api/v1/forecast: the revenue forecast of a pipeline, through the AI service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from crm.ai.endpoints import UNAVAILABLE
from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.flags.dependencies import require_flag
from crm.forecast import service
from crm.forecast.schemas import ForecastOut, PeriodKind

router = APIRouter(tags=["forecast"])


@router.get(
    "/forecast",
    response_model=ForecastOut,
    # One matrix cell, deal_amounts:read: a forecast is a sum of amounts. The deals counted are those
    # the caller's deals:read scope reaches (the service refuses a role without it).
    dependencies=[Depends(require_flag("ai.forecasting"))],
    responses={**UNAVAILABLE, 404: {"description": "no such pipeline (or none yet)"}},
)
async def get_forecast(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("deal_amounts", "read"))],
    pipeline_id: Annotated[
        uuid.UUID | None, Query(description="Default: the organisation's default pipeline.")
    ] = None,
    period: Annotated[PeriodKind, Query(description="Width of a forecast period.")] = "month",
    periods: Annotated[int, Query(ge=1, le=12, description="The current period and those after it.")] = 3,
    currency: Annotated[
        str | None,
        Query(pattern="^[A-Za-z]{3}$", description="Count deals in this currency; default the most common."),
    ] = None,
) -> ForecastOut:
    """Revenue forecast of the deals you may see in one pipeline, for the current period and the
    next ones: per period P10/P50/P90 of revenue (closed-won so far plus a Monte Carlo over each open
    deal's win probability, from its stage, age, close-date slippage, engagement and lead score) and
    the deals that move the range most; a time-series forecast of closed-won revenue with its
    backtest beside the naive baseline once 8 past periods exist, else `time_series.status:
    not_enough_data`. Open deals are placed by expected close date (overdue ones in the current
    period, undated ones left out and counted)."""
    return await service.forecast(
        session,
        runtime.settings,
        principal,
        pipeline_id=pipeline_id,
        kind=period,
        count=periods,
        currency=currency,
    )
