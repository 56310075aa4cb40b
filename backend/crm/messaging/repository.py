"""SQL for the e-mail and SMS outboxes. Row-level security scopes every statement to the tenant."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import ContactIdentifier, EmailMessage, SmsMessage


async def insert_email(session: AsyncSession, **values: Any) -> EmailMessage:
    # RETURNING brings back the database defaults (id, organization_id from the tenant, created_at)
    # in the same statement, where a plain add() + flush would need a second SELECT.
    row: EmailMessage | None = await session.scalar(
        insert(EmailMessage).values(**values).returning(EmailMessage)
    )
    assert row is not None
    return row


async def lock_for_delivery(session: AsyncSession, email_id: uuid.UUID) -> EmailMessage | None:
    """The row, locked until the transaction ends; None if missing or another worker holds it."""
    statement = select(EmailMessage).where(EmailMessage.id == email_id).with_for_update(skip_locked=True)
    return await session.scalar(statement)


async def record_delivery(session: AsyncSession, email_id: uuid.UUID, **values: Any) -> None:
    await session.execute(update(EmailMessage).where(EmailMessage.id == email_id).values(**values))


async def page(
    session: AsyncSession, *, limit: int, after: tuple[dt.datetime, uuid.UUID] | None
) -> list[EmailMessage]:
    """Newest first; ``limit + 1`` rows so the caller knows whether another page exists."""
    statement = select(EmailMessage).order_by(EmailMessage.created_at.desc(), EmailMessage.id.desc())
    if after is not None:
        statement = statement.where(tuple_(EmailMessage.created_at, EmailMessage.id) < tuple_(*after))
    return list(await session.scalars(statement.limit(limit + 1)))


# --- SMS --------------------------------------------------------------------------------------------


async def insert_sms(session: AsyncSession, **values: Any) -> SmsMessage:
    row: SmsMessage | None = await session.scalar(insert(SmsMessage).values(**values).returning(SmsMessage))
    assert row is not None
    return row


async def lock_sms_for_delivery(session: AsyncSession, sms_id: uuid.UUID) -> SmsMessage | None:
    """The row, locked until the transaction ends; None if missing or another worker holds it."""
    statement = select(SmsMessage).where(SmsMessage.id == sms_id).with_for_update(skip_locked=True)
    return await session.scalar(statement)


async def record_sms_delivery(session: AsyncSession, sms_id: uuid.UUID, **values: Any) -> None:
    await session.execute(update(SmsMessage).where(SmsMessage.id == sms_id).values(**values))


async def erase_sms_to_contact(session: AsyncSession, contact_id: uuid.UUID) -> int:
    """GDPR erase: delete the SMS outbox rows sent to the contact's phone numbers (found by blind index).

    Run before the contact's identifiers go. A number another contact also holds (a shared clinic
    line) keeps its messages: they may be that other person's, and their erasure removes them.
    Queued rows go too, so nothing is sent to an erased person.
    """
    phones = ContactIdentifier.kind == "phone"
    mine = select(ContactIdentifier.blind_index).where(phones, ContactIdentifier.contact_id == contact_id)
    shared = select(ContactIdentifier.blind_index).where(phones, ContactIdentifier.contact_id != contact_id)
    statement = delete(SmsMessage).where(
        SmsMessage.to_number_bidx.in_(mine), SmsMessage.to_number_bidx.not_in(shared)
    )
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)
