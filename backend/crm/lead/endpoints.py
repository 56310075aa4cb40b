"""/api/v1/leads."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.kit.jsonout import page_response
from crm.kit.pagination import Page, check_limit
from crm.kit.records import parse_if_match
from crm.lead import bulk, convert, service
from crm.lead.schemas import (
    BulkDelete,
    BulkResponse,
    ConversionOut,
    LeadBulkUpdate,
    LeadConvert,
    LeadCreate,
    LeadOut,
    LeadPatch,
)

router = APIRouter(prefix="/leads", tags=["leads"])

LIST_DOC = """List leads, newest change first, with keyset pages (`limit` 1-200, `cursor`).

Filters: `field=value`, `field__in=a,b`, `__gte/__lte/__gt/__lt`, `__contains`, `__empty=true|false` on
name, first_name, last_name, company_name, job_title, source, status (new, contacted, qualified, converted,
lost), owner_id, tags, score, scored_at, converted_at, created_at, updated_at; `email=` and `phone=` match
exactly through the blind index (and `__empty`); custom fields as `cf.<key>`.
`sort=-score` (hottest first, unscored last) `|name|created_at|-updated_at|cf.<key>`; `q=` full-text search
on names, title and company. The total is exact up to 10,000 and an estimate (`exact: false`) beyond."""


@router.get("", response_model=Page[LeadOut], description=LIST_DOC)
async def list_leads(
    request: Request,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("leads", "read"))],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    include_deleted: bool = False,
    count: bool | None = None,
) -> Response:
    page = await service.list_leads(
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


@router.post("", response_model=LeadOut, status_code=201)
async def create_lead(
    body: LeadCreate,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("leads", "create"))],
) -> LeadOut:
    """Create a lead (status `new` unless given). It needs a name, an e-mail, a phone or a company.
    Score fields are the AI service's: a body naming them is refused (422)."""
    return await service.create(session, runtime, principal, body)


@router.get("/{lead_id}", response_model=LeadOut)
async def get_lead(
    lead_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("leads", "read"))],
) -> JSONResponse:
    """One lead, e-mail and phone decrypted. The `ETag` is its version, for `If-Match` on PATCH."""
    lead = await service.get(session, runtime, principal, lead_id)
    return JSONResponse(lead.model_dump(mode="json"), headers={"ETag": f'"{lead.version}"'})


@router.patch(
    "/{lead_id}",
    response_model=LeadOut,
    responses={412: {"description": "the lead changed since the version you edited"}},
)
async def update_lead(
    lead_id: uuid.UUID,
    body: LeadPatch,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("leads", "update"))],
    if_match: Annotated[str | None, Header()] = None,
) -> LeadOut:
    """Change some fields. Status flow: new <-> contacted -> qualified, any open status -> lost (needs
    `lost_reason`), lost -> reopened; `converted` only through `/convert`. Send `If-Match` (or
    `version`) to be told (412) instead of overwriting someone else's edit."""
    return await service.update(
        session, runtime, principal, lead_id, body, expected_version=parse_if_match(if_match)
    )


@router.post(
    "/{lead_id}/convert",
    response_model=ConversionOut,
    responses={409: {"description": "the lead is already converted"}},
)
async def convert_lead(
    lead_id: uuid.UUID,
    body: LeadConvert,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("leads", "update"))],
) -> ConversionOut:
    """Convert a lead in one transaction: link the contact with the same e-mail (or phone) or create
    one, link the company with the e-mail's domain or the lead's company name or create it, and with
    `create_deal` open a deal for them; the lead's activities also go to the contact. Creating each
    record needs its own permission. Converting twice is refused (409)."""
    return await convert.convert(session, runtime, principal, lead_id, body)


@router.delete("/{lead_id}", status_code=204)
async def delete_lead(
    lead_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("leads", "delete"))],
) -> Response:
    """Move a lead to the trash (restorable)."""
    await service.soft_delete(session, runtime, principal, lead_id)
    return Response(status_code=204)


@router.post("/{lead_id}/restore", response_model=LeadOut)
async def restore_lead(
    lead_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("leads", "delete"))],
) -> LeadOut:
    """Bring a lead back from the trash."""
    return await service.restore(session, runtime, principal, lead_id)


@router.delete("/{lead_id}/erase", status_code=204)
async def erase_lead(
    lead_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("leads", "delete"))],
) -> Response:
    """GDPR erasure: delete the lead and its data for good; only the audit record remains."""
    await service.erase(session, runtime, principal, lead_id)
    return Response(status_code=204)


@router.post("/bulk-update", response_model=BulkResponse)
async def bulk_update(
    body: LeadBulkUpdate,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("leads", "update"))],
) -> BulkResponse:
    """Change owner, status (with `lost_reason` for lost) or tags of up to 500 leads; one result each."""
    return await bulk.bulk_update(session, runtime, principal, body)


@router.post("/bulk-delete", response_model=BulkResponse)
async def bulk_delete(
    body: BulkDelete,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("leads", "delete"))],
) -> BulkResponse:
    """Trash up to 500 leads; one result per lead."""
    return await bulk.bulk_delete(session, runtime, principal, body)
