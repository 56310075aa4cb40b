"""Bulk edits of activities with a result per row: one bad row never stops the others."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from crm.activity import service
from crm.activity.schemas import ActivityBulkUpdate, ActivityPatch, BulkDelete, BulkResponse, BulkResult
from crm.auth.principal import Principal
from crm.core.errors import AppError
from crm.core.runtime import Runtime
from crm.kit.followups import batched


async def bulk_update(
    session: AsyncSession, runtime: Runtime, principal: Principal, body: ActivityBulkUpdate
) -> BulkResponse:
    results = []
    async with batched(session, runtime) as batch:
        for activity_id in dict.fromkeys(body.ids):
            try:
                # Each row in its own savepoint: a failure undoes that row only.
                async with batch.row(), session.begin_nested():
                    patch = body.model_dump(exclude_none=True, include={"owner_id", "completed"})
                    await service.update(
                        session,
                        runtime,
                        principal,
                        activity_id,
                        ActivityPatch(**patch),
                        expected_version=None,
                    )
                results.append(BulkResult(id=activity_id, ok=True))
            except AppError as error:
                results.append(BulkResult(id=activity_id, ok=False, error=error.detail))
    return BulkResponse(results=results)


async def bulk_delete(
    session: AsyncSession, runtime: Runtime, principal: Principal, body: BulkDelete
) -> BulkResponse:
    results = []
    async with batched(session, runtime) as batch:
        for activity_id in dict.fromkeys(body.ids):
            try:
                async with batch.row(), session.begin_nested():
                    await service.soft_delete(session, runtime, principal, activity_id)
                results.append(BulkResult(id=activity_id, ok=True))
            except AppError as error:
                results.append(BulkResult(id=activity_id, ok=False, error=error.detail))
    return BulkResponse(results=results)
