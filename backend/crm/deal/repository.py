"""SQL for deals, their contacts and their stage history."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, Uuid, delete, func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm.kit.rows import as_read
from crm.models import Company, Contact, CustomFieldValue, Deal, DealContact, DealStageChange

# A deal's contact ids as a column of its own row (a correlated lookup on the deal's key), so a
# page of deals reads them without a second statement. Read as the driver gives them (a list of
# UUIDs: see crm.kit.rows.as_read).
CONTACT_IDS = as_read(
    select(func.array_agg(aggregate_order_by(DealContact.contact_id, DealContact.contact_id)))
    .where(DealContact.deal_id == Deal.id)
    .scalar_subquery()
    .label("contact_ids")
)


async def contacts_of(
    session: AsyncSession, deal_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The contacts of these deals, in one query."""
    ids = list(deal_ids)
    result: dict[uuid.UUID, list[uuid.UUID]] = {deal_id: [] for deal_id in ids}
    if not ids:
        return result
    rows = await session.execute(
        select(DealContact.deal_id, DealContact.contact_id)
        .where(DealContact.deal_id.in_(ids))
        .order_by(DealContact.deal_id, DealContact.contact_id)
    )
    for deal_id, contact_id in rows:
        result[deal_id].append(contact_id)
    return result


async def replace_contacts(
    session: AsyncSession, deal_id: uuid.UUID, contact_ids: Sequence[uuid.UUID]
) -> None:
    await session.execute(delete(DealContact).where(DealContact.deal_id == deal_id))
    if contact_ids:
        await session.execute(
            insert(DealContact).values(
                [{"deal_id": deal_id, "contact_id": c} for c in dict.fromkeys(contact_ids)]
            )
        )


async def add_contact(session: AsyncSession, deal_id: uuid.UUID, contact_id: uuid.UUID) -> None:
    await session.execute(
        insert(DealContact).values(deal_id=deal_id, contact_id=contact_id).on_conflict_do_nothing()
    )


async def visible_contacts(
    session: AsyncSession, contact_ids: Sequence[uuid.UUID], scope: ColumnElement[bool]
) -> set[uuid.UUID]:
    rows = await session.execute(
        select(Contact.id).where(Contact.id.in_(list(contact_ids)), Contact.deleted_at.is_(None), scope)
    )
    return set(rows.scalars())


async def company_visible(session: AsyncSession, company_id: uuid.UUID, scope: ColumnElement[bool]) -> bool:
    row = await session.execute(
        select(Company.id).where(Company.id == company_id, Company.deleted_at.is_(None), scope)
    )
    return row.first() is not None


async def reaches(session: AsyncSession, scope_for: ColumnElement[bool]) -> bool:
    """Evaluate a scope clause built over a literal owner (does the caller's scope reach them?)."""
    return bool((await session.execute(select(scope_for))).scalar())


def owner_literal(owner_id: uuid.UUID | None) -> ColumnElement[uuid.UUID]:
    return literal(owner_id, Uuid)


def add_stage_change(
    session: AsyncSession,
    deal_id: uuid.UUID,
    from_stage_id: uuid.UUID | None,
    to_stage_id: uuid.UUID,
    changed_by: uuid.UUID | None,
) -> None:
    session.add(
        DealStageChange(
            deal_id=deal_id,
            from_stage_id=from_stage_id,
            to_stage_id=to_stage_id,
            changed_by=changed_by,
            # Not now(): two changes in one transaction must keep their order.
            changed_at=func.clock_timestamp(),
        )
    )


async def stage_history(session: AsyncSession, deal_id: uuid.UUID) -> list[DealStageChange]:
    rows = await session.execute(
        select(DealStageChange)
        .where(DealStageChange.deal_id == deal_id)
        .order_by(DealStageChange.changed_at, DealStageChange.id)
    )
    return list(rows.scalars())


async def erase(session: AsyncSession, deal_id: uuid.UUID) -> None:
    """Hard delete: the row, its custom values; contacts links, history, activities cascade."""
    await session.execute(delete(CustomFieldValue).where(CustomFieldValue.record_id == deal_id))
    await session.execute(delete(Deal).where(Deal.id == deal_id))
