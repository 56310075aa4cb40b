"""Dashboard aggregates: one SQL statement each, index-driven (every filter leads with the tenant)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Activity, Company, Deal, Lead, Stage


async def pipeline_by_stage(
    session: AsyncSession, pipeline_id: uuid.UUID, scope: ColumnElement[bool]
) -> list[dict[str, Any]]:
    """Open deals per stage of a pipeline: count and total amount (stages with none included)."""
    deals = (
        select(
            Deal.stage_id,
            func.count().label("count"),
            func.coalesce(func.sum(Deal.amount), 0).label("amount"),
        )
        .where(Deal.pipeline_id == pipeline_id, Deal.deleted_at.is_(None), Deal.status == "open", scope)
        .group_by(Deal.stage_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            Stage.id,
            Stage.name,
            Stage.position,
            Stage.probability,
            func.coalesce(deals.c.count, 0),
            func.coalesce(deals.c.amount, 0),
        )
        .outerjoin(deals, deals.c.stage_id == Stage.id)
        .where(Stage.pipeline_id == pipeline_id)
        .order_by(Stage.position)
    )
    return [
        {"stage_id": r[0], "name": r[1], "probability": r[3], "count": int(r[4]), "amount": r[5]}
        for r in rows
    ]


async def win_rate(
    session: AsyncSession, start: dt.date, end: dt.date, interval: str, scope: ColumnElement[bool]
) -> list[dict[str, Any]]:
    period = func.date_trunc(interval, Deal.closed_at)
    rows = await session.execute(
        select(
            period.label("period"),
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
        .group_by(period)
        .order_by(period)
    )
    result = []
    for start_of_period, won, lost, won_amount in rows:
        closed = won + lost
        result.append(
            {
                "period": start_of_period.date(),
                "won": won,
                "lost": lost,
                "won_amount": won_amount,
                "win_rate": round(won / closed, 4) if closed else None,
            }
        )
    return result


async def closing(
    session: AsyncSession, start: dt.date, end: dt.date, scope: ColumnElement[bool], limit: int = 10
) -> dict[str, Any]:
    """Open deals expected to close in the period: count, total, weighted total, and the largest."""
    in_period = and_(
        Deal.status == "open",
        Deal.deleted_at.is_(None),
        Deal.expected_close_date >= start,
        Deal.expected_close_date <= end,
        scope,
    )
    weight = func.coalesce(Deal.probability, 0) / literal(100.0)
    totals = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(Deal.amount), 0),
                func.coalesce(func.sum(Deal.amount * weight), 0),
            ).where(in_period)
        )
    ).one()
    top = await session.execute(
        select(Deal.id, Deal.name, Deal.amount, Deal.currency, Deal.expected_close_date, Deal.probability)
        .where(in_period)
        .order_by(Deal.amount.desc().nulls_last(), Deal.id)
        .limit(limit)
    )
    return {
        "count": totals[0],
        "amount": totals[1],
        "weighted_amount": round(float(totals[2] or 0), 2),
        "deals": [
            {
                "id": r[0],
                "name": r[1],
                "amount": r[2],
                "currency": r[3],
                "expected_close_date": r[4],
                "probability": r[5],
            }
            for r in top
        ],
    }


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
    counts.update({name: count for name, count in rows.tuples()})
    return counts


async def top_accounts(
    session: AsyncSession, start: dt.date, end: dt.date, scope: ColumnElement[bool], limit: int
) -> list[dict[str, Any]]:
    won = (
        select(Deal.company_id, func.sum(Deal.amount).label("won_amount"), func.count().label("won_deals"))
        .where(
            Deal.status == "won",
            Deal.deleted_at.is_(None),
            Deal.company_id.is_not(None),
            Deal.closed_at >= start,
            Deal.closed_at < end + dt.timedelta(days=1),
            scope,
        )
        .group_by(Deal.company_id)
        .order_by(func.sum(Deal.amount).desc().nulls_last())
        .limit(limit)
        .subquery()
    )
    rows = await session.execute(
        select(Company.id, Company.name, won.c.won_amount, won.c.won_deals)
        .join(won, won.c.company_id == Company.id)
        .order_by(won.c.won_amount.desc().nulls_last())
    )
    return [{"company_id": r[0], "name": r[1], "won_amount": r[2], "won_deals": r[3]} for r in rows]
