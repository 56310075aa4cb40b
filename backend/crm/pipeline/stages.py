"""Stages of a pipeline: add, edit, reorder, remove. Every write drops the cached pipelines."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth.principal import Principal
from crm.core.errors import BadRequest, Conflict, NotFound
from crm.core.runtime import Runtime
from crm.kit.followups import Change, record_change
from crm.models import Stage
from crm.pipeline import repository
from crm.pipeline.schemas import PipelineOut, StageIn, StageOrder, StagePatch
from crm.pipeline.service import check_flags, forget, get_pipeline, stage_probability


async def add_stage(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    pipeline_id: uuid.UUID,
    body: StageIn,
    *,
    position: int | None,
) -> PipelineOut:
    if await repository.get_pipeline(session, pipeline_id) is None:
        raise NotFound("no such pipeline")
    check_flags(body.is_won, body.is_lost)
    stages = await repository.stages_of(session, pipeline_id)
    if len(stages) >= 50:
        raise BadRequest("a pipeline has at most 50 stages", code="too_many_stages")
    stage = Stage(
        id=uuid.uuid4(),
        pipeline_id=pipeline_id,
        name=body.name.strip(),
        position=len(stages),
        probability=stage_probability(body),
        is_won=body.is_won,
        is_lost=body.is_lost,
    )
    session.add(stage)
    await session.flush()
    ordered = [s.id for s in stages]
    ordered.insert(len(ordered) if position is None else min(position, len(ordered)), stage.id)
    await repository.set_positions(session, ordered)
    await forget(session, runtime, principal.organization_id)
    await record_event(
        session,
        action="stage.create",
        actor=principal,
        entity_type="stage",
        entity_id=stage.id,
        changes={"name": (None, stage.name), "pipeline_id": (None, pipeline_id)},
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, "pipeline", (pipeline_id,), "updated", actor_id=principal.user_id),
    )
    return await get_pipeline(session, runtime, principal, pipeline_id)


async def update_stage(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    pipeline_id: uuid.UUID,
    stage_id: uuid.UUID,
    body: StagePatch,
) -> PipelineOut:
    stage = await repository.get_stage(session, pipeline_id, stage_id)
    if stage is None:
        raise NotFound("no such stage")
    is_won = stage.is_won if body.is_won is None else body.is_won
    is_lost = stage.is_lost if body.is_lost is None else body.is_lost
    check_flags(is_won, is_lost)
    changes: dict[str, tuple[Any, Any]] = {}
    values = {
        "name": body.name.strip() if body.name is not None else None,
        "probability": body.probability,
        "is_won": body.is_won,
        "is_lost": body.is_lost,
    }
    for name, value in values.items():
        if value is not None and value != getattr(stage, name):
            changes[name] = (getattr(stage, name), value)
            setattr(stage, name, value)
    if changes:
        await session.flush()
        await forget(session, runtime, principal.organization_id)
        await record_event(
            session,
            action="stage.update",
            actor=principal,
            entity_type="stage",
            entity_id=stage.id,
            changes=changes,
        )
        await record_change(
            session,
            runtime,
            Change(
                principal.organization_id, "pipeline", (pipeline_id,), "updated", actor_id=principal.user_id
            ),
        )
    return await get_pipeline(session, runtime, principal, pipeline_id)


async def delete_stage(
    session: AsyncSession, runtime: Runtime, principal: Principal, pipeline_id: uuid.UUID, stage_id: uuid.UUID
) -> PipelineOut:
    stage = await repository.get_stage(session, pipeline_id, stage_id)
    if stage is None:
        raise NotFound("no such stage")
    stages = await repository.stages_of(session, pipeline_id)
    if len(stages) == 1:
        raise Conflict("a pipeline keeps at least one stage", code="last_stage")
    if await repository.stage_in_use(session, stage_id):
        raise Conflict(
            "deals are in this stage or passed through it (their history names it): rename it instead",
            code="stage_in_use",
        )
    await session.delete(stage)
    await session.flush()
    await repository.set_positions(session, [s.id for s in stages if s.id != stage_id])
    await forget(session, runtime, principal.organization_id)
    await record_event(
        session,
        action="stage.delete",
        actor=principal,
        entity_type="stage",
        entity_id=stage_id,
        changes={"name": (stage.name, None)},
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, "pipeline", (pipeline_id,), "updated", actor_id=principal.user_id),
    )
    return await get_pipeline(session, runtime, principal, pipeline_id)


async def reorder_stages(
    session: AsyncSession, runtime: Runtime, principal: Principal, pipeline_id: uuid.UUID, body: StageOrder
) -> PipelineOut:
    if await repository.get_pipeline(session, pipeline_id) is None:
        raise NotFound("no such pipeline")
    stages = await repository.stages_of(session, pipeline_id)
    current = [s.id for s in stages]
    if len(body.stage_ids) != len(current) or set(body.stage_ids) != set(current):
        raise BadRequest("give every stage of this pipeline exactly once", code="invalid_stage_order")
    if body.stage_ids != current:
        await repository.set_positions(session, body.stage_ids)
        await forget(session, runtime, principal.organization_id)
        await record_event(
            session,
            action="pipeline.reorder_stages",
            actor=principal,
            entity_type="pipeline",
            entity_id=pipeline_id,
            changes={"stage_ids": (current, list(body.stage_ids))},
        )
        await record_change(
            session,
            runtime,
            Change(
                principal.organization_id, "pipeline", (pipeline_id,), "updated", actor_id=principal.user_id
            ),
        )
    return await get_pipeline(session, runtime, principal, pipeline_id)
