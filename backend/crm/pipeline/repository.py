"""SQL for pipelines, stages and the board (cards in manual order)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Row,
    Table,
    Uuid,
    bindparam,
    case,
    cast,
    column,
    exists,
    func,
    select,
    text,
    true,
    tuple_,
    update,
    values,
)
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Company, Deal, DealStageChange, DealStageTotal, Pipeline, Stage


async def lock(session: AsyncSession, key: str) -> None:
    """A transaction-scoped advisory lock on ``key`` (released at commit or rollback)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


async def all_with_stages(session: AsyncSession) -> list[tuple[Pipeline, list[Stage]]]:
    """Every pipeline of the organisation (archived too) with its stages in order: one query."""
    rows = await session.execute(
        select(Pipeline, Stage)
        .outerjoin(Stage, Stage.pipeline_id == Pipeline.id)
        .order_by(Pipeline.position, Pipeline.name, Pipeline.id, Stage.position, Stage.id)
    )
    result: dict[uuid.UUID, tuple[Pipeline, list[Stage]]] = {}
    for pipeline, stage in rows:
        entry = result.setdefault(pipeline.id, (pipeline, []))
        if stage is not None:
            entry[1].append(stage)
    return list(result.values())


async def get_pipeline(session: AsyncSession, pipeline_id: uuid.UUID) -> Pipeline | None:
    return await session.get(Pipeline, pipeline_id)


async def get_stage(session: AsyncSession, pipeline_id: uuid.UUID, stage_id: uuid.UUID) -> Stage | None:
    row = await session.execute(select(Stage).where(Stage.id == stage_id, Stage.pipeline_id == pipeline_id))
    return row.scalar_one_or_none()


async def stages_of(session: AsyncSession, pipeline_id: uuid.UUID) -> list[Stage]:
    rows = await session.execute(
        select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(Stage.position, Stage.id)
    )
    return list(rows.scalars())


async def name_taken(session: AsyncSession, name: str, exclude: uuid.UUID | None = None) -> bool:
    statement = select(Pipeline.id).where(func.lower(Pipeline.name) == name.lower())
    if exclude is not None:
        statement = statement.where(Pipeline.id != exclude)
    return (await session.execute(statement)).first() is not None


async def next_position(session: AsyncSession) -> int:
    value = (await session.execute(select(func.coalesce(func.max(Pipeline.position) + 1, 0)))).scalar_one()
    return int(value)


async def make_default(session: AsyncSession, pipeline_id: uuid.UUID) -> None:
    await session.execute(
        update(Pipeline)
        .where((Pipeline.is_default.is_(True)) | (Pipeline.id == pipeline_id))
        .values(is_default=Pipeline.id == pipeline_id)
    )


async def pipeline_has_deals(session: AsyncSession, pipeline_id: uuid.UUID) -> bool:
    # Trashed deals count too: they still point at the pipeline and may be restored.
    return bool((await session.execute(select(exists().where(Deal.pipeline_id == pipeline_id)))).scalar())


async def stage_in_use(session: AsyncSession, stage_id: uuid.UUID) -> bool:
    """Deals in the stage (trashed too), or stage history naming it."""
    in_use = select(
        exists().where(Deal.stage_id == stage_id) | exists().where(DealStageChange.to_stage_id == stage_id)
    )
    return bool((await session.execute(in_use)).scalar())


async def set_positions(session: AsyncSession, ordered: Sequence[uuid.UUID]) -> None:
    for position, stage_id in enumerate(ordered):
        await session.execute(update(Stage).where(Stage.id == stage_id).values(position=position))


# --- the board: cards in manual order ------------------------------------------------------


class Card(NamedTuple):
    id: uuid.UUID
    rank: str


def _column(stage_id: uuid.UUID, exclude: uuid.UUID | None) -> list[ColumnElement[bool]]:
    where = [Deal.stage_id == stage_id, Deal.deleted_at.is_(None)]
    if exclude is not None:
        where.append(Deal.id != exclude)
    return where


async def card(
    session: AsyncSession, stage_id: uuid.UUID, deal_id: uuid.UUID, scope: ColumnElement[bool]
) -> Card | None:
    row = await session.execute(
        select(Deal.id, Deal.board_rank).where(Deal.id == deal_id, scope, *_column(stage_id, None))
    )
    found = row.first()
    return Card(found[0], found[1]) if found else None


async def cards_after(
    session: AsyncSession, stage_id: uuid.UUID, anchor: Card | None, count: int, *, exclude: uuid.UUID
) -> list[Card]:
    """The first ``count`` cards after ``anchor`` (from the top if None), in board order."""
    statement = select(Deal.id, Deal.board_rank).where(*_column(stage_id, exclude))
    if anchor is not None:
        statement = statement.where(tuple_(Deal.board_rank, Deal.id) > tuple_(anchor.rank, anchor.id))
    rows = await session.execute(statement.order_by(Deal.board_rank, Deal.id).limit(count))
    return [Card(r[0], r[1]) for r in rows]


