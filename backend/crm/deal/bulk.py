"""Bulk edits of deals with a result per row: one bad row never stops the others."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.principal import Principal
from crm.core.errors import AppError
from crm.core.runtime import Runtime
from crm.deal import service
from crm.deal.schemas import BulkDelete, BulkResponse, BulkResult, DealBulkUpdate, DealPatch
from crm.kit.followups import batched


async def bulk_update(
    session: AsyncSession, runtime: Runtime, principal: Principal, body: DealBulkUpdate
) -> BulkResponse:
    results = []
    async with batched(session, runtime) as batch:
        for deal_id in dict.fromkeys(body.ids):
            try:
                # Each row in its own savepoint: a failure undoes that row only.
                async with batch.row(), session.begin_nested():
                    current = await service.get(session, runtime, principal, deal_id)
                    patch: dict[str, object] = {}
                    if body.owner_id is not None:
                        patch["owner_id"] = body.owner_id
                    if body.stage_id is not None:
                        patch["stage_id"] = body.stage_id
                        if body.lost_reason is not None:
                            patch["lost_reason"] = body.lost_reason
                    if body.add_tags or body.remove_tags:
                        tags = (set(current.tags) | set(body.add_tags or [])) - set(body.remove_tags or [])
                        patch["tags"] = sorted(tags)
                    await service.update(
                        session, runtime, principal, deal_id, DealPatch(**patch), expected_version=None
                    )
                results.append(BulkResult(id=deal_id, ok=True))
            except AppError as error:
                results.append(BulkResult(id=deal_id, ok=False, error=error.detail))
    return BulkResponse(results=results)


async def bulk_delete(
    session: AsyncSession, runtime: Runtime, principal: Principal, body: BulkDelete
) -> BulkResponse:
    results = []
    async with batched(session, runtime) as batch:
        for deal_id in dict.fromkeys(body.ids):
            try:
                async with batch.row(), session.begin_nested():
                    await service.soft_delete(session, runtime, principal, deal_id)
                results.append(BulkResult(id=deal_id, ok=True))
            except AppError as error:
                results.append(BulkResult(id=deal_id, ok=False, error=error.detail))
    return BulkResponse(results=results)
