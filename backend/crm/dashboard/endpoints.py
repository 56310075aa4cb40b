"""/api/v1/dashboards: summary numbers for the role dashboards, one call each, cached for seconds."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.permissions import Action, Scope
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.core.errors import BadRequest
from crm.dashboard import repository
from crm.kit.hotcache import cached_json
from crm.kit.records import scope_clause
from crm.models import Activity, Deal

router = APIRouter(prefix="/dashboards", tags=["dashboards"])
TTL_S = 10.0
MAX_RANGE_DAYS = 3 * 366


def _range(start: dt.date | None, end: dt.date | None, default_days: int) -> tuple[dt.date, dt.date]:
    end = end or dt.date.today()
    start = start or end - dt.timedelta(days=default_days)
    if start > end or (end - start).days > MAX_RANGE_DAYS:
        raise BadRequest("the date range must run forwards and span at most 3 years", code="invalid_range")
    return start, end


def _scope_key(principal: Principal, resource: str) -> str:
    scope = principal.scope(resource, Action.read)
    return "all" if scope is Scope.all else f"{scope.name}:{principal.user_id}"


def _hide_amounts(principal: Principal, value: Any) -> Any:
    """Roles without deal_amounts:read see counts, never money."""
    if principal.can("deal_amounts", Action.read):
        return value
    if isinstance(value, list):
        return [_hide_amounts(principal, item) for item in value]
    if isinstance(value, dict):
        return {k: (None if "amount" in k else _hide_amounts(principal, v)) for k, v in value.items()}
    return value


DealsReader = Annotated[Principal, Depends(require_permission("deals", "read"))]


@router.get("/pipeline")
async def pipeline(
    pipeline_id: uuid.UUID, session: TenantSession, runtime: RuntimeDep, principal: DealsReader
) -> dict[str, Any]:
    """Open deals of a pipeline by stage: count and value (value hidden without deal_amounts)."""
    scope = scope_clause(principal.scope("deals", Action.read), Deal.owner_id, principal)

    async def compute() -> Any:
        return {"stages": await repository.pipeline_by_stage(session, pipeline_id, scope)}

    value = await cached_json(
        runtime.cache,
        "pipeline",
        principal.organization_id,
        f"{pipeline_id}:{_scope_key(principal, 'deals')}",
        TTL_S,
        compute,
    )
    return _hide_amounts(principal, value)  # type: ignore[no-any-return]


@router.get("/win-rate")
async def win_rate(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: DealsReader,
    start: dt.date | None = None,
    end: dt.date | None = None,
    interval: Literal["week", "month", "quarter"] = "month",
) -> dict[str, Any]:
    """Won and lost deals per period and the win rate (won / closed)."""
    first, last = _range(start, end, 365)
    scope = scope_clause(principal.scope("deals", Action.read), Deal.owner_id, principal)

    async def compute() -> Any:
        return {"periods": await repository.win_rate(session, first, last, interval, scope)}

    value = await cached_json(
        runtime.cache,
        "win_rate",
        principal.organization_id,
        f"{first}:{last}:{interval}:{_scope_key(principal, 'deals')}",
        TTL_S,
        compute,
    )
    return _hide_amounts(principal, value)  # type: ignore[no-any-return]


@router.get("/closing")
async def closing(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: DealsReader,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    """Open deals expected to close in the period (default: this month), with the largest ones."""
    today = dt.date.today()
    first = start or today.replace(day=1)
    last = end or (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    first, last = _range(first, last, 30)
    scope = scope_clause(principal.scope("deals", Action.read), Deal.owner_id, principal)

    async def compute() -> Any:
        return await repository.closing(session, first, last, scope, limit)

    value = await cached_json(
        runtime.cache,
        "closing",
        principal.organization_id,
        f"{first}:{last}:{limit}:{_scope_key(principal, 'deals')}",
        TTL_S,
        compute,
    )
    return _hide_amounts(principal, value)  # type: ignore[no-any-return]


@router.get("/lead-sources")
async def lead_sources(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("leads", "read"))],
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[str, Any]:
    """New leads by source in the period (default: the last 90 days), with how many converted."""
    first, last = _range(start, end, 90)

    async def compute() -> Any:
        return {"sources": await repository.lead_sources(session, first, last)}

    return await cached_json(  # type: ignore[no-any-return]
        runtime.cache,
        "lead_sources",
        principal.organization_id,
        f"{first}:{last}",
        TTL_S,
        compute,
    )


@router.get("/activities")
async def activities(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("activities", "read"))],
    mine: bool = False,
) -> dict[str, Any]:
    """Open tasks that are overdue, due today, in the next 7 days, or later (`mine=true`: yours only)."""
    scope = scope_clause(principal.scope("activities", Action.read), Activity.owner_id, principal)
    if mine:
        scope = scope & (Activity.owner_id == principal.user_id)
    now = dt.datetime.now(dt.UTC)

    async def compute() -> Any:
        return await repository.activities_due(session, now, scope)

    key = (
        f"{'me:' + str(principal.user_id) if mine else _scope_key(principal, 'activities')}:{now:%Y%m%d%H%M}"
    )
    return await cached_json(runtime.cache, "activities", principal.organization_id, key, TTL_S, compute)  # type: ignore[no-any-return]


@router.get("/top-accounts")
async def top_accounts(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: DealsReader,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    """Companies by won deal value in the period (default: the last 365 days)."""
    first, last = _range(start, end, 365)
    scope = scope_clause(principal.scope("deals", Action.read), Deal.owner_id, principal)

    async def compute() -> Any:
        return {"accounts": await repository.top_accounts(session, first, last, scope, limit)}

    value = await cached_json(
        runtime.cache,
        "top_accounts",
        principal.organization_id,
        f"{first}:{last}:{limit}:{_scope_key(principal, 'deals')}",
        TTL_S,
        compute,
    )
    return _hide_amounts(principal, value)  # type: ignore[no-any-return]
