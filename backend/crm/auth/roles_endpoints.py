"""/api/v1/roles: the permission matrix of this organisation, and per-role adjustments by admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import delete, select

from crm.audit.service import record_event
from crm.auth import access
from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.permissions import RESOURCES, Action, Scope, default_scope, is_valid_cell
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.core.errors import BadRequest
from crm.kit.examples import example
from crm.models import RolePermission
from crm.models.tenancy import Role

router = APIRouter(prefix="/roles", tags=["roles"])

ScopeName = str


class RoleMatrix(BaseModel):
    model_config = example(
        {
            "resources": {
                "contacts": ["create", "delete", "read", "update"],
                "deals": ["create", "delete", "read", "update"],
            },
            "scopes": ["none", "own", "team", "all"],
            "roles": {"sales": {"contacts:read": "all", "deals:update": "team"}},
            "defaults": {"sales": {"contacts:read": "all", "deals:update": "own"}},
        }
    )
    resources: dict[str, list[str]]
    scopes: list[str]
    roles: dict[str, dict[str, ScopeName]]
    defaults: dict[str, dict[str, ScopeName]]


class RoleUpdate(BaseModel):
    model_config = example(
        {"cells": {"deals:update": "team"}},
        extra="forbid",
    )
    cells: dict[str, ScopeName]


async def _matrix(session: TenantSession) -> RoleMatrix:
    overrides: dict[str, dict[str, str]] = {}
    for role in Role:
        overrides[role.value] = await access.load_overrides(session, role)
    cells = [
        f"{resource}:{action.value}" for resource, actions in RESOURCES.items() for action in sorted(actions)
    ]
    defaults = {
        role.value: {cell: default_scope(role, *_split(cell)).label for cell in cells} for role in Role
    }
    effective = {
        role: {cell: overrides[role].get(cell, scope) for cell, scope in values.items()}
        for role, values in defaults.items()
    }
    return RoleMatrix(
        resources={resource: sorted(a.value for a in actions) for resource, actions in RESOURCES.items()},
        scopes=[scope.label for scope in Scope],
        roles=effective,
        defaults=defaults,
    )


def _split(cell: str) -> tuple[str, Action]:
    resource, _, action = cell.partition(":")
    try:
        parsed = Action(action)
    except ValueError:
        raise BadRequest(f"unknown permission {cell!r}", code="unknown_permission") from None
    if not is_valid_cell(resource, parsed):
        raise BadRequest(f"unknown permission {cell!r}", code="unknown_permission")
    return resource, parsed


@router.get("", response_model=RoleMatrix)
async def get_matrix(
    session: TenantSession, _: Annotated[Principal, Depends(require_permission("roles", "read"))]
) -> RoleMatrix:
    """Every role's scope for every resource and action, with the built-in defaults beside it."""
    return await _matrix(session)


@router.put("/{role}", response_model=RoleMatrix)
async def update_role(
    role: Role,
    body: RoleUpdate,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("roles", "update"))],
) -> RoleMatrix:
    """Set cells of one role (`{"cells": {"deals:read": "team"}}`); a cell equal to the default is reset.
    The admin role cannot be edited, so an organisation can never lock itself out."""
    if role is Role.admin:
        raise BadRequest("the admin role cannot be changed", code="admin_role_fixed")
    parsed = {}
    for cell, scope_name in body.cells.items():
        resource, action = _split(cell)
        if scope_name not in Scope.__members__:
            raise BadRequest(f"unknown scope {scope_name!r}", code="unknown_scope")
        parsed[(resource, action)] = Scope[scope_name]
    changes: dict[str, tuple[object, object]] = {}
    existing = {
        f"{r}:{a}": s
        for r, a, s in (
            await session.execute(
                select(RolePermission.resource, RolePermission.action, RolePermission.scope).where(
                    RolePermission.role == role.value
                )
            )
        )
    }
    for (resource, action), scope in parsed.items():
        cell = f"{resource}:{action.value}"
        before = existing.get(cell, default_scope(role, resource, action).label)
        await session.execute(
            delete(RolePermission).where(
                RolePermission.role == role.value,
                RolePermission.resource == resource,
                RolePermission.action == action.value,
            )
        )
        if scope != default_scope(role, resource, action):
            session.add(
                RolePermission(role=role.value, resource=resource, action=action.value, scope=scope.label)
            )
        if before != scope.label:
            changes[cell] = (before, scope.label)
    await session.flush()
    await access.forget_role_permissions(runtime, principal.organization_id)
    if changes:
        await record_event(
            session,
            action="role.update",
            actor=principal,
            entity_type="role",
            entity_id=role.value,
            changes=changes,
        )
    return await _matrix(session)