async def cards_before(
    session: AsyncSession, stage_id: uuid.UUID, anchor: Card | None, count: int, *, exclude: uuid.UUID
) -> list[Card]:
    """The last ``count`` cards before ``anchor`` (from the bottom if None), nearest first."""
    statement = select(Deal.id, Deal.board_rank).where(*_column(stage_id, exclude))
    if anchor is not None:
        statement = statement.where(tuple_(Deal.board_rank, Deal.id) < tuple_(anchor.rank, anchor.id))
    rows = await session.execute(statement.order_by(Deal.board_rank.desc(), Deal.id.desc()).limit(count))
    return [Card(r[0], r[1]) for r in rows]


async def set_ranks(session: AsyncSession, ranks: Sequence[tuple[uuid.UUID, str]]) -> None:
    """New ranks for a few cards in one statement; ``updated_at`` stays (reordering is not an edit)."""
    if not ranks:
        return
    table: Table = Deal.__table__  # type: ignore[assignment]
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(board_rank=bindparam("b_rank"), updated_at=table.c.updated_at)
    )
    await session.execute(statement, [{"b_id": deal_id, "b_rank": rank} for deal_id, rank in ranks])


def _card_columns() -> tuple[Any, ...]:
    return (
        Deal.id,
        Deal.name,
        Deal.stage_id,
        Deal.board_rank,
        Deal.status,
        Deal.amount,
        Deal.currency,
        Deal.probability,
        Deal.expected_close_date,
        Deal.owner_id,
        Deal.company_id,
        # A correlated look-up by primary key, whatever the planner thinks of the join.
        select(Company.name).where(Company.id == Deal.company_id).scalar_subquery().label("company_name"),
        Deal.tags,
        Deal.version,
        Deal.stage_entered_at,
        Deal.updated_at,
    )


async def board_totals(
    session: AsyncSession, stage_ids: Sequence[uuid.UUID], where: Sequence[ColumnElement[bool]]
) -> list[tuple[Any, ...]]:
    """Count, amount and probability-weighted amount per stage and currency: one aggregate."""
    weighted = func.round(func.sum(Deal.amount * func.coalesce(Deal.probability, 0) / 100), 2)
    rows = await session.execute(
        select(Deal.stage_id, Deal.currency, func.count(), func.sum(Deal.amount), weighted)
        .where(Deal.stage_id.in_(list(stage_ids)), Deal.deleted_at.is_(None), *where)
        .group_by(Deal.stage_id, Deal.currency)
    )
    return [tuple(row) for row in rows]


async def board_totals_from_rollup(
    session: AsyncSession, stage_ids: Sequence[uuid.UUID], where: Sequence[ColumnElement[bool]]
) -> list[tuple[Any, ...]]:
    """The same rows as ``board_totals`` from the stage rollup (``where`` over ``DealStageTotal``):
    a few rows per stage and owner instead of every deal of the pipeline."""
    count = cast(func.sum(DealStageTotal.deal_count), BigInteger)
    priced = func.sum(DealStageTotal.amount_count) > 0  # a sum over no amounts is NULL, as in SQL
    rows = await session.execute(
        select(
            DealStageTotal.stage_id,
            DealStageTotal.currency,
            count,
            case((priced, func.sum(DealStageTotal.amount_sum))),
            case((priced, func.round(func.sum(DealStageTotal.weighted_sum) / 100, 2))),
        )
        .where(DealStageTotal.stage_id.in_(list(stage_ids)), *where)
        .group_by(DealStageTotal.stage_id, DealStageTotal.currency)
        .having(count > 0)
    )
    return [tuple(row) for row in rows]


async def board_cards(
    session: AsyncSession,
    stage_ids: Sequence[uuid.UUID],
    where: Sequence[ColumnElement[bool]],
    per_stage: int,
) -> list[Row[Any]]:
    """The first ``per_stage`` cards of every stage in one statement: a LATERAL top-N per stage,
    each one walk of the (organisation, stage, rank, id) index."""
    stages = values(column("stage_id", Uuid), name="board_stages").data([(s,) for s in stage_ids])
    cards = (
        select(*_card_columns())
        .where(Deal.stage_id == stages.c.stage_id, Deal.deleted_at.is_(None), *where)
        .order_by(Deal.board_rank, Deal.id)
        .limit(per_stage)
        .lateral("cards")
    )
    rows = await session.execute(select(cards).select_from(stages).join(cards, true()))
    return list(rows)


async def stage_cards(
    session: AsyncSession,
    stage_id: uuid.UUID,
    where: Sequence[ColumnElement[bool]],
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[Row[Any]]:
    statement = select(*_card_columns()).where(Deal.stage_id == stage_id, Deal.deleted_at.is_(None), *where)
    if after is not None:
        statement = statement.where(tuple_(Deal.board_rank, Deal.id) > tuple_(*after))
    rows = await session.execute(statement.order_by(Deal.board_rank, Deal.id).limit(limit))
    return list(rows)
