"""/api/v1/deals."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.deal import bulk, moving, service
from crm.deal.schemas import (
    BulkDelete,
    BulkResponse,
    DealBulkUpdate,
    DealCreate,
    DealMove,
    DealOut,
    DealPatch,
    StageChangeOut,
)
from crm.kit.jsonout import page_response
from crm.kit.pagination import Page, check_limit
from crm.kit.records import parse_if_match

router = APIRouter(prefix="/deals", tags=["deals"])

LIST_DOC = """List deals, newest change first, with keyset pages (`limit` 1-200, `cursor`).

Filters: `field=value`, `field__in=a,b`, `__gte/__lte/__gt/__lt`, `__contains`, `__empty=true|false` on
name, amount, currency, pipeline_id, stage_id, status (open, won, lost), owner_id, company_id, probability,
expected_close_date, closed_at, stage_entered_at, tags, created_at, updated_at; `contact_id=` (deals of a
contact); custom fields as `cf.<key>`. `sort=name|amount|probability|expected_close_date|closed_at|
stage_entered_at|created_at|-updated_at|cf.<key>`; `q=` full-text search on the name. Roles without
`deal_amounts:read` get `amount: null` and may not filter or sort by amount (403). Sales see only
their own deals. The total is exact up to 10,000 and an estimate (`exact: false`) beyond."""


@router.get("", response_model=Page[DealOut], description=LIST_DOC)
async def list_deals(
    request: Request,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("deals", "read"))],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    include_deleted: bool = False,
    count: bool | None = None,
) -> Response:
    page = await service.list_deals(
        session,
        runtime,
        principal,
        query=list(request.query_params.multi_items()),
        limit=check_limit(limit),
        cursor=cursor,
        q=q,
        include_deleted=include_deleted,
        want_total=count if count is not None else cursor is None,
    )
    return page_response(page)


@router.post("", response_model=DealOut, status_code=201)
async def create_deal(
    body: DealCreate,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("deals", "create"))],
) -> DealOut:
    """Create a deal. Without `pipeline_id` it goes to the default pipeline, without `stage_id` to
    the pipeline's first open stage (or its won/lost stage with `status`); the probability defaults
    to the stage's. The deal is placed at the bottom of its board column."""
    return await service.create(session, runtime, principal, body)


@router.get("/{deal_id}", response_model=DealOut)
async def get_deal(
    deal_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("deals", "read"))],
) -> JSONResponse:
    """One deal. The `ETag` is its version, for `If-Match` on PATCH."""
    deal = await service.get(session, runtime, principal, deal_id)
    return JSONResponse(deal.model_dump(mode="json"), headers={"ETag": f'"{deal.version}"'})


@router.patch(
    "/{deal_id}",
    response_model=DealOut,
    responses={412: {"description": "the deal changed since the version you edited"}},
)
async def update_deal(
    deal_id: uuid.UUID,
    body: DealPatch,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("deals", "update"))],
    if_match: Annotated[str | None, Header()] = None,
) -> DealOut:
    """Change some fields. A new `stage_id` (or `status: won|lost`) moves the deal: stage history is
    recorded, a won/lost stage closes it (losing needs `lost_reason`). Send `If-Match: "<version>"`
    (or `version`) to be told (412) instead of overwriting someone else's edit."""
    return await service.update(
        session, runtime, principal, deal_id, body, expected_version=parse_if_match(if_match)
    )


@router.post(
    "/{deal_id}/move",
    response_model=DealOut,
    responses={409: {"description": "a neighbour left the column: reload the board"}},
)
async def move_deal(
    deal_id: uuid.UUID,
    body: DealMove,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("deals", "update"))],
) -> DealOut:
    """Drop a card on the board: set its stage and its place (right after `after_id`, else right
    before `before_id`, else at the bottom) in one call. Only the moved card is rewritten (rarely a
    few neighbours, never the column); a stage change records history and may close the deal."""
    return await moving.move(session, runtime, principal, deal_id, body)


@router.get("/{deal_id}/stage-history", response_model=list[StageChangeOut])
async def deal_stage_history(
    deal_id: uuid.UUID,
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("deals", "read"))],
) -> list[StageChangeOut]:
    """Every stage the deal entered, oldest first, with when and by whom."""
    return await moving.stage_history(session, principal, deal_id)


@router.delete("/{deal_id}", status_code=204)
async def delete_deal(
    deal_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("deals", "delete"))],
) -> Response:
    """Move a deal to the trash (restorable)."""
    await service.soft_delete(session, runtime, principal, deal_id)
    return Response(status_code=204)


@router.post("/{deal_id}/restore", response_model=DealOut)
async def restore_deal(
    deal_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("deals", "delete"))],
) -> DealOut:
    """Bring a deal back from the trash (at the bottom of its column)."""
    return await service.restore(session, runtime, principal, deal_id)


@router.delete("/{deal_id}/erase", status_code=204)
async def erase_deal(
    deal_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("deals", "delete"))],
) -> Response:
    """Delete a deal for good, with its history and activities; only the audit record remains."""
    await service.erase(session, runtime, principal, deal_id)
    return Response(status_code=204)


@router.post("/bulk-update", response_model=BulkResponse)
async def bulk_update(
    body: DealBulkUpdate,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("deals", "update"))],
) -> BulkResponse:
    """Change owner, stage (with `lost_reason` for a lost stage) or tags of up to 500 deals; one
    result per deal."""
    return await bulk.bulk_update(session, runtime, principal, body)


@router.post("/bulk-delete", response_model=BulkResponse)
async def bulk_delete(
    body: BulkDelete,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("deals", "delete"))],
) -> BulkResponse:
    """Trash up to 500 deals; one result per deal."""
    return await bulk.bulk_delete(session, runtime, principal, body)
