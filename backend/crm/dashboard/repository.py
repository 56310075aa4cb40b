"""Dashboard aggregates: one SQL statement each, read from rollups or covering indexes.

Sums over many rows (pipeline by stage, win rate, lead sources, open tasks) come from the rollup
tables of ``crm.models.rollup``, kept by triggers in each write's transaction (ADR 0008); ranges
read row by row (closing, top accounts) walk covering partial indexes without visiting the heap.
Every filter leads with the tenant.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    ScalarSelect,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.models import (
    Activity,
    Company,
    Deal,
    DealCloseTotal,
    DealCompanyWonTotal,
    DealStageTotal,
    LeadSourceTotal,
    OpenTaskTotal,
    Pipeline,
    Stage,
)


def _constant(value: str) -> ColumnElement[str]:
    """``value`` written into the SQL text rather than bound as a parameter.

    A partial index's predicate (``status = 'won'``, ``kind = 'task'``) is proven only from
    constants. The driver prepares a statement after a few executions and PostgreSQL then
    switches to a generic plan, in which a bound value is unknown: it could not use the partial
    covering index any more and read the heap of every row in the range (2-3x slower cold).
    """
    return literal(value, literal_execute=True)


def _per_currency(pairs: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Totals per currency, largest first: amounts in different currencies are never added up."""
    totals: dict[str, Decimal] = {}
    for currency, amount in pairs:
        totals[currency] = totals.get(currency, Decimal(0)) + Decimal(amount or 0)
    return [{"currency": c, "amount": a} for c, a in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]


