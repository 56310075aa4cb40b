"""/api/v1/contacts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.contact import bulk, service
from crm.contact.schemas import BulkDelete, BulkResponse, BulkUpdate, ContactCreate, ContactOut, ContactPatch
from crm.core.deps import RuntimeDep
from crm.kit.jsonout import page_response
from crm.kit.pagination import Page, check_limit
from crm.kit.records import parse_if_match

router = APIRouter(prefix="/contacts", tags=["contacts"])

LIST_DOC = """List contacts, newest change first, with keyset pages (`limit` 1-200, `cursor`).

Filters: `field=value`, `field__in=a,b`, `__gte/__lte/__gt/__lt`, `__contains`, `__empty=true|false` on
name, first_name, last_name, job_title, company_id, company_name, owner_id, lifecycle_stage, tags,
consent_*, created_at, updated_at; `email=` and `phone=` match exactly through the blind index; custom
fields as `cf.<key>`. `sort=name|-updated_at|created_at|cf.<key>`; `q=` full-text search on names, title
and company. The total is exact up to 10,000 and an estimate (`exact: false`) beyond; it is computed on
first pages only (or with `count=true`)."""


@router.get("", response_model=Page[ContactOut], description=LIST_DOC)
async def list_contacts(
    request: Request,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("contacts", "read"))],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    include_deleted: bool = False,
    count: bool | None = None,
) -> Response:
    page = await service.list_contacts(
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


@router.post(
    "",
    response_model=ContactOut,
    status_code=201,
    responses={409: {"description": "an exact duplicate (same e-mail or phone) exists"}},
)
async def create_contact(
    body: ContactCreate,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("contacts", "create"))],
    allow_duplicate: bool = False,
) -> ContactOut:
    """Create a contact. A contact with the same e-mail or phone is refused (409, with its id)
    unless `allow_duplicate=true`."""
    return await service.create(session, runtime, principal, body, allow_duplicate=allow_duplicate)


@router.get("/{contact_id}", response_model=ContactOut)
async def get_contact(
    contact_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("contacts", "read"))],
) -> Response:
    """One contact, PII decrypted. The `ETag` is its version, for `If-Match` on PATCH."""
    contact = await service.get(session, runtime, principal, contact_id)
    # Serialised once, straight to bytes (the same JSON as JSONResponse(model_dump(mode="json"))).
    return Response(
        contact.model_dump_json(), media_type="application/json", headers={"ETag": f'"{contact.version}"'}
    )


@router.patch(
    "/{contact_id}",
    response_model=ContactOut,
    responses={412: {"description": "the contact changed since the version you edited"}},
)
async def update_contact(
    contact_id: uuid.UUID,
    body: ContactPatch,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("contacts", "update"))],
    if_match: Annotated[str | None, Header()] = None,
) -> ContactOut:
    """Change some fields. Send `If-Match: "<version>"` (or `version` in the body) to be told (412)
    instead of overwriting someone else's edit."""
    return await service.update(
        session, runtime, principal, contact_id, body, expected_version=parse_if_match(if_match)
    )


@router.delete("/{contact_id}", status_code=204)
async def delete_contact(
    contact_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("contacts", "delete"))],
) -> Response:
    """Move a contact to the trash (restorable)."""
    await service.soft_delete(session, runtime, principal, contact_id)
    return Response(status_code=204)


@router.post("/{contact_id}/restore", response_model=ContactOut)
async def restore_contact(
    contact_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("contacts", "delete"))],
) -> ContactOut:
    """Bring a contact back from the trash."""
    return await service.restore(session, runtime, principal, contact_id)


@router.delete("/{contact_id}/erase", status_code=204)
async def erase_contact(
    contact_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("contacts", "delete"))],
) -> Response:
    """GDPR erasure: delete the person and their data for good; only the audit record remains."""
    await service.erase(session, runtime, principal, contact_id)
    return Response(status_code=204)


@router.post("/bulk-update", response_model=BulkResponse)
async def bulk_update(
    body: BulkUpdate,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("contacts", "update"))],
) -> BulkResponse:
    """Change owner, lifecycle stage or tags of up to 500 contacts; one result per contact."""
    return await bulk.bulk_update(session, runtime, principal, body)


@router.post("/bulk-delete", response_model=BulkResponse)
async def bulk_delete(
    body: BulkDelete,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("contacts", "delete"))],
) -> BulkResponse:
    """Trash up to 500 contacts; one result per contact."""
    return await bulk.bulk_delete(session, runtime, principal, body)
