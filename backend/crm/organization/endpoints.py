"""/api/v1/organization: the caller's organisation and its security settings."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from crm.audit.service import record_event
from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.errors import NotFound
from crm.kit import examples as ex
from crm.kit.examples import example
from crm.models import Organization
from crm.models.tenancy import Role

router = APIRouter(prefix="/organization", tags=["organization"])


class OrganizationOut(BaseModel):
    model_config = example(
        {
            "id": ex.ORGANIZATION_ID,
            "name": "Sonrisa Dental Group",
            "slug": "sonrisa",
            "mfa_required_roles": ["admin"],
        },
        from_attributes=True,
    )
    id: uuid.UUID
    name: str
    slug: str
    mfa_required_roles: list[Role]


class OrganizationUpdate(BaseModel):
    model_config = example(
        {"name": "Sonrisa Dental Group S.L.", "mfa_required_roles": ["admin", "sales"]},
        extra="forbid",
    )
    name: str | None = Field(default=None, min_length=1, max_length=200)
    mfa_required_roles: list[Role] | None = None


async def _current(session: TenantSession, principal: Principal) -> Organization:
    organization = await session.get(Organization, principal.organization_id)
    if organization is None:
        raise NotFound("no such organisation")
    return organization


@router.get("", response_model=OrganizationOut)
async def get_organization(
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("organization", "read"))],
) -> Organization:
    """The organisation you are signed in to."""
    return await _current(session, principal)


@router.patch("", response_model=OrganizationOut)
async def update_organization(
    body: OrganizationUpdate,
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("organization", "update"))],
) -> Organization:
    """Rename the organisation, or require MFA for chosen roles (all four: everyone)."""
    organization = await _current(session, principal)
    changes: dict[str, tuple[object, object]] = {}
    if body.name is not None and body.name != organization.name:
        changes["name"] = (organization.name, body.name)
        organization.name = body.name
    if body.mfa_required_roles is not None:
        roles = sorted({role.value for role in body.mfa_required_roles})
        changes["mfa_required_roles"] = (list(organization.mfa_required_roles), roles)
        organization.mfa_required_roles = roles
    if changes:
        await record_event(
            session,
            action="organization.update",
            actor=principal,
            entity_type="organization",
            entity_id=organization.id,
            changes=changes,
        )
    return organization
