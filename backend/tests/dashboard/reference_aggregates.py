"""Today's dashboard aggregates straight from the source tables (before the rollups of ADR 0008),
kept as the reference the rollup-backed ones must answer identically to."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Activity, Deal, Lead, Pipeline, Stage


def _per_currency(pairs: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Totals per currency, largest first: amounts in different currencies are never added up."""
    totals: dict[str, Decimal] = {}
    for currency, amount in pairs:
        totals[currency] = totals.get(currency, Decimal(0)) + Decimal(amount or 0)
    return [{"currency": c, "amount": a} for c, a in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]


def _default_pipeline() -> ScalarSelect[uuid.UUID]:
    """The organisation's default pipeline (else the first active one), as a scalar subquery."""
    return (
        select(Pipeline.id)
        .where(Pipeline.archived_at.is_(None))
        .order_by(Pipeline.is_default.desc(), Pipeline.position, Pipeline.name)
        .limit(1)
        .scalar_subquery()
    )


async def pipeline_by_stage(
    session: AsyncSession, pipeline_id: uuid.UUID | None, scope: ColumnElement[bool]
) -> dict[str, Any]:
    """Open deals per stage of a pipeline (default: the default one): count and total per currency.

    One statement: stages left-joined to (stage, currency) aggregates, so stages with no deals appear.
    """
    chosen: Any = pipeline_id if pipeline_id is not None else _default_pipeline()
    deals = (
        select(
            Deal.stage_id,
            Deal.currency,
            func.count().label("count"),
            func.coalesce(func.sum(Deal.amount), 0).label("amount"),
        )
        .where(Deal.pipeline_id == chosen, Deal.deleted_at.is_(None), Deal.status == "open", scope)
        .group_by(Deal.stage_id, Deal.currency)
        .subquery()
    )
    rows = await session.execute(
        select(
            Stage.id,
            Stage.name,
            Stage.probability,
            Stage.is_won,
            Stage.is_lost,
            Pipeline.id,
            Pipeline.name,
            deals.c.currency,
            deals.c.count,
            deals.c.amount,
        )
        .join(Pipeline, Pipeline.id == Stage.pipeline_id)
        .outerjoin(deals, deals.c.stage_id == Stage.id)
        .where(Stage.pipeline_id == chosen)
        .order_by(Stage.position, Stage.id)
    )
    stages: dict[uuid.UUID, dict[str, Any]] = {}
    pairs: dict[uuid.UUID, list[tuple[str, Any]]] = {}
    pipeline: dict[str, Any] = {"pipeline_id": None, "pipeline_name": None}
    for stage_id, name, probability, is_won, is_lost, p_id, p_name, currency, count, amount in rows:
        pipeline = {"pipeline_id": p_id, "pipeline_name": p_name}
        stage = stages.setdefault(
            stage_id,
            {
                "stage_id": stage_id,
                "name": name,
                "probability": probability,
                "is_won": is_won,
                "is_lost": is_lost,
                "count": 0,
            },
        )
        if currency is not None:
            stage["count"] += int(count)
            pairs.setdefault(stage_id, []).append((currency, amount))
    for stage_id, stage in stages.items():
        stage["amounts"] = _per_currency(pairs.get(stage_id, []))
    return {**pipeline, "stages": list(stages.values())}


async def win_rate(
    session: AsyncSession, start: dt.date, end: dt.date, interval: str, scope: ColumnElement[bool]
) -> list[dict[str, Any]]:
    period = func.date_trunc(interval, Deal.closed_at)
    rows = await session.execute(
        select(
            period.label("period"),
            Deal.currency,
            func.count().filter(Deal.status == "won"),
            func.count().filter(Deal.status == "lost"),
            func.coalesce(func.sum(Deal.amount).filter(Deal.status == "won"), 0),
        )
        .where(
            Deal.status.in_(("won", "lost")),
            Deal.deleted_at.is_(None),
            Deal.closed_at >= start,
            Deal.closed_at < end + dt.timedelta(days=1),
            scope,
        )
        .group_by(period, Deal.currency)
        .order_by(period, Deal.currency)
    )
    periods: dict[dt.date, dict[str, Any]] = {}
    for start_of_period, currency, won, lost, won_amount in rows:
        entry = periods.setdefault(
            start_of_period.date(), {"period": start_of_period.date(), "won": 0, "lost": 0, "pairs": []}
        )
        entry["won"] += won
        entry["lost"] += lost
        if won:
            entry["pairs"].append((currency, won_amount))
    result = []
    for entry in periods.values():
        closed = entry["won"] + entry["lost"]
        result.append(
            {
                "period": entry["period"],
                "won": entry["won"],
                "lost": entry["lost"],
                "won_amounts": _per_currency(entry.pop("pairs")),
                "win_rate": round(entry["won"] / closed, 4) if closed else None,
            }
        )
    return result


async def lead_sources(session: AsyncSession, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    source = func.coalesce(Lead.source, "unknown")
    rows = await session.execute(
        select(source, func.count(), func.count().filter(Lead.status == "converted"))
        .where(
            Lead.deleted_at.is_(None), Lead.created_at >= start, Lead.created_at < end + dt.timedelta(days=1)
        )
        .group_by(source)
        .order_by(func.count().desc())
    )
    return [{"source": r[0], "count": r[1], "converted": r[2]} for r in rows]


async def activities_due(
    session: AsyncSession, now: dt.datetime, scope: ColumnElement[bool]
) -> dict[str, Any]:
    """Open tasks: overdue, due today, due in the next 7 days (walks the partial open-task index)."""
    end_of_day = now.replace(hour=23, minute=59, second=59)
    bucket = case(
        (Activity.due_at < now, "overdue"),
        (Activity.due_at <= end_of_day, "today"),
        (Activity.due_at <= now + dt.timedelta(days=7), "next_7_days"),
        else_="later",
    )
    rows = await session.execute(
        select(bucket, func.count())
        .where(
            Activity.kind == "task",
            Activity.completed_at.is_(None),
            Activity.deleted_at.is_(None),
            Activity.due_at.is_not(None),
            scope,
        )
        .group_by(bucket)
    )
    counts = {"overdue": 0, "today": 0, "next_7_days": 0, "later": 0}
    counts.update({name: count for name, count in rows})
    return counts
