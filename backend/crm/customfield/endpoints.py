"""/api/v1/custom-fields: define fields per object (contact, company, lead, deal)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.customfield import service
from crm.kit import examples as ex
from crm.kit.examples import example, list_example

router = APIRouter(prefix="/custom-fields", tags=["custom fields"])


class CustomFieldIn(BaseModel):
    model_config = example(
        {
            "object_type": "contact",
            "key": "preferred_language",
            "label": "Preferred language",
            "field_type": "select",
            "options": ["es", "en", "ca"],
        },
        extra="forbid",
    )
    object_type: str
    key: str = Field(min_length=1, max_length=60)
    label: str = Field(min_length=1, max_length=120)
    field_type: str
    required: bool = False
    is_pii: bool = False
    options: list[str] | None = Field(default=None, max_length=200)
    currency: str | None = Field(default=None, min_length=3, max_length=3)


class CustomFieldPatch(BaseModel):
    model_config = example(
        {"label": "Language for appointments", "required": True},
        extra="forbid",
    )
    label: str | None = Field(default=None, min_length=1, max_length=120)
    required: bool | None = None
    options: list[str] | None = Field(default=None, max_length=200)
    position: int | None = Field(default=None, ge=0, le=10_000)


class CustomFieldOut(BaseModel):
    model_config = example(
        {
            "id": ex.JOB_ID,
            "object_type": "contact",
            "key": "preferred_language",
            "label": "Preferred language",
            "field_type": "select",
            "required": False,
            "is_pii": False,
            "options": ["es", "en", "ca"],
            "currency": None,
            "position": 0,
        },
        from_attributes=True,
    )
    id: uuid.UUID
    object_type: str
    key: str
    label: str
    field_type: str
    required: bool
    is_pii: bool
    options: list[str] | None
    currency: str | None
    position: int


class CustomFieldList(BaseModel):
    model_config = example(list_example(CustomFieldOut))
    items: list[CustomFieldOut]


@router.get("", response_model=CustomFieldList)
async def list_fields(
    object_type: str,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("custom_fields", "read"))],
) -> CustomFieldList:
    """The active custom fields of one object type, in display order."""
    found = await service.definitions(session, runtime, principal.organization_id, object_type)
    return CustomFieldList(items=[CustomFieldOut.model_validate(d) for d in found.values()])


@router.post("", response_model=CustomFieldOut, status_code=201)
async def create_field(
    body: CustomFieldIn,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("custom_fields", "create"))],
) -> CustomFieldOut:
    """Add a field. PII fields are encrypted and filter only by equality and is-empty."""
    created = await service.create(session, runtime, principal, **body.model_dump())
    return CustomFieldOut.model_validate(created)


@router.patch("/{field_id}", response_model=CustomFieldOut)
async def update_field(
    field_id: uuid.UUID,
    body: CustomFieldPatch,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("custom_fields", "update"))],
) -> CustomFieldOut:
    """Relabel, reorder, make required, or add options."""
    updated = await service.update(session, runtime, principal, field_id, **body.model_dump())
    return CustomFieldOut.model_validate(updated)


@router.delete("/{field_id}", status_code=204)
async def archive_field(
    field_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("custom_fields", "delete"))],
) -> Response:
    """Archive a field: it disappears from forms and lists; its values are kept."""
    await service.archive(session, runtime, principal, field_id)
    return Response(status_code=204)
