"""What a caller may do: effective role permissions (defaults + organisation overrides), session
revocation, and API-key principals. Cached, because every request asks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.permissions import DEFAULTS, Action, Scope, is_valid_cell
from crm.auth.principal import Principal
from crm.core.db import unit_of_work
from crm.core.errors import Unauthorized
from crm.core.opening import Guard
from crm.core.runtime import Runtime
from crm.models import RolePermission
from crm.models.tenancy import Role

API_KEY_PREFIX = "crm_key_"
PERMISSIONS_TTL_S = 300.0
REVOCATION_TTL_S = 900.0  # the longest an access token lives


def _permissions_key(organization_id: uuid.UUID, role: Role) -> str:
    return f"perm:{organization_id}:{role.value}"


async def load_overrides(session: AsyncSession, role: Role) -> dict[str, str]:
    rows = await session.execute(
        select(RolePermission.resource, RolePermission.action, RolePermission.scope).where(
            RolePermission.role == role.value
        )
    )
    return {f"{resource}:{action}": scope for resource, action, scope in rows}


def merge(role: Role, overrides: Mapping[str, str]) -> dict[tuple[str, Action], Scope]:
    cells = dict(DEFAULTS[role])
    for cell, scope in overrides.items():
        resource, _, action = cell.partition(":")
        if is_valid_cell(resource, Action(action)):
            cells[(resource, Action(action))] = Scope[scope]
    return cells


async def role_permissions(
    runtime: Runtime, organization_id: uuid.UUID, role: Role
) -> dict[tuple[str, Action], Scope]:
    key = _permissions_key(organization_id, role)
    raw = await runtime.cache.get(key)
    if raw is None:
        async with unit_of_work(runtime.sessions, organization_id) as session:
            overrides = await load_overrides(session, role)
        await runtime.cache.set(key, json.dumps(overrides), ttl=PERMISSIONS_TTL_S)
    else:
        overrides = json.loads(raw)
    return merge(role, overrides)


async def forget_role_permissions(runtime: Runtime, organization_id: uuid.UUID) -> None:
    for role in Role:
        await runtime.cache.delete(_permissions_key(organization_id, role))


async def mark_sessions_revoked(runtime: Runtime, session_ids: list[uuid.UUID]) -> None:
    for session_id in session_ids:
        await runtime.cache.set(f"auth:revoked:{session_id}", b"1", ttl=REVOCATION_TTL_S)


async def session_revoked(runtime: Runtime, session_id: uuid.UUID) -> bool:
    return await runtime.cache.get(f"auth:revoked:{session_id}") is not None


_SESSION_ACTIVE_SQL = (
    "SELECT 1 FROM auth_sessions WHERE id = %s AND revoked_at IS NULL AND expires_at > now()"
)


def session_active_guard(session_id: uuid.UUID, refuse: Callable[[], Exception]) -> Guard:
    """The authoritative revocation check, made inside the request's transaction as it opens
    (the cache may have restarted): ``refuse()`` is raised when the session has ended."""
    return Guard(_SESSION_ACTIVE_SQL, (session_id,), refuse)


async def principal_for_api_key(runtime: Runtime, token: str, ip: str | None) -> Principal:
    try:
        from crm.apikey.service import authenticate_api_key
    except ImportError:  # API keys land with their own module
        raise Unauthorized("invalid or expired token", code="invalid_token") from None
    return await authenticate_api_key(runtime, token, ip)
