"""API keys: minting (shown once, stored hashed), listing and revoking them.

A key acts with exactly the matrix cells chosen when it was made, each no wider than its creator
held then. Authenticating requests made with keys is in ``crm.apikey.auth``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from typing import cast

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from crm.apikey import repository
from crm.apikey.auth import (
    authenticate_api_key as authenticate_api_key,  # crm.auth.access imports it from here
)
from crm.apikey.auth import forget, mint, now, permissions_of
from crm.apikey.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPage,
    ApiKeyRead,
    KeyStatus,
    PermissionGrant,
    ScopeName,
)
from crm.audit.service import record_event
from crm.auth.access import API_KEY_PREFIX
from crm.auth.permissions import Action, Scope, is_valid_cell
from crm.auth.principal import Principal
from crm.core.cache import Cache
from crm.core.errors import BadRequest, Forbidden, NotFound
from crm.models import ApiKey


class InvalidPermission(BadRequest):
    code = "invalid_permission"


class PermissionNotHeld(Forbidden):
    code = "permission_not_held"


class InvalidExpiry(BadRequest):
    code = "invalid_expiry"


class InvalidCursor(BadRequest):
    code = "invalid_cursor"


class ApiKeyNotFound(NotFound):
    code = "not_found"


# --- the grant ---------------------------------------------------------------------------------


def _cell(resource: str, action: Action) -> str:
    return f"{resource}:{action.value}"


def grant_for(principal: Principal, wanted: list[PermissionGrant]) -> dict[str, str]:
    """The cells a new key gets: each must exist in the matrix and be held by the creator at least
    at the scope asked for, else the whole request is refused (a key never outranks its maker)."""
    grant: dict[str, str] = {}
    for item in wanted:
        if not is_valid_cell(item.resource, item.action):
            raise InvalidPermission(f"{item.resource}:{item.action.value} is not a permission")
        cell = _cell(item.resource, item.action)
        if cell in grant:
            raise InvalidPermission(f"{cell} is listed twice")
        if principal.scope(item.resource, item.action) < Scope[item.scope]:
            raise PermissionNotHeld(f"you cannot give a key {cell} at scope {item.scope}: you do not hold it")
        grant[cell] = item.scope
    return grant


def _grants(stored: dict[str, str]) -> list[PermissionGrant]:
    return [
        PermissionGrant(resource=resource, action=action, scope=cast(ScopeName, scope.name))
        for (resource, action), scope in sorted(permissions_of(stored).items())
    ]


# --- management ----------------------------------------------------------------------------------


def status_of(row: ApiKey, at: dt.datetime | None = None) -> KeyStatus:
    if row.revoked_at is not None:
        return KeyStatus.revoked
    if row.expires_at is not None and row.expires_at <= (at or now()):
        return KeyStatus.expired
    return KeyStatus.active


def _read(row: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=row.id,
        name=row.name,
        prefix=f"{API_KEY_PREFIX}{row.public_id}",
        permissions=_grants(row.permissions),
        status=status_of(row),
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        last_used_ip=str(row.last_used_ip) if row.last_used_ip is not None else None,
        revoked_at=row.revoked_at,
    )


async def create_key(session: AsyncSession, principal: Principal, body: ApiKeyCreate) -> ApiKeyCreated:
    """Mint a key for the caller's organisation; the response is the only time the token is shown."""
    grant = grant_for(principal, body.permissions)
    if body.expires_at is not None and body.expires_at <= now():
        raise InvalidExpiry("expires_at must be in the future")
    public_id, token, hashed = mint()
    row = await repository.insert_key(
        session,
        organization_id=principal.organization_id,
        name=body.name,
        public_id=public_id,
        secret_hash=hashed,
        permissions=grant,
        created_by=principal.user_id,
        expires_at=body.expires_at,
    )
    # The public id names the key in the trail; the token and its hash never go there.
    await record_event(
        session,
        action="api_key.create",
        actor=principal,
        entity_type="api_key",
        entity_id=row.id,
        changes={
            "name": (None, row.name),
            "permissions": (None, grant),
            "expires_at": (None, row.expires_at.isoformat() if row.expires_at else None),
        },
        meta={"public_id": public_id},
    )
    return ApiKeyCreated(**_read(row).model_dump(), token=token)


def _visible(principal: Principal, action: Action) -> ColumnElement[bool] | None:
    return repository.visible_to(principal.scope("api_keys", action), principal.user_id, principal.team_ids)


def _encode_cursor(row: ApiKey) -> str:
    raw = json.dumps([row.created_at.isoformat(), str(row.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        created_at, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return dt.datetime.fromisoformat(created_at), uuid.UUID(row_id)
    except (binascii.Error, ValueError, TypeError):
        raise InvalidCursor("the cursor is not one this endpoint returned") from None


async def list_keys(
    session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
) -> ApiKeyPage:
    rows = await repository.page(
        session,
        principal.organization_id,
        visible=_visible(principal, Action.read),
        limit=limit,
        after=_decode_cursor(cursor) if cursor else None,
    )
    items = rows[:limit]
    return ApiKeyPage(
        items=[_read(row) for row in items],
        next_cursor=_encode_cursor(items[-1]) if len(rows) > limit else None,
    )


async def get_key(session: AsyncSession, principal: Principal, key_id: uuid.UUID) -> ApiKeyRead:
    row = await repository.get(
        session, principal.organization_id, key_id, visible=_visible(principal, Action.read)
    )
    if row is None:
        raise ApiKeyNotFound("no such API key")
    return _read(row)


async def revoke_key(session: AsyncSession, cache: Cache, principal: Principal, key_id: uuid.UUID) -> ApiKey:
    """Revoke a key for good (idempotent). Requests with it get 401 from the next one on."""
    visible = _visible(principal, Action.delete)
    row = await repository.get(session, principal.organization_id, key_id, visible=visible)
    if row is None:
        raise ApiKeyNotFound("no such API key")
    if row.revoked_at is None:
        revoked = await repository.revoke(
            session, principal.organization_id, key_id, at=now(), by=principal.user_id
        )
        if revoked is not None:
            row = revoked
            await record_event(
                session,
                action="api_key.revoke",
                actor=principal,
                entity_type="api_key",
                entity_id=row.id,
                changes={"revoked_at": (None, row.revoked_at.isoformat() if row.revoked_at else None)},
                meta={"public_id": row.public_id},
            )
    await forget(cache, row.public_id)
    return row
