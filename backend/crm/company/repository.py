"""SQL for companies."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Company, Contact, CustomFieldValue


async def get(
    session: AsyncSession, company_id: uuid.UUID, *, include_deleted: bool = False
) -> Company | None:
    statement = select(Company).where(Company.id == company_id)
    if not include_deleted:
        statement = statement.where(Company.deleted_at.is_(None))
    return (await session.execute(statement)).scalar_one_or_none()


async def rename_in_contacts(session: AsyncSession, company_id: uuid.UUID, name: str | None) -> None:
    """Contacts carry their company's name (text search without a join): keep it in step."""
    await session.execute(update(Contact).where(Contact.company_id == company_id).values(company_name=name))


async def find_match(session: AsyncSession, name: str | None, domain: str | None) -> Company | None:
    """A live company with this domain, else with this name (case-insensitive); domain wins."""
    conditions = []
    if domain:
        conditions.append(Company.domain == domain)
    if name:
        conditions.append(func.lower(Company.name) == name.strip().lower())
    if not conditions:
        return None
    rows = await session.execute(
        select(Company)
        .where(Company.deleted_at.is_(None), or_(*conditions))
        .order_by((Company.domain == domain).desc() if domain else Company.created_at, Company.created_at)
        .limit(1)
    )
    return rows.scalar_one_or_none()


async def erase(session: AsyncSession, company_id: uuid.UUID) -> None:
    """Hard delete: the row and its custom values; contacts and deals keep living without it."""
    await rename_in_contacts(session, company_id, None)
    await session.execute(delete(CustomFieldValue).where(CustomFieldValue.record_id == company_id))
    await session.execute(delete(Company).where(Company.id == company_id))
