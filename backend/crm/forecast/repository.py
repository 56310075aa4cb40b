"""SQL of the forecast: a pipeline's deals with the facts the win-probability model reads, and the
closed-won revenue of past periods. Every statement is scoped to the caller's deals (``scope``)
inside the organisation's transaction (RLS)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Date, and_, cast, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Deal, DealStageChange, Lead, Pipeline, Stage

ENGAGEMENT_DAYS = 30


@dataclass(frozen=True)
class StageRow:
    id: uuid.UUID
    name: str
    probability: int
    is_won: bool
    is_lost: bool


@dataclass(frozen=True)
class DealRow:
    id: uuid.UUID
    name: str
    amount: Decimal | None
    currency: str
    stage_id: uuid.UUID
    status: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    expected_close_date: dt.date | None
    # The stage the deal was in before it was won or lost (closed deals), from the stage history.
    last_open_stage_id: uuid.UUID | None


@dataclass(frozen=True)
class Engagement:
    emails: int = 0
    calls: int = 0
    meetings: int = 0
    notes: int = 0
    last_activity_at: dt.datetime | None = None


async def pipeline(session: AsyncSession, pipeline_id: uuid.UUID | None) -> Pipeline | None:
    """The pipeline asked for, or the organisation's default (then the first) when none is."""
    statement = select(Pipeline).where(Pipeline.archived_at.is_(None))
    if pipeline_id is not None:
        statement = select(Pipeline).where(Pipeline.id == pipeline_id)
    else:
        statement = statement.order_by(Pipeline.is_default.desc(), Pipeline.position, Pipeline.id).limit(1)
    return (await session.execute(statement)).scalars().first()


async def stages(session: AsyncSession, pipeline_id: uuid.UUID) -> dict[uuid.UUID, StageRow]:
    rows = await session.execute(
        select(Stage.id, Stage.name, Stage.probability, Stage.is_won, Stage.is_lost).where(
            Stage.pipeline_id == pipeline_id
        )
    )
    return {row.id: StageRow(*row) for row in rows}


async def deals(
    session: AsyncSession,
    pipeline_id: uuid.UUID,
    scope: ColumnElement[bool],
    *,
    closed_since: dt.datetime,
    max_closed: int,
) -> tuple[list[DealRow], list[DealRow]]:
    """(open deals, deals closed since ``closed_since``, most recent first, at most ``max_closed``)."""
    last_open = (
        select(DealStageChange.from_stage_id)
        .where(DealStageChange.deal_id == Deal.id)
        .order_by(DealStageChange.changed_at.desc(), DealStageChange.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    columns = (
        Deal.id,
        Deal.name,
        Deal.amount,
        Deal.currency,
        Deal.stage_id,
        Deal.status,
        Deal.created_at,
        Deal.closed_at,
        Deal.expected_close_date,
    )
    base = and_(Deal.pipeline_id == pipeline_id, Deal.deleted_at.is_(None), scope)
    open_rows = await session.execute(
        select(*columns, text("NULL::uuid")).where(base, Deal.status == "open").order_by(Deal.id)
    )
    closed_rows = await session.execute(
        select(*columns, last_open)
        .where(base, Deal.status.in_(("won", "lost")), Deal.closed_at >= closed_since)
        .order_by(Deal.closed_at.desc(), Deal.id)
        .limit(max_closed)
    )
    return [DealRow(*row) for row in open_rows], [DealRow(*row) for row in closed_rows]  # type: ignore[call-arg]


async def engagement(
    session: AsyncSession, as_of: dict[uuid.UUID, dt.datetime]
) -> dict[uuid.UUID, Engagement]:
    """Activity on each deal as of a moment (now for open deals, the close for closed ones, so a
    closed deal's features are those it had while open): counts by kind over the 30 days before
    it and the latest activity up to it."""
    if not as_of:
        return {}
    rows = await session.execute(
        text(
            """
            SELECT v.id,
                   count(*) FILTER (WHERE a.kind = 'email' AND a.occurred_at > v.since),
                   count(*) FILTER (WHERE a.kind = 'call' AND a.occurred_at > v.since),
                   count(*) FILTER (WHERE a.kind = 'meeting' AND a.occurred_at > v.since),
                   count(*) FILTER (WHERE a.kind = 'note' AND a.occurred_at > v.since),
                   max(a.occurred_at)
              FROM (SELECT id, at, at - make_interval(days => :days) AS since
                      FROM unnest(CAST(:ids AS uuid[]), CAST(:ats AS timestamptz[])) AS u(id, at)) AS v
              JOIN activities a ON a.deal_id = v.id AND a.deleted_at IS NULL AND a.occurred_at <= v.at
             GROUP BY v.id
            """
        ),
        {"ids": list(as_of), "ats": list(as_of.values()), "days": ENGAGEMENT_DAYS},
    )
    return {row[0]: Engagement(row[1], row[2], row[3], row[4], row[5]) for row in rows}


async def lead_scores(session: AsyncSession, deal_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, float]:
    """The lead-scoring probability (0..1) of the lead each deal was converted from."""
    if not deal_ids:
        return {}
    rows = await session.execute(
        select(Lead.converted_deal_id, func.max(Lead.score))
        .where(Lead.converted_deal_id.in_(deal_ids), Lead.score.is_not(None))
        .group_by(Lead.converted_deal_id)
    )
    return {row[0]: float(row[1]) for row in rows if row[0] is not None and row[1] is not None}


async def first_close_dates(session: AsyncSession, deal_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dt.date]:
    """The first expected close date each deal was given, read from its audit trail (the deal's
    change history): the current date minus this is how far the close has slipped."""
    if not deal_ids:
        return {}
    rows = await session.execute(
        text(
            """
            SELECT DISTINCT ON (entity_id) entity_id,
                   coalesce(changes -> 'expected_close_date' ->> 'before',
                            changes -> 'expected_close_date' ->> 'after') AS first_date
              FROM audit_events
             WHERE entity_type = 'deal' AND entity_id = ANY(:ids)
               AND changes ? 'expected_close_date'
               AND coalesce(changes -> 'expected_close_date' ->> 'before',
                            changes -> 'expected_close_date' ->> 'after') IS NOT NULL
             ORDER BY entity_id, seq
            """
        ),
        {"ids": [str(i) for i in deal_ids]},
    )
    out: dict[uuid.UUID, dt.date] = {}
    for entity_id, first in rows:
        try:
            out[uuid.UUID(entity_id)] = dt.date.fromisoformat(str(first)[:10])
        except ValueError:
            continue  # an unreadable value in the trail is no evidence of slippage
    return out


async def won_by_day(
    session: AsyncSession,
    pipeline_id: uuid.UUID,
    scope: ColumnElement[bool],
    currency: str,
    since: dt.datetime,
    until: dt.datetime,
) -> list[tuple[dt.date, Decimal]]:
    """Closed-won revenue per day in [since, until) (the service buckets days into periods)."""
    day = cast(func.timezone("UTC", Deal.closed_at), Date)
    rows = await session.execute(
        select(day, func.coalesce(func.sum(Deal.amount), 0))
        .where(
            Deal.pipeline_id == pipeline_id,
            Deal.deleted_at.is_(None),
            Deal.status == "won",
            Deal.currency == currency,
            Deal.closed_at >= since,
            Deal.closed_at < until,
            scope,
        )
        .group_by(day)
    )
    return [(row[0], row[1] or Decimal(0)) for row in rows]
