"""One function per dashboard widget: scope, cache key, compute, amount hiding.

The single-widget endpoints and the combined ``/dashboards/summary`` both call these, so the two
answer the same numbers from the same cache entries.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.permissions import Action, Scope
from crm.auth.principal import Principal
from crm.core.cache import Cache
from crm.core.errors import BadRequest
from crm.dashboard import repository
from crm.kit.hotcache import cached_json
from crm.kit.records import scope_clause
from crm.models import Activity, Deal, DealCloseTotal, DealStageTotal, OpenTaskTotal
from crm.models.rollup import NO_OWNER

TTL_S = 10.0
MAX_RANGE_DAYS = 3 * 366


def date_range(start: dt.date | None, end: dt.date | None, default_days: int) -> tuple[dt.date, dt.date]:
    end = end or dt.date.today()
    start = start or end - dt.timedelta(days=default_days)
    if start > end or (end - start).days > MAX_RANGE_DAYS:
        raise BadRequest("the date range must run forwards and span at most 3 years", code="invalid_range")
    return start, end


def this_month() -> tuple[dt.date, dt.date]:
    first = dt.date.today().replace(day=1)
    return first, (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _scope_key(principal: Principal, resource: str) -> str:
    scope = principal.scope(resource, Action.read)
    return "all" if scope is Scope.all else f"{scope.name}:{principal.user_id}"


def _hide_amounts(principal: Principal, value: Any) -> Any:
    """Roles without deal_amounts:read see counts, never money (every key naming an amount is nulled)."""
    if principal.can("deal_amounts", Action.read):
        return value
    if isinstance(value, list):
        return [_hide_amounts(principal, item) for item in value]
    if isinstance(value, dict):
        return {k: (None if "amount" in k else _hide_amounts(principal, v)) for k, v in value.items()}
    return value


async def pipeline(
    session: AsyncSession, cache: Cache, principal: Principal, pipeline_id: uuid.UUID | None
) -> Any:
    scope = scope_clause(principal.scope("deals", Action.read), DealStageTotal.owner_id, principal)

    async def compute() -> Any:
        return await repository.pipeline_by_stage(session, pipeline_id, scope)

    key = f"{pipeline_id or 'default'}:{_scope_key(principal, 'deals')}"
    value = await cached_json(cache, "pipeline", principal.organization_id, key, TTL_S, compute)
    return _hide_amounts(principal, value)


async def win_rate(
    session: AsyncSession, cache: Cache, principal: Principal, first: dt.date, last: dt.date, interval: str
) -> Any:
    scope = scope_clause(principal.scope("deals", Action.read), DealCloseTotal.owner_id, principal)

    async def compute() -> Any:
        return {"periods": await repository.win_rate(session, first, last, interval, scope)}

    key = f"{first}:{last}:{interval}:{_scope_key(principal, 'deals')}"
    value = await cached_json(cache, "win_rate", principal.organization_id, key, TTL_S, compute)
    return _hide_amounts(principal, value)


async def closing(
    session: AsyncSession, cache: Cache, principal: Principal, first: dt.date, last: dt.date, limit: int
) -> Any:
    scope = scope_clause(principal.scope("deals", Action.read), Deal.owner_id, principal)

    async def compute() -> Any:
        return await repository.closing(session, first, last, scope, limit)

    key = f"{first}:{last}:{limit}:{_scope_key(principal, 'deals')}"
    value = await cached_json(cache, "closing", principal.organization_id, key, TTL_S, compute)
    return _hide_amounts(principal, value)


async def lead_sources(
    session: AsyncSession, cache: Cache, principal: Principal, first: dt.date, last: dt.date
) -> Any:
    async def compute() -> Any:
        return {"sources": await repository.lead_sources(session, first, last)}

    return await cached_json(
        cache, "lead_sources", principal.organization_id, f"{first}:{last}", TTL_S, compute
    )


async def activities(session: AsyncSession, cache: Cache, principal: Principal, mine: bool) -> Any:
    activity_scope = principal.scope("activities", Action.read)
    scope = scope_clause(activity_scope, Activity.owner_id, principal)
    rollup_scope = scope_clause(activity_scope, OpenTaskTotal.owner_id, principal)
    if mine:
        scope = scope & (Activity.owner_id == principal.user_id)
        # Ownerless tasks are rolled up under NO_OWNER (``owner_id == None`` above means IS NULL).
        rollup_scope = rollup_scope & (OpenTaskTotal.owner_id == (principal.user_id or NO_OWNER))
    now = dt.datetime.now(dt.UTC)

    async def compute() -> Any:
        return await repository.activities_due(session, now, scope, rollup_scope)

    # The minute is part of the key: "overdue" moves with the clock, not only with writes.
    who = f"me:{principal.user_id}" if mine else _scope_key(principal, "activities")
    return await cached_json(
        cache, "activities", principal.organization_id, f"{who}:{now:%Y%m%d%H%M}", TTL_S, compute
    )


async def top_accounts(
    session: AsyncSession, cache: Cache, principal: Principal, first: dt.date, last: dt.date, limit: int
) -> Any:
    deal_scope = principal.scope("deals", Action.read)
    scope = scope_clause(deal_scope, Deal.owner_id, principal)

    async def compute() -> Any:
        accounts = await repository.top_accounts(
            session, first, last, scope, limit, every_deal=deal_scope is Scope.all
        )
        return {"accounts": accounts}

    key = f"{first}:{last}:{limit}:{_scope_key(principal, 'deals')}"
    value = await cached_json(cache, "top_accounts", principal.organization_id, key, TTL_S, compute)
    return _hide_amounts(principal, value)
