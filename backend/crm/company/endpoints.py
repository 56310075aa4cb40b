"""/api/v1/companies."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.company import bulk, service
from crm.company.schemas import (
    BulkDelete,
    BulkResponse,
    CompanyBulkUpdate,
    CompanyCreate,
    CompanyOut,
    CompanyPatch,
)
from crm.core.deps import RuntimeDep
from crm.kit.jsonout import page_response
from crm.kit.pagination import Page, check_limit
from crm.kit.records import parse_if_match

router = APIRouter(prefix="/companies", tags=["companies"])

LIST_DOC = """List companies, newest change first, with keyset pages (`limit` 1-200, `cursor`).

Filters: `field=value`, `field__in=a,b`, `__gte/__lte/__gt/__lt`, `__contains`, `__empty=true|false` on
name, domain, industry, employee_count, annual_revenue, currency, owner_id, tags, created_at, updated_at;
custom fields as `cf.<key>`. `sort=name|-updated_at|created_at|annual_revenue|employee_count|cf.<key>`;
`q=` full-text search on name, domain and industry. The total is exact up to 10,000 and an estimate
(`exact: false`) beyond; it is computed on first pages only (or with `count=true`)."""


@router.get("", response_model=Page[CompanyOut], description=LIST_DOC)
async def list_companies(
    request: Request,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("companies", "read"))],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    include_deleted: bool = False,
    count: bool | None = None,
) -> Response:
    page = await service.list_companies(
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


@router.post("", response_model=CompanyOut, status_code=201)
async def create_company(
    body: CompanyCreate,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("companies", "create"))],
) -> CompanyOut:
    """Create a company. The domain is normalised (`https://www.Clinic.example/` -> `clinic.example`)."""
    return await service.create(session, runtime, principal, body)


@router.get("/{company_id}", response_model=CompanyOut)
async def get_company(
    company_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("companies", "read"))],
) -> JSONResponse:
    """One company. The `ETag` is its version, for `If-Match` on PATCH."""
    company = await service.get(session, runtime, principal, company_id)
    return JSONResponse(company.model_dump(mode="json"), headers={"ETag": f'"{company.version}"'})


@router.patch(
    "/{company_id}",
    response_model=CompanyOut,
    responses={412: {"description": "the company changed since the version you edited"}},
)
async def update_company(
    company_id: uuid.UUID,
    body: CompanyPatch,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("companies", "update"))],
    if_match: Annotated[str | None, Header()] = None,
) -> CompanyOut:
    """Change some fields. Send `If-Match: "<version>"` (or `version` in the body) to be told (412)
    instead of overwriting someone else's edit. A new name is copied to the company's contacts."""
    return await service.update(
        session, runtime, principal, company_id, body, expected_version=parse_if_match(if_match)
    )


@router.delete("/{company_id}", status_code=204)
async def delete_company(
    company_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("companies", "delete"))],
) -> Response:
    """Move a company to the trash (restorable)."""
    await service.soft_delete(session, runtime, principal, company_id)
    return Response(status_code=204)


@router.post("/{company_id}/restore", response_model=CompanyOut)
async def restore_company(
    company_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("companies", "delete"))],
) -> CompanyOut:
    """Bring a company back from the trash."""
    return await service.restore(session, runtime, principal, company_id)


@router.delete("/{company_id}/erase", status_code=204)
async def erase_company(
    company_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("companies", "delete"))],
) -> Response:
    """Delete a company for good; its contacts and deals stay, unlinked. Only the audit record remains."""
    await service.erase(session, runtime, principal, company_id)
    return Response(status_code=204)


@router.post("/bulk-update", response_model=BulkResponse)
async def bulk_update(
    body: CompanyBulkUpdate,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("companies", "update"))],
) -> BulkResponse:
    """Change owner, industry or tags of up to 500 companies; one result per company."""
    return await bulk.bulk_update(session, runtime, principal, body)


@router.post("/bulk-delete", response_model=BulkResponse)
async def bulk_delete(
    body: BulkDelete,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("companies", "delete"))],
) -> BulkResponse:
    """Trash up to 500 companies; one result per company."""
    return await bulk.bulk_delete(session, runtime, principal, body)
