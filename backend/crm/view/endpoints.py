"""/api/v1/saved-views."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.kit.pagination import Page
from crm.view import service
from crm.view.schemas import ObjectType, SavedViewCreate, SavedViewOut, SavedViewPatch

router = APIRouter(prefix="/saved-views", tags=["saved views"])


@router.get("", response_model=Page[SavedViewOut])
async def list_saved_views(
    principal: Annotated[Principal, Depends(require_permission("saved_views", "read"))],
    session: TenantSession,
    object_type: ObjectType | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[SavedViewOut]:
    """The views you can use, by name: yours, your teams' and the organisation's. Apply one by
    appending its `query` to the object's list endpoint (or pass `view_id` to an export)."""
    return await service.list_views(session, principal, object_type=object_type, limit=limit, cursor=cursor)


@router.post("", response_model=SavedViewOut, status_code=201)
async def create_saved_view(
    body: SavedViewCreate,
    principal: Annotated[Principal, Depends(require_permission("saved_views", "create"))],
    session: TenantSession,
    runtime: RuntimeDep,
) -> SavedViewOut:
    """Save columns, filters and sort of a list; keep it private or share it with a team you are in
    or the whole organisation. Filters and sort are checked against the object's list rules."""
    return await service.create(session, runtime, principal, body)


@router.get("/{view_id}", response_model=SavedViewOut)
async def get_saved_view(
    view_id: uuid.UUID,
    principal: Annotated[Principal, Depends(require_permission("saved_views", "read"))],
    session: TenantSession,
) -> SavedViewOut:
    """One view you can see (another person's private view is 404)."""
    return await service.get(session, principal, view_id)


@router.patch("/{view_id}", response_model=SavedViewOut)
async def update_saved_view(
    view_id: uuid.UUID,
    body: SavedViewPatch,
    principal: Annotated[Principal, Depends(require_permission("saved_views", "update"))],
    session: TenantSession,
    runtime: RuntimeDep,
) -> SavedViewOut:
    """Rename, re-share, or change columns, filters or sort (owner, or an admin for a shared view)."""
    return await service.update(session, runtime, principal, view_id, body)


@router.delete("/{view_id}", status_code=204)
async def delete_saved_view(
    view_id: uuid.UUID,
    principal: Annotated[Principal, Depends(require_permission("saved_views", "delete"))],
    session: TenantSession,
) -> Response:
    """Delete a view (owner, or an admin for a shared view)."""
    await service.delete(session, principal, view_id)
    return Response(status_code=204)
