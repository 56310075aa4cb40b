"""Feature flags: every caller reads its effective flags; admins list and override them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query

from crm.auth.dependencies import CurrentPrincipal, TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.flags import service
from crm.flags.registry import MAX_KEY_LENGTH
from crm.flags.schemas import EffectiveFlags, FlagList, FlagRead, FlagUpdate
from crm.models.tenancy import Role

router = APIRouter(prefix="/flags", tags=["flags"])

FlagKey = Annotated[str, Path(max_length=MAX_KEY_LENGTH, description="A flag key such as ai.sentiment.")]


@router.get("/effective", response_model=EffectiveFlags)
async def effective_flags(principal: CurrentPrincipal, runtime: RuntimeDep) -> EffectiveFlags:
    """Every feature flag's value for the caller, for the web app to show or hide features.

    Any signed-in caller may ask. The server enforces the same values on the gated endpoints.
    """
    return await service.effective_flags(runtime, principal)


@router.get("", response_model=FlagList)
async def list_flags(
    principal: Annotated[Principal, Depends(require_permission("flags", "read"))], session: TenantSession
) -> FlagList:
    """Every feature flag with its description, coded default, the organisation's overrides and the
    effective value for the organisation and for each role."""
    return await service.list_flags(session, principal.organization_id)


@router.get("/{key}", response_model=FlagRead)
async def get_flag(
    key: FlagKey,
    principal: Annotated[Principal, Depends(require_permission("flags", "read"))],
    session: TenantSession,
) -> FlagRead:
    """One feature flag with its overrides and effective values."""
    return await service.get_flag(session, principal.organization_id, key)


@router.put("/{key}", response_model=FlagRead)
async def set_flag(
    key: FlagKey,
    body: FlagUpdate,
    principal: Annotated[Principal, Depends(require_permission("flags", "update"))],
    session: TenantSession,
    runtime: RuntimeDep,
    background: BackgroundTasks,
) -> FlagRead:
    """Turn a flag on or off for the whole organisation, or (with ``role``) for one role.

    A role's override wins over the org-wide value for members of that role.
    """
    flag = await service.set_override(
        session, runtime.cache, principal, key, enabled=body.enabled, role=body.role
    )
    # Background tasks run after the response is ready, so after the commit.
    background.add_task(service.forget, runtime.cache, principal.organization_id)
    return flag


@router.delete("/{key}", response_model=FlagRead)
async def reset_flag(
    key: FlagKey,
    principal: Annotated[Principal, Depends(require_permission("flags", "update"))],
    session: TenantSession,
    runtime: RuntimeDep,
    background: BackgroundTasks,
    role: Annotated[
        Role | None, Query(description="Reset this role's override; omit for the org-wide one.")
    ] = None,
) -> FlagRead:
    """Remove an override, so the flag falls back to the org-wide value or the coded default."""
    flag = await service.reset_override(session, runtime.cache, principal, key, role=role)
    background.add_task(service.forget, runtime.cache, principal.organization_id)
    return flag
