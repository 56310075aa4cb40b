"""API keys for integrations: list, mint (the token is shown once), read, revoke."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Response, status

from crm.apikey import auth, service
from crm.apikey.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPage, ApiKeyRead
from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


@router.get("", response_model=ApiKeyPage)
async def list_api_keys(
    principal: Annotated[Principal, Depends(require_permission("api_keys", "read"))],
    session: TenantSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ApiKeyPage:
    """List the organisation's API keys, newest first, revoked and expired ones included.

    Never shows a key's secret: only its public prefix, permissions, status and last use.
    """
    return await service.list_keys(session, principal, limit=limit, cursor=cursor)


@router.post("", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
async def create_api_key(
    body: ApiKeyCreate,
    principal: Annotated[Principal, Depends(require_permission("api_keys", "create"))],
    session: TenantSession,
) -> ApiKeyCreated:
    """Mint an API key limited to the permissions listed, each of which you must hold yourself at
    least at the scope asked for (403 ``permission_not_held`` otherwise).

    The response's ``token`` is the key: it is shown this once and stored only as a hash. Send it
    as ``Authorization: Bearer <token>``.
    """
    return await service.create_key(session, principal, body)


@router.get("/{key_id}", response_model=ApiKeyRead)
async def get_api_key(
    key_id: uuid.UUID,
    principal: Annotated[Principal, Depends(require_permission("api_keys", "read"))],
    session: TenantSession,
) -> ApiKeyRead:
    """One API key, without its secret."""
    return await service.get_key(session, principal, key_id)


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def revoke_api_key(
    key_id: uuid.UUID,
    principal: Annotated[Principal, Depends(require_permission("api_keys", "delete"))],
    session: TenantSession,
    runtime: RuntimeDep,
    background: BackgroundTasks,
) -> Response:
    """Revoke an API key for good: requests made with it are refused with 401 from now on.

    Revoking a revoked key succeeds again; the row stays listed, marked revoked, for the record.
    """
    row = await service.revoke_key(session, runtime.cache, principal, key_id)
    # Dropped again after the commit, in case a request refilled the cache in between.
    background.add_task(auth.forget, runtime.cache, row.public_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
