"""SQL for contacts and their blind-indexed identifiers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Company, Contact, ContactIdentifier, CustomFieldValue


async def get(
    session: AsyncSession, contact_id: uuid.UUID, *, include_deleted: bool = False
) -> Contact | None:
    statement = select(Contact).where(Contact.id == contact_id)
    if not include_deleted:
        statement = statement.where(Contact.deleted_at.is_(None))
    return (await session.execute(statement)).scalar_one_or_none()


async def get_many(session: AsyncSession, ids: Iterable[uuid.UUID]) -> list[Contact]:
    return list((await session.execute(select(Contact).where(Contact.id.in_(list(ids))))).scalars())


async def company_name(session: AsyncSession, company_id: uuid.UUID) -> str | None:
    row = await session.execute(
        select(Company.name).where(Company.id == company_id, Company.deleted_at.is_(None))
    )
    return row.scalar_one_or_none()


async def replace_identifiers(
    session: AsyncSession, contact_id: uuid.UUID, kind: str, indexes: list[bytes]
) -> None:
    await session.execute(
        delete(ContactIdentifier).where(
            ContactIdentifier.contact_id == contact_id, ContactIdentifier.kind == kind
        )
    )
    seen: set[bytes] = set()
    for position, index in enumerate(indexes):
        if index in seen:
            continue
        seen.add(index)
        session.add(
            ContactIdentifier(contact_id=contact_id, kind=kind, blind_index=index, is_primary=position == 0)
        )
    await session.flush()


async def with_identifiers(
    session: AsyncSession, kind: str, indexes: list[bytes], exclude: uuid.UUID | None = None
) -> list[uuid.UUID]:
    """Live contacts holding any of these blind indexes (exact duplicates)."""
    if not indexes:
        return []
    statement = (
        select(ContactIdentifier.contact_id)
        .join(Contact, Contact.id == ContactIdentifier.contact_id)
        .where(
            ContactIdentifier.kind == kind,
            ContactIdentifier.blind_index.in_(indexes),
            Contact.deleted_at.is_(None),
        )
        .distinct()
    )
    if exclude is not None:
        statement = statement.where(ContactIdentifier.contact_id != exclude)
    return list((await session.execute(statement)).scalars())


async def erase(session: AsyncSession, contact_id: uuid.UUID) -> None:
    """Hard delete: the row, its identifiers (cascade), its custom values, its activities (cascade)."""
    await session.execute(delete(CustomFieldValue).where(CustomFieldValue.record_id == contact_id))
    await session.execute(delete(Contact).where(Contact.id == contact_id))


async def rename_company(session: AsyncSession, company_id: uuid.UUID, name: str) -> None:
    await session.execute(update(Contact).where(Contact.company_id == company_id).values(company_name=name))
