"""SQL for leads (and what converting one touches)."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Activity, Contact, ContactIdentifier, CustomFieldValue, Lead


async def get(session: AsyncSession, lead_id: uuid.UUID, *, include_deleted: bool = False) -> Lead | None:
    statement = select(Lead).where(Lead.id == lead_id)
    if not include_deleted:
        statement = statement.where(Lead.deleted_at.is_(None))
    return (await session.execute(statement)).scalar_one_or_none()


async def matching_contact(
    session: AsyncSession, kind: str, blind_index: bytes, scope: ColumnElement[bool]
) -> uuid.UUID | None:
    """The oldest live contact, visible to the caller, holding this e-mail/phone blind index."""
    row = await session.execute(
        select(Contact.id)
        .join(ContactIdentifier, ContactIdentifier.contact_id == Contact.id)
        .where(
            ContactIdentifier.kind == kind,
            ContactIdentifier.blind_index == blind_index,
            Contact.deleted_at.is_(None),
            scope,
        )
        .order_by(Contact.created_at, Contact.id)
        .limit(1)
    )
    return row.scalar_one_or_none()


async def link_activities_to_contact(session: AsyncSession, lead_id: uuid.UUID, contact_id: uuid.UUID) -> int:
    """The lead's activities now also belong to its contact (they stay on the lead: history)."""
    result = await session.execute(
        update(Activity)
        .where(Activity.lead_id == lead_id, Activity.contact_id.is_(None))
        .values(contact_id=contact_id)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def erase(session: AsyncSession, lead_id: uuid.UUID) -> None:
    """Hard delete. Activities linked to another record too (e.g. after conversion) are only
    unlinked; those of the lead alone go with it (cascade)."""
    await session.execute(
        update(Activity)
        .where(
            Activity.lead_id == lead_id,
            or_(
                Activity.contact_id.is_not(None),
                Activity.company_id.is_not(None),
                Activity.deal_id.is_not(None),
            ),
        )
        .values(lead_id=None)
    )
    await session.execute(delete(CustomFieldValue).where(CustomFieldValue.record_id == lead_id))
    await session.execute(delete(Lead).where(Lead.id == lead_id))
