"""SQL for pipelines and stages."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import exists, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Deal, DealStageChange, Pipeline, Stage


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
    for pipeline, stage in rows.tuples():
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
