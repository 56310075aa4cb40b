"""SQL for organisations, including the pre-tenant look-up by slug."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Organization


async def id_by_slug(session: AsyncSession, slug: str) -> uuid.UUID | None:
    """Through the SECURITY DEFINER function: works before the tenant is known."""
    result = await session.execute(select(func.auth_organization_by_slug(slug)))
    value = result.scalar_one()
    return uuid.UUID(str(value)) if value else None


async def add(session: AsyncSession, organization: Organization) -> Organization:
    session.add(organization)
    await session.flush()
    return organization
