"""Moving a deal on the board (stage and position in one call), and reading its stage history."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from crm.audit.service import record_event
from crm.auth.permissions import Action
from crm.auth.principal import Principal
from crm.contact.service import cipher_for
from crm.core.errors import BadRequest, NotFound
from crm.core.runtime import Runtime
from crm.customfield import service as custom_fields
from crm.deal import repository, service, stages
from crm.deal.schemas import DealMove, DealOut, StageChangeOut
from crm.kit.followups import Change, record_change
from crm.pipeline import repository as board_repository
from crm.pipeline import service as pipelines_service
from crm.pipeline.board import place
from crm.pipeline.repository import set_ranks

OBJECT = service.OBJECT


async def move(
    session: AsyncSession, runtime: Runtime, principal: Principal, deal_id: uuid.UUID, body: DealMove
) -> DealOut:
    """Stage and position in one call: a new rank between the neighbours, stage history when
    the stage changes, an audit record and a live event."""
    # The column first, then the row: a move that re-spreads the column's ranks (and so may
    # write this row) holds the column lock, so taking them in this order cannot deadlock.
    await board_repository.lock(session, f"board:{body.stage_id}")
    row = await service.in_scope(session, principal, deal_id, Action.update, for_update=True)
    pipelines = await pipelines_service.ensure(session, runtime, principal)
    stage = pipelines.stage(body.stage_id)
    if stage is None:
        raise NotFound("no such stage")
    if stage.pipeline_id != row.pipeline_id:
        raise BadRequest(
            "this stage belongs to another pipeline (change pipeline_id with PATCH)",
            code="stage_not_in_pipeline",
        )
    before_rank = row.board_rank
    if stage.id != row.stage_id:
        changes = await stages.enter_stage(
            session,
            pipelines,
            principal,
            row,
            stage,
            lost_reason=body.lost_reason,
            probability=None,
            creating=False,
            after_id=body.after_id,
            before_id=body.before_id,
        )
        await service.touch(session, row)
    else:
        changes = {}
        rank = await place(
            session, principal, stage.id, row.id, after_id=body.after_id, before_id=body.before_id
        )
        # A new place in the same column is not an edit: no version, no updated_at.
        await set_ranks(session, [(row.id, rank)])
        set_committed_value(row, "board_rank", rank)
    changes["board_rank"] = (before_rank, row.board_rank)
    await session.flush()
    stages.record_stage_change(session, principal, row)
    await session.flush()
    await record_event(
        session, action="deal.move", actor=principal, entity_type=OBJECT, entity_id=row.id, changes=changes
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, OBJECT, (row.id,), "moved", actor_id=principal.user_id),
    )
    cipher = await cipher_for(session, runtime, principal)
    definitions = await custom_fields.definitions(session, runtime, principal.organization_id, OBJECT)
    return await service.out(session, principal, cipher, definitions, row)


async def stage_history(
    session: AsyncSession, principal: Principal, deal_id: uuid.UUID
) -> list[StageChangeOut]:
    await service.in_scope(session, principal, deal_id, Action.read)
    return [
        StageChangeOut(
            id=change.id,
            from_stage_id=change.from_stage_id,
            to_stage_id=change.to_stage_id,
            changed_at=change.changed_at,
            changed_by=change.changed_by,
        )
        for change in await repository.stage_history(session, deal_id)
    ]
