"""A deal's place in its pipeline: which stage a write targets, and what entering a stage does.

Entering a stage (on create, PATCH, move or bulk edit) records a ``deal_stage_changes`` row,
restarts ``stage_entered_at``, takes the stage's default probability unless one is given,
and follows the stage's won/lost flag: ``status`` and ``closed_at`` are set (or cleared when
the deal reopens), and a lost deal needs a reason.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.principal import Principal
from crm.core.errors import BadRequest, Conflict, NotFound
from crm.deal import repository
from crm.models import Deal
from crm.pipeline import board
from crm.pipeline.service import Pipelines, StageInfo


def status_of(stage: StageInfo) -> str:
    return "won" if stage.is_won else "lost" if stage.is_lost else "open"


def target_stage(pipelines: Pipelines, row: Deal | None, data: dict[str, Any]) -> StageInfo | None:
    """The stage a create or edit puts the deal in; None when it stays where it is."""
    pipeline_id, stage_id, status = data.get("pipeline_id"), data.get("stage_id"), data.get("status")
    current = pipelines.stage(row.stage_id) if row is not None else None
    if stage_id is not None:
        stage = pipelines.stage(stage_id)
        if stage is None:
            raise NotFound("no such stage")
        if pipeline_id is not None and stage.pipeline_id != pipeline_id:
            raise BadRequest("this stage belongs to another pipeline", code="stage_not_in_pipeline")
        if status is not None and status != status_of(stage):
            raise BadRequest(f"a deal in stage {stage.name!r} is {status_of(stage)}", code="status_mismatch")
        return None if current is not None and stage.id == current.id else stage
    if pipeline_id is not None:
        pipeline = pipelines.get(pipeline_id)
    elif row is not None:
        pipeline = pipelines.get(row.pipeline_id)
    else:
        pipeline = pipelines.default()
    if pipeline is None:
        raise NotFound("no such pipeline")
    same_pipeline = current is not None and current.pipeline_id == pipeline.id
    if status in ("won", "lost"):
        if same_pipeline and current is not None and status_of(current) == status:
            return None
        stage = next((s for s in pipeline.stages if status_of(s) == status), None)
        if stage is None:
            raise BadRequest(f"pipeline {pipeline.name!r} has no {status} stage", code=f"no_{status}_stage")
        return stage
    if status == "open" and not (same_pipeline and current is not None and not current.closed):
        raise BadRequest("reopen a deal by giving the stage it goes to", code="stage_required")
    if same_pipeline:
        return None
    stage = pipeline.first_open_stage() or (pipeline.stages[0] if pipeline.stages else None)
    if stage is None:
        raise BadRequest(f"pipeline {pipeline.name!r} has no stage", code="no_stage")
    return stage


async def enter_stage(
    session: AsyncSession,
    pipelines: Pipelines,
    principal: Principal,
    row: Deal,
    stage: StageInfo,
    *,
    lost_reason: str | None,
    probability: int | None,
    creating: bool,
    after_id: uuid.UUID | None = None,
    before_id: uuid.UUID | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Put ``row`` in ``stage`` (ranked at the bottom, or next to a neighbour); the audit changes."""
    pipeline = pipelines.get(stage.pipeline_id)
    if (
        pipeline is not None
        and pipeline.archived_at is not None
        and (creating or row.pipeline_id != pipeline.id)
    ):
        raise Conflict(f"pipeline {pipeline.name!r} is archived", code="archived_pipeline")
    status = status_of(stage)
    reason = (lost_reason or "").strip() or None
    if status == "lost" and reason is None:
        reason = row.lost_reason if row.status == "lost" and not creating else None
        if reason is None:
            raise BadRequest("a lost deal needs a reason (lost_reason)", code="lost_reason_required")
    changes: dict[str, tuple[Any, Any]] = {}
    previous = None if creating else row.stage_id
    if creating or row.pipeline_id != stage.pipeline_id:
        changes["pipeline_id"] = (None if creating else row.pipeline_id, stage.pipeline_id)
    changes["stage_id"] = (previous, stage.id)
    now = (await session.execute(text("SELECT clock_timestamp()"))).scalar_one()
    row.pipeline_id, row.stage_id, row.stage_entered_at = stage.pipeline_id, stage.id, now
    if creating or status != row.status:
        changes["status"] = (None if creating else row.status, status)
        row.status = status
        row.closed_at = now if status != "open" else None
    new_reason = reason if status == "lost" else None
    if creating or new_reason != row.lost_reason:
        changes["lost_reason"] = (None if creating else row.lost_reason, new_reason)
        row.lost_reason = new_reason
    new_probability = stage.probability if probability is None else probability
    if creating or new_probability != row.probability:
        changes["probability"] = (None if creating else row.probability, new_probability)
        row.probability = new_probability
    row.board_rank = await board.place(
        session, principal, stage.id, row.id, after_id=after_id, before_id=before_id
    )
    row.__dict__["_pending_stage_change"] = (previous, stage.id)
    return changes


def record_stage_change(session: AsyncSession, principal: Principal, row: Deal) -> None:
    """The history row of a stage entered by ``enter_stage`` (once the deal row exists)."""
    pending = row.__dict__.pop("_pending_stage_change", None)
    if pending is not None:
        repository.add_stage_change(session, row.id, pending[0], pending[1], principal.user_id)
