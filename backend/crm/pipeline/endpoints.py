"""/api/v1/pipelines: pipelines, their stages, and the board."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.kit.pagination import check_limit
from crm.pipeline import board, service, stages
from crm.pipeline.schemas import (
    Board,
    CardPage,
    PipelineCreate,
    PipelineList,
    PipelineOut,
    PipelinePatch,
    StageIn,
    StageOrder,
    StagePatch,
)

router = APIRouter(prefix="/pipelines", tags=["pipelines"])


@router.get("", response_model=PipelineList)
async def list_pipelines(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("pipelines", "read"))],
    include_archived: bool = False,
) -> PipelineList:
    """Every pipeline with its stages in order (one page: organisations have a handful). An
    organisation without any gets the default "Patient journey" pipeline on first use."""
    items = await service.list_pipelines(session, runtime, principal, include_archived=include_archived)
    return PipelineList(items=items)


@router.post("", response_model=PipelineOut, status_code=201)
async def create_pipeline(
    body: PipelineCreate,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("pipelines", "create"))],
) -> PipelineOut:
    """Create a pipeline with its stages (in order). A stage's probability defaults to 100 for a won
    stage and 0 otherwise."""
    return await service.create_pipeline(session, runtime, principal, body)


@router.get("/{pipeline_id}", response_model=PipelineOut)
async def get_pipeline(
    pipeline_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("pipelines", "read"))],
) -> PipelineOut:
    """One pipeline with its stages in order."""
    return await service.get_pipeline(session, runtime, principal, pipeline_id)


@router.patch("/{pipeline_id}", response_model=PipelineOut)
async def update_pipeline(
    pipeline_id: uuid.UUID,
    body: PipelinePatch,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("pipelines", "update"))],
) -> PipelineOut:
    """Rename, reposition, archive/unarchive, or make this the default pipeline."""
    return await service.update_pipeline(session, runtime, principal, pipeline_id, body)


@router.delete("/{pipeline_id}", status_code=204)
async def delete_pipeline(
    pipeline_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("pipelines", "delete"))],
) -> Response:
    """Delete a pipeline that never held a deal (409 otherwise: archive it instead)."""
    await service.delete_pipeline(session, runtime, principal, pipeline_id)
    return Response(status_code=204)


@router.post("/{pipeline_id}/stages", response_model=PipelineOut, status_code=201)
async def add_stage(
    pipeline_id: uuid.UUID,
    body: StageIn,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("pipelines", "update"))],
    position: Annotated[int | None, Query(ge=0, le=50)] = None,
) -> PipelineOut:
    """Add a stage at `position` (0 = first; default: last). Returns the whole pipeline."""
    return await stages.add_stage(session, runtime, principal, pipeline_id, body, position=position)


@router.post("/{pipeline_id}/stages/reorder", response_model=PipelineOut)
async def reorder_stages(
    pipeline_id: uuid.UUID,
    body: StageOrder,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("pipelines", "update"))],
) -> PipelineOut:
    """Put the stages in the given order (every stage id exactly once)."""
    return await stages.reorder_stages(session, runtime, principal, pipeline_id, body)


@router.patch("/{pipeline_id}/stages/{stage_id}", response_model=PipelineOut)
async def update_stage(
    pipeline_id: uuid.UUID,
    stage_id: uuid.UUID,
    body: StagePatch,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("pipelines", "update"))],
) -> PipelineOut:
    """Rename a stage, change its default probability or its won/lost flag."""
    return await stages.update_stage(session, runtime, principal, pipeline_id, stage_id, body)


@router.delete("/{pipeline_id}/stages/{stage_id}", response_model=PipelineOut)
async def delete_stage(
    pipeline_id: uuid.UUID,
    stage_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("pipelines", "update"))],
) -> PipelineOut:
    """Remove a stage no deal is in or ever passed through (409 otherwise); the pipeline keeps one."""
    return await stages.delete_stage(session, runtime, principal, pipeline_id, stage_id)


@router.get("/{pipeline_id}/board", response_model=Board)
async def get_board(
    pipeline_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("deals", "read"))],
    per_stage: Annotated[int, Query(ge=1, le=100)] = 25,
    owner_id: uuid.UUID | None = None,
    close_before: dt.date | None = None,
) -> Board:
    """The Kanban board: every stage in order with its deal count, total amount (per currency, and
    probability-weighted) and its first `per_stage` cards in manual order; `next_cursor` pages a
    column through `GET /pipelines/{id}/stages/{stage_id}/deals`. Filters: `owner_id`,
    `close_before` (expected close date before this day). Amounts are null for roles without
    `deal_amounts:read`; a role with "own" deals sees only its own."""
    return await board.load_board(
        session,
        runtime,
        principal,
        pipeline_id,
        per_stage=per_stage,
        owner_id=owner_id,
        close_before=close_before,
    )


@router.get("/{pipeline_id}/stages/{stage_id}/deals", response_model=CardPage)
async def list_stage_cards(
    pipeline_id: uuid.UUID,
    stage_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("deals", "read"))],
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
    owner_id: uuid.UUID | None = None,
    close_before: dt.date | None = None,
) -> CardPage:
    """More cards of one board column, in manual order, from a column's `next_cursor`."""
    return await board.stage_page(
        session,
        runtime,
        principal,
        pipeline_id,
        stage_id,
        cursor=cursor,
        limit=check_limit(limit),
        owner_id=owner_id,
        close_before=close_before,
    )
