"""/api/v1/dashboards: the role dashboards' summaries, one call each or all in one, cached for seconds."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Depends, Query

from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.permissions import Action
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.core.errors import BadRequest
from crm.dashboard import widgets
from crm.dashboard.schemas import (
    ActivitiesSummary,
    ClosingSummary,
    DashboardSummary,
    LeadSourcesSummary,
    PipelineSummary,
    SkippedWidget,
    TopAccountsSummary,
    WidgetName,
    WinRateSummary,
)

router = APIRouter(prefix="/dashboards", tags=["dashboards"])

Interval = Literal["week", "month", "quarter"]
Limit = Annotated[int, Query(ge=1, le=50)]
DealsReader = Annotated[Principal, Depends(require_permission("deals", "read"))]

# The matrix cell each widget's data needs beyond the endpoint's own (deals:read).
WIDGET_CELLS: dict[str, tuple[str, Action]] = {
    "pipeline": ("deals", Action.read),
    "win_rate": ("deals", Action.read),
    "closing": ("deals", Action.read),
    "top_accounts": ("deals", Action.read),
    "lead_sources": ("leads", Action.read),
    "activities": ("activities", Action.read),
}
ALL_WIDGETS: tuple[str, ...] = get_args(WidgetName)


@router.get("/pipeline", response_model=PipelineSummary)
async def pipeline(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: DealsReader,
    pipeline_id: uuid.UUID | None = None,
) -> object:
    """Open deals of a pipeline (default: the default pipeline) by stage: count and value per currency."""
    return await widgets.pipeline(session, runtime.cache, principal, pipeline_id)


@router.get("/win-rate", response_model=WinRateSummary)
async def win_rate(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: DealsReader,
    start: dt.date | None = None,
    end: dt.date | None = None,
    interval: Interval = "month",
) -> object:
    """Won and lost deals per period and the win rate (won / closed)."""
    first, last = widgets.date_range(start, end, 365)
    return await widgets.win_rate(session, runtime.cache, principal, first, last, interval)


@router.get("/closing", response_model=ClosingSummary)
async def closing(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: DealsReader,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: Limit = 10,
) -> object:
    """Open deals expected to close in the period (default: this month), with the largest ones."""
    month_start, month_end = widgets.this_month()
    first, last = widgets.date_range(start or month_start, end or month_end, 30)
    return await widgets.closing(session, runtime.cache, principal, first, last, limit)


@router.get("/lead-sources", response_model=LeadSourcesSummary)
async def lead_sources(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("leads", "read"))],
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> object:
    """New leads by source in the period (default: the last 90 days), with how many converted."""
    first, last = widgets.date_range(start, end, 90)
    return await widgets.lead_sources(session, runtime.cache, principal, first, last)


@router.get("/activities", response_model=ActivitiesSummary)
async def activities(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("activities", "read"))],
    mine: bool = False,
) -> object:
    """Open tasks that are overdue, due today, in the next 7 days, or later (`mine=true`: yours only)."""
    return await widgets.activities(session, runtime.cache, principal, mine)


@router.get("/top-accounts", response_model=TopAccountsSummary)
async def top_accounts(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: DealsReader,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: Limit = 10,
) -> object:
    """Companies by won deal value in the period (default: the last 365 days), per currency."""
    first, last = widgets.date_range(start, end, 365)
    return await widgets.top_accounts(session, runtime.cache, principal, first, last, limit)


def _parse_widgets(raw: str) -> list[str]:
    names = list(dict.fromkeys(name.strip() for name in raw.split(",") if name.strip()))
    unknown = [name for name in names if name not in ALL_WIDGETS]
    if unknown or not names:
        raise BadRequest(
            f"unknown widget(s): {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(ALL_WIDGETS)}",
            code="invalid_widgets",
        )
    return names


@router.get("/summary", response_model=DashboardSummary, response_model_exclude_none=False)
async def summary(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: DealsReader,
    widget_list: Annotated[
        str, Query(alias="widgets", description=f"comma-separated, of: {', '.join(ALL_WIDGETS)}")
    ],
    start: Annotated[
        dt.date | None,
        Query(alias="from", description="range start for win_rate, lead_sources, top_accounts"),
    ] = None,
    end: Annotated[dt.date | None, Query(alias="to", description="range end (inclusive)")] = None,
    pipeline_id: Annotated[
        uuid.UUID | None, Query(description="pipeline widget; default pipeline if absent")
    ] = None,
    interval: Interval = "month",
    mine: Annotated[bool, Query(description="activities widget: your tasks only")] = False,
    limit: Annotated[int, Query(ge=1, le=50, description="rows in closing and top_accounts")] = 10,
) -> object:
    """Several dashboard widgets in one call, each the same numbers (and cache entries) as its own endpoint.

    Widgets whose data the caller may not read are skipped, not failed, and listed in ``skipped``.
    Defaults per widget match the single endpoints: closing covers this month, lead sources the last
    90 days, win rate and top accounts the last 365 days, unless ``from``/``to`` are given.
    """
    names = _parse_widgets(widget_list)
    if start is not None or end is not None:
        ranges = dict.fromkeys(
            ("win_rate", "lead_sources", "top_accounts"), widgets.date_range(start, end, 365)
        )
    else:
        ranges = {
            "win_rate": widgets.date_range(None, None, 365),
            "lead_sources": widgets.date_range(None, None, 90),
            "top_accounts": widgets.date_range(None, None, 365),
        }
    cache = runtime.cache
    answer: dict[str, object] = {}
    skipped: list[SkippedWidget] = []
    # Sequential on purpose: one session, one connection; each widget is one or two indexed statements.
    for name in names:
        resource, action = WIDGET_CELLS[name]
        if not principal.can(resource, action):
            skipped.append(SkippedWidget(widget=name, reason="forbidden", permission=f"{resource}:{action}"))
            continue
        if name == "pipeline":
            answer[name] = await widgets.pipeline(session, cache, principal, pipeline_id)
        elif name == "win_rate":
            answer[name] = await widgets.win_rate(session, cache, principal, *ranges[name], interval)
        elif name == "closing":
            answer[name] = await widgets.closing(session, cache, principal, *widgets.this_month(), limit)
        elif name == "lead_sources":
            answer[name] = await widgets.lead_sources(session, cache, principal, *ranges[name])
        elif name == "activities":
            answer[name] = await widgets.activities(session, cache, principal, mine)
        else:
            answer[name] = await widgets.top_accounts(session, cache, principal, *ranges[name], limit)
    return DashboardSummary.model_validate({**answer, "skipped": skipped})
