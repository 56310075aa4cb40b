"""SQL for activities, the records they link, and the merged timeline of a record."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    String,
    Subquery,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Activity, AuditEvent, Deal, DealStageChange, User


async def record_visible(
    session: AsyncSession, model: Any, record_id: uuid.UUID, scope: ColumnElement[bool]
) -> bool:
    row = await session.execute(
        select(model.id).where(model.id == record_id, model.deleted_at.is_(None), scope)
    )
    return row.first() is not None


async def activities(
    session: AsyncSession, ids: Sequence[uuid.UUID], columns: Sequence[Any]
) -> dict[uuid.UUID, Row[Any]]:
    """These activities as plain rows of ``columns`` (the first being ``Activity.id``)."""
    if not ids:
        return {}
    rows = await session.execute(select(*columns).where(Activity.id.in_(list(ids))))
    return {row[0]: row for row in rows}


async def stage_changes(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[DealStageChange, str]]:
    if not ids:
        return {}
    rows = await session.execute(
        select(DealStageChange, Deal.name)
        .join(Deal, Deal.id == DealStageChange.deal_id)
        .where(DealStageChange.id.in_(list(ids)))
    )
    return {change.id: (change, name) for change, name in rows}


async def audit_events(session: AsyncSession, seqs: Sequence[int]) -> dict[int, AuditEvent]:
    if not seqs:
        return {}
    rows = await session.execute(select(AuditEvent).where(AuditEvent.seq.in_(list(seqs))))
    return {row.seq: row for row in rows.scalars()}


def _branch(
    at: Any,
    source: str,
    key: Any,
    where: Sequence[ColumnElement[bool]],
    after: tuple[dt.datetime, str, str] | None,
    limit: int,
    *,
    join: tuple[Any, ColumnElement[bool]] | None = None,
) -> Subquery:
    """One source of the timeline, newest first, already cut at the cursor and at ``limit``."""
    tag = literal(source, String)
    statement = select(at.label("at"), tag.label("source"), key.label("key"))
    if join is not None:
        statement = statement.join(*join)
    statement = statement.where(*where)
    if after is not None:
        statement = statement.where(
            tuple_(at, tag, key)
            < tuple_(literal(after[0]), literal(after[1], String), literal(after[2], String))
        )
    return statement.order_by(at.desc(), key.desc()).limit(limit).subquery()


async def timeline_keys(
    session: AsyncSession,
    *,
    activity_where: Sequence[ColumnElement[bool]] | None,
    stage_where: Sequence[ColumnElement[bool]] | None,
    entity_type: str,
    entity_id: uuid.UUID,
    after: tuple[dt.datetime, str, str] | None,
    limit: int,
) -> list[tuple[dt.datetime, str, str]]:
    """The next ``limit`` entries of the merged stream (time, source, key), newest first: one
    statement, each source walking its own index and stopping at ``limit``."""
    branches = [
        _branch(
            AuditEvent.occurred_at,
            "field_change",
            func.lpad(cast(AuditEvent.seq, String), 20, "0"),
            [AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id)],
            after,
            limit,
        )
    ]
    if activity_where is not None:
        branches.append(
            _branch(
                Activity.occurred_at,
                "activity",
                cast(Activity.id, String),
                [Activity.deleted_at.is_(None), *activity_where],
                after,
                limit,
            )
        )
    if stage_where is not None:
        branches.append(
            _branch(
                DealStageChange.changed_at,
                "stage_change",
                cast(DealStageChange.id, String),
                [Deal.deleted_at.is_(None), *stage_where],
                after,
                limit,
                join=(Deal, Deal.id == DealStageChange.deal_id),
            )
        )
    merged = union_all(*(select(branch) for branch in branches)).subquery()
    rows = await session.execute(
        select(merged.c.at, merged.c.source, merged.c.key)
        .order_by(merged.c.at.desc(), merged.c.source.desc(), merged.c.key.desc())
        .limit(limit)
    )
    return [(row[0], row[1], row[2]) for row in rows]


# --- follow-ups and reminders ---------------------------------------------------------------------

REMINDER_AT = func.coalesce(Activity.reminder_at, Activity.due_at)


async def reset_sentiment(session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
    """Forget the sentiment of rows whose text changed, so the next read analyses them again."""
    await session.execute(
        update(Activity)
        .where(Activity.id.in_(list(ids)))
        .values(
            sentiment_label=None,
            sentiment_score=None,
            sentiment_confidence=None,
            sentiment_drivers=None,
            sentiment_model=None,
            sentiment_at=None,
            updated_at=Activity.updated_at,  # not an edit: the version (updated_at) must not move
        )
        .execution_options(synchronize_session=False)
    )


async def any_analysable(session: AsyncSession, ids: Sequence[uuid.UUID]) -> bool:
    """Whether any of these live activities has text the sentiment job reads (tasks are skipped)."""
    query = select(Activity.id).where(
        Activity.id.in_(list(ids)), Activity.kind != "task", Activity.deleted_at.is_(None)
    )
    return (await session.execute(query.limit(1))).first() is not None


async def rearm_reminders(session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
    await session.execute(
        update(Activity)
        .where(Activity.id.in_(list(ids)), Activity.reminder_sent_at.is_not(None))
        .values(reminder_sent_at=None, updated_at=Activity.updated_at)
        .execution_options(synchronize_session=False)
    )


async def organizations_with_due_reminders(session: AsyncSession) -> list[uuid.UUID]:
    # SECURITY DEFINER (migration 0016): organisation ids only, before any tenant is chosen.
    rows = await session.execute(text("SELECT reminders_due_orgs()"))
    return [row[0] for row in rows]


@dataclass(frozen=True)
class DueReminder:
    id: uuid.UUID
    kind: str
    subject: str | None
    owner_id: uuid.UUID
    owner_email: str | None
    due_at: dt.datetime | None
    remind_at: dt.datetime


async def claim_due_reminders(session: AsyncSession, limit: int) -> list[DueReminder]:
    """Mark up to ``limit`` due reminders of the current organisation sent and return them.

    One UPDATE ... RETURNING over rows locked with SKIP LOCKED: two workers never claim the same
    reminder, and a claim rolled back (failed delivery) leaves it due for the next run.
    """
    due = (
        select(Activity.id)
        .where(
            Activity.reminder_sent_at.is_(None),
            Activity.deleted_at.is_(None),
            Activity.completed_at.is_(None),
            Activity.owner_id.is_not(None),
            or_(Activity.reminder_at.is_not(None), Activity.due_at.is_not(None)),
            func.now() >= REMINDER_AT,
        )
        .order_by(REMINDER_AT)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = (
        update(Activity)
        .where(Activity.id.in_(due.scalar_subquery()))
        .values(reminder_sent_at=func.now(), updated_at=Activity.updated_at)
        .returning(
            Activity.id,
            Activity.kind,
            Activity.subject,
            Activity.owner_id,
            Activity.due_at,
            REMINDER_AT.label("remind_at"),
        )
        .execution_options(synchronize_session=False)
    )
    rows = (await session.execute(claimed)).all()
    emails = {}
    if rows:
        owners = {row.owner_id for row in rows}
        emails = dict((await session.execute(select(User.id, User.email).where(User.id.in_(owners)))).all())
    return [
        DueReminder(
            row.id, row.kind, row.subject, row.owner_id, emails.get(row.owner_id), row.due_at, row.remind_at
        )
        for row in rows
    ]
