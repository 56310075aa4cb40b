"""SQL for attachments and for the records they hang on."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ColumnElement, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Attachment


async def get(session: AsyncSession, attachment_id: uuid.UUID) -> Attachment | None:
    return await session.get(Attachment, attachment_id)


async def record_access(
    session: AsyncSession,
    model: Any,
    record_id: uuid.UUID,
    readable: ColumnElement[bool],
    editable: ColumnElement[bool],
) -> bool | None:
    """None when the record is missing or out of read scope; else whether the caller may edit it."""
    statement = select(editable.label("editable")).where(
        model.id == record_id, model.deleted_at.is_(None), readable
    )
    row = (await session.execute(statement)).first()
    return None if row is None else bool(row.editable)


async def page(
    session: AsyncSession,
    object_type: str,
    record_id: uuid.UUID,
    *,
    limit: int,
    after: tuple[dt.datetime, uuid.UUID] | None,
) -> list[Attachment]:
    """Ready files of one record, newest first; ``limit + 1`` rows to tell whether more exist."""
    statement = select(Attachment).where(
        Attachment.object_type == object_type,
        Attachment.record_id == record_id,
        Attachment.status == "ready",
    )
    if after is not None:
        statement = statement.where(tuple_(Attachment.created_at, Attachment.id) < tuple_(*after))
    statement = statement.order_by(Attachment.created_at.desc(), Attachment.id.desc()).limit(limit + 1)
    return list((await session.execute(statement)).scalars())


async def of_record(session: AsyncSession, object_type: str, record_id: uuid.UUID) -> list[Attachment]:
    statement = (
        select(Attachment)
        .where(Attachment.object_type == object_type, Attachment.record_id == record_id)
        .order_by(Attachment.created_at, Attachment.id)
    )
    return list((await session.execute(statement)).scalars())


async def matches(session: AsyncSession, attachment_id: uuid.UUID, condition: ColumnElement[bool]) -> bool:
    statement = select(Attachment.id).where(Attachment.id == attachment_id, condition)
    return (await session.execute(statement)).first() is not None


async def remove(session: AsyncSession, attachment_ids: list[uuid.UUID]) -> None:
    if attachment_ids:
        await session.execute(delete(Attachment).where(Attachment.id.in_(attachment_ids)))
