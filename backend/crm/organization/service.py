"""Creating organisations (tenants)."""

from __future__ import annotations

import re
import secrets
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.core.errors import BadRequest, Conflict
from crm.models import Organization
from crm.organization import repository

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63].strip("-")
    return slug or "org"


async def create_organization(session: AsyncSession, name: str, slug: str | None = None) -> Organization:
    """Create a tenant and scope the rest of the transaction to it.

    The id is chosen here so the transaction can claim it before the insert: RLS's
    WITH CHECK then accepts exactly this organisation and nothing else.
    """
    name = name.strip()
    if not name or len(name) > 200:
        raise BadRequest("organisation name must be 1 to 200 characters")
    if slug is None:
        # Derived from the name: made unique quietly, so sign-up never reveals other organisations.
        slug = slugify(name)
        if len(slug) < 3 or await repository.id_by_slug(session, slug) is not None:
            slug = f"{slug[:50]}-{secrets.token_hex(3)}".strip("-")
    if not _SLUG.match(slug):
        raise BadRequest("slug must be 3-63 lowercase letters, digits or hyphens")
    if await repository.id_by_slug(session, slug) is not None:
        raise Conflict(f"an organisation with slug '{slug}' exists", code="slug_taken")
    organization = Organization(id=uuid.uuid4(), name=name, slug=slug)
    await set_tenant(session, organization.id)
    return await repository.add(session, organization)