def _utc_midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` as the app's sessions (TimeZone UTC) read a date next to a timestamptz."""
    return dt.datetime.combine(day, dt.time(), dt.UTC)


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

    One statement: stages left-joined to (stage, currency) sums of the stage rollup (one row per
    stage, currency and owner, whatever the number of deals), so stages with no deals appear.
    ``scope`` is over ``DealStageTotal.owner_id``.
    """
    chosen: Any = pipeline_id if pipeline_id is not None else _default_pipeline()
    count = cast(func.sum(DealStageTotal.deal_count), BigInteger)
    # 0 rather than 0.00 when no deal has an amount, as summing the deals themselves gives.
    amount = case((func.sum(DealStageTotal.amount_count) > 0, func.sum(DealStageTotal.amount_sum)), else_=0)
    deals = (
        select(
            DealStageTotal.stage_id,
            DealStageTotal.currency,
            count.label("count"),
            amount.label("amount"),
        )
        .where(DealStageTotal.pipeline_id == chosen, DealStageTotal.status == "open", scope)
        .group_by(DealStageTotal.stage_id, DealStageTotal.currency)
        .having(count > 0)
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
    """Won and lost deals per period from the daily close rollup (UTC days, as the app's sessions
    run in UTC); ``scope`` is over ``DealCloseTotal.owner_id``."""
    period = func.date_trunc(interval, cast(DealCloseTotal.day, DateTime))
    won = cast(func.sum(DealCloseTotal.won_count), BigInteger)
    lost = cast(func.sum(DealCloseTotal.lost_count), BigInteger)
    won_amount = case(
        (func.sum(DealCloseTotal.won_amount_count) > 0, func.sum(DealCloseTotal.won_amount)), else_=0
    )
    rows = await session.execute(
        select(
            period.label("period"),
            DealCloseTotal.currency,
            won,
            lost,
            won_amount,
        )
        .where(DealCloseTotal.day >= start, DealCloseTotal.day <= end, scope)
        .group_by(period, DealCloseTotal.currency)
        .having(won + lost > 0)
        .order_by(period, DealCloseTotal.currency)
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


async def closing(
    session: AsyncSession, start: dt.date, end: dt.date, scope: ColumnElement[bool], limit: int = 10
) -> dict[str, Any]:
    """Open deals closing in the period: count, total and weighted total per currency, the largest."""
    in_period = and_(
        Deal.status == _constant("open"),
        Deal.deleted_at.is_(None),
        Deal.expected_close_date >= start,
        Deal.expected_close_date <= end,
        scope,
    )
    weight = func.coalesce(Deal.probability, 0) / literal(100.0)
    totals = await session.execute(
        select(
            Deal.currency,
            func.count(),
            func.coalesce(func.sum(Deal.amount), 0),
            func.coalesce(func.sum(Deal.amount * weight), 0),
        )
        .where(in_period)
        .group_by(Deal.currency)
        .order_by(func.coalesce(func.sum(Deal.amount), 0).desc(), Deal.currency)
    )
    count, amounts = 0, []
    for currency, n, amount, weighted in totals:
        count += n
        amounts.append(
            {"currency": currency, "amount": amount, "weighted_amount": round(Decimal(weighted or 0), 2)}
        )
    # Largest first within the period; amounts in different currencies are ordered by face value.
    # The ranking reads only the covering index (ix_deals_open_closing); the heap is visited for
    # the few rows kept, not for every deal of the period.
    largest = (
        select(Deal.id, Deal.amount)
        .where(in_period)
        .order_by(Deal.amount.desc().nulls_last(), Deal.id)
        .limit(limit)
        .subquery()
    )
    shown = aliased(Deal)
    top = await session.execute(
        select(
            shown.id, shown.name, shown.amount, shown.currency, shown.expected_close_date, shown.probability
        )
        .join(largest, largest.c.id == shown.id)
        .order_by(largest.c.amount.desc().nulls_last(), shown.id)
    )
    return {
        "count": count,
        "amounts": amounts,
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
    """New leads by source from the daily lead rollup (UTC days), most first."""
    count = cast(func.sum(LeadSourceTotal.lead_count), BigInteger)
    rows = await session.execute(
        select(LeadSourceTotal.source, count, cast(func.sum(LeadSourceTotal.converted_count), BigInteger))
        .where(LeadSourceTotal.day >= start, LeadSourceTotal.day <= end)
        .group_by(LeadSourceTotal.source)
        .having(count > 0)
        .order_by(count.desc(), LeadSourceTotal.source)
    )
    return [{"source": r[0], "count": r[1], "converted": r[2]} for r in rows]


def _bucket(due_at: Any, now: dt.datetime) -> Any:
    end_of_day = now.replace(hour=23, minute=59, second=59)
    return case(
        (due_at < now, "overdue"),
        (due_at <= end_of_day, "today"),
        (due_at <= now + dt.timedelta(days=7), "next_7_days"),
        else_="later",
    )


async def activities_due(
    session: AsyncSession, now: dt.datetime, scope: ColumnElement[bool], rollup_scope: ColumnElement[bool]
) -> dict[str, Any]:
    """Open tasks: overdue, due today, due in the next 7 days, later (``now`` in UTC).

    Whole UTC days fall in one bucket, so they are read from the daily open-task rollup
    (``rollup_scope`` is over ``OpenTaskTotal.owner_id``). The two days a boundary cuts through —
    today (``now`` and the end of the day) and the seventh day (``now`` + 7 days) — are counted
    from the tasks themselves on the partial open-task index (``scope`` is over ``Activity``).
    """
    today = now.astimezone(dt.UTC).date()
    cut_days = (today, today + dt.timedelta(days=7))
    day = OpenTaskTotal.day
    whole_day_bucket = case((day < today, "overdue"), (day < cut_days[1], "next_7_days"), else_="later")
    bucket = _bucket(Activity.due_at, now)

    def day_range(first: dt.date) -> ColumnElement[bool]:
        start = dt.datetime.combine(first, dt.time(), dt.UTC)
        return and_(Activity.due_at >= start, Activity.due_at < start + dt.timedelta(days=1))

    from_days = (
        select(
            whole_day_bucket.label("bucket"), cast(func.sum(OpenTaskTotal.task_count), BigInteger).label("n")
        )
        .where(day.not_in(cut_days), rollup_scope)
        .group_by(whole_day_bucket)
    )

    def from_tasks(first: dt.date) -> Any:
        # One range per cut day, so each is an index-only walk of the partial open-task index
        # (an OR of the two would become a bitmap scan that visits the heap).
        return (
            select(bucket.label("bucket"), func.count().label("n"))
            .where(
                Activity.kind == _constant("task"),
                Activity.completed_at.is_(None),
                Activity.deleted_at.is_(None),
                day_range(first),
                scope,
            )
            .group_by(bucket)
        )

    counts = {"overdue": 0, "today": 0, "next_7_days": 0, "later": 0}
    for name, n in await session.execute(union_all(from_days, *(from_tasks(d) for d in cut_days))):
        counts[name] += int(n)
    return counts


# Top accounts, all deals: the companies ranked first by their all-time won value, whose exact
# sums in the period give the floor of the top N (``_floor_of_top``). Each company above the floor
# then costs a look-up of its deals, about as much as aggregating PROBE_COST won deals of the
# period; when that exceeds the period's own deals (a short period, a small organisation) or
# MAX_CANDIDATES companies, the plain aggregate of the period is cheaper and runs instead.
HEAD = 50
MAX_CANDIDATES = 1_000
PROBE_COST = 16


def _won_in(start: dt.date, end: dt.date) -> list[ColumnElement[bool]]:
    return [
        Deal.status == _constant("won"),
        Deal.deleted_at.is_(None),
        Deal.company_id.is_not(None),
        # Bounds as UTC instants, not dates: a date compared with a timestamptz column is a
        # filter on every row of the organisation, an instant bounds the index scan.
        Deal.closed_at >= _utc_midnight(start),
        Deal.closed_at < _utc_midnight(end + dt.timedelta(days=1)),
    ]


def _by_bound(most: int) -> Any:
    """The ``most`` companies of largest all-time won value, walked down the index from the top.

    Ranked and cut by LIMIT, not filtered by value: under row-level security a comparison of
    numerics (not leakproof) may not bound an index scan, so ``won_amount >= x`` would be a filter
    over every company of the organisation.
    """
    bound = DealCompanyWonTotal
    return (
        select(bound.company_id, bound.currency, bound.won_amount)
        .order_by(bound.won_amount.desc())
        .limit(most)
        .subquery()
    )


async def _floor_of_top(
    session: AsyncSession, won_in: list[ColumnElement[bool]], limit: int
) -> Decimal | None:
    """A value the ``limit``-th largest (company, currency) won sum of the period reaches, when
    summing the companies whose all-time won value reaches it too is cheaper than summing the
    period's deals; else None (rank the whole period instead).

    The floor is the ``limit``-th largest period sum among the ``HEAD`` companies of largest
    all-time won value: real sums of real companies, so the true ``limit``-th is at least that.
    """
    head = _by_bound(HEAD)
    # A lateral join, not a scalar subquery: the latter would be run once for the filter and
    # again for the sort, i.e. every look-up twice.
    in_period = (
        select(func.sum(Deal.amount).label("won"))
        .where(*won_in, Deal.company_id == head.c.company_id, Deal.currency == head.c.currency)
        .lateral()
    )
    floor = (
        select(in_period.c.won)
        .select_from(head.join(in_period, true()))
        .where(in_period.c.won.is_not(None))
        .order_by(in_period.c.won.desc())
        .offset(limit - 1)
        .limit(1)
        .cte("floor")
    )
    top = _by_bound(MAX_CANDIDATES + 1)
    reaching = (
        select(func.count().label("n"))
        .select_from(top)
        .where(top.c.won_amount >= select(floor.c.won).scalar_subquery())
        .cte("reaching")
    )
    # The period's won deals, counted only as far as the look-ups would cost (not at all when
    # there are too many companies to look up anyway).
    enough = case((reaching.c.n > MAX_CANDIDATES, 0), else_=reaching.c.n * PROBE_COST)
    period = select(literal(1)).where(*won_in).limit(select(enough).scalar_subquery()).subquery()
    value, candidates, deals = (
        await session.execute(
            select(
                select(floor.c.won).scalar_subquery(),
                select(reaching.c.n).scalar_subquery(),
                select(func.count()).select_from(period).scalar_subquery(),
            )
        )
    ).one()
    if value is None or candidates > MAX_CANDIDATES or deals < candidates * PROBE_COST:
        return None
    return Decimal(value)


async def top_accounts(
    session: AsyncSession,
    start: dt.date,
    end: dt.date,
    scope: ColumnElement[bool],
    limit: int,
    *,
    every_deal: bool = False,
) -> list[dict[str, Any]]:
    """Companies by won value in the period, one row per (company, currency): sums never mix currencies.

    ``every_deal`` (the caller reads all deals, ``scope`` is true): only the companies whose
    all-time won value reaches the floor of the top N are summed over the period (a handful
    of index look-ups each) instead of every won deal of the period; see ``_floor_of_top``.
    """
    won_in = _won_in(start, end)
    order = (func.sum(Deal.amount).desc().nulls_last(), Deal.company_id, Deal.currency)
    floor = await _floor_of_top(session, won_in, limit) if every_deal else None
    won: Any
    if floor is None:
        won = (
            select(
                Deal.company_id,
                Deal.currency,
                func.sum(Deal.amount).label("won_amount"),
                func.count().label("won_deals"),
            )
            .where(*won_in, scope)
            .group_by(Deal.company_id, Deal.currency)
            .order_by(*order)
            .limit(limit)
            .subquery()
        )
    else:
        # Any company below the floor sums less than the N companies at or above it in the period.
        reaching = _by_bound(MAX_CANDIDATES)
        per_company = (
            select(func.sum(Deal.amount).label("won_amount"), func.count().label("won_deals"))
            .where(*won_in, Deal.company_id == reaching.c.company_id, Deal.currency == reaching.c.currency)
            .lateral()
        )
        won = (
            select(
                reaching.c.company_id, reaching.c.currency, per_company.c.won_amount, per_company.c.won_deals
            )
            .select_from(reaching.join(per_company, true()))
            .where(reaching.c.won_amount >= floor, per_company.c.won_deals > 0)
            .order_by(
                per_company.c.won_amount.desc().nulls_last(), reaching.c.company_id, reaching.c.currency
            )
            .limit(limit)
            .subquery()
        )
    rows = await session.execute(
        select(Company.id, Company.name, won.c.currency, won.c.won_amount, won.c.won_deals)
        .join(won, won.c.company_id == Company.id)
        .order_by(won.c.won_amount.desc().nulls_last(), Company.id, won.c.currency)
    )
    return [
        {"company_id": r[0], "name": r[1], "currency": r[2], "won_amount": r[3], "won_deals": r[4]}
        for r in rows
    ]
