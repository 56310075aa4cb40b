"""SQL for sentiment stored on activities, and its aggregates per contact and company.

The sentiment columns come from migration 0014. They are addressed through a lightweight table
here, so this module works whether or not ``crm.models.Activity`` declares them yet; writes name
``updated_at`` explicitly so storing a sentiment never counts as an edit of the activity.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Float,
    String,
    Text,
    Uuid,
    bindparam,
    column,
    func,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Contact

ACTIVITIES = table(
    "activities",
    column("id", Uuid),
    column("organization_id", Uuid),
    column("kind", String),
    column("subject", String),
    column("body", Text),
    column("occurred_at", DateTime(timezone=True)),
    column("updated_at", DateTime(timezone=True)),
    column("deleted_at", DateTime(timezone=True)),
    column("owner_id", Uuid),
    column("contact_id", Uuid),
    column("company_id", Uuid),
    column("lead_id", Uuid),
    column("deal_id", Uuid),
    column("sentiment_label", String),
    column("sentiment_score", Float),
    column("sentiment_confidence", Float),
    column("sentiment_drivers", JSONB),
    column("sentiment_model", String),
    column("sentiment_at", DateTime(timezone=True)),
)
A = ACTIVITIES.c
ANALYSED_KINDS = ("note", "email", "call", "meeting")


@dataclass(frozen=True)
class ActivityText:
    id: uuid.UUID
    kind: str
    subject: str | None
    body: str | None


@dataclass(frozen=True)
class StoredSentiment:
    activity_id: uuid.UUID
    label: str | None
    score: float | None
    confidence: float | None
    drivers: list[dict[str, Any]]
    model: str | None


async def activity_text(
    session: AsyncSession, activity_id: uuid.UUID, scope: ColumnElement[bool]
) -> ActivityText | None:
    statement = select(A.id, A.kind, A.subject, A.body).where(
        A.id == activity_id, A.deleted_at.is_(None), scope
    )
    row = (await session.execute(statement)).first()
    return ActivityText(row.id, row.kind, row.subject, row.body) if row else None


async def pending_texts(session: AsyncSession, limit: int) -> list[ActivityText]:
    """Activities still to read (matches the partial index ix_activities_sentiment_pending)."""
    statement = (
        select(A.id, A.kind, A.subject, A.body)
        .where(A.sentiment_at.is_(None), A.deleted_at.is_(None), A.kind != "task")
        .order_by(A.occurred_at.desc())
        .limit(limit)
    )
    return [ActivityText(r.id, r.kind, r.subject, r.body) for r in (await session.execute(statement)).all()]


async def store(session: AsyncSession, results: Sequence[StoredSentiment]) -> dt.datetime:
    """Write each result on its activity (one executemany); returns the time stored."""
    now: dt.datetime = (await session.execute(select(func.now()))).scalar_one()
    if not results:
        return now
    statement = (
        update(ACTIVITIES)
        .where(A.id == bindparam("b_id"))
        .values(
            sentiment_label=bindparam("b_label"),
            sentiment_score=bindparam("b_score"),
            sentiment_confidence=bindparam("b_confidence"),
            sentiment_drivers=bindparam("b_drivers", type_=JSONB),
            sentiment_model=bindparam("b_model"),
            sentiment_at=now,
            updated_at=A.updated_at,
        )
    )
    await session.execute(
        statement,
        [
            {
                "b_id": r.activity_id,
                "b_label": r.label,
                "b_score": r.score,
                "b_confidence": r.confidence,
                "b_drivers": r.drivers or None,
                "b_model": r.model,
            }
            for r in results
        ],
    )
    return now


async def previous_label(session: AsyncSession, activity_id: uuid.UUID) -> str | None:
    statement = select(A.sentiment_label).where(A.id == activity_id)
    value: str | None = (await session.execute(statement)).scalar_one_or_none()
    return value


# --- aggregates ---------------------------------------------------------------------------------


def about_contact(contact_id: uuid.UUID) -> ColumnElement[bool]:
    return A.contact_id == contact_id


def about_company(company_id: uuid.UUID) -> ColumnElement[bool]:
    """Logged on the company, or on any of its (not deleted) contacts."""
    people = select(Contact.id).where(Contact.company_id == company_id, Contact.deleted_at.is_(None))
    return or_(A.company_id == company_id, A.contact_id.in_(people))


def _analysed(about: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    return [about, A.deleted_at.is_(None), A.sentiment_label.is_not(None)]


def _label_counts() -> list[Any]:
    return [func.count().filter(A.sentiment_label == label) for label in ("positive", "neutral", "negative")]


async def summary(
    session: AsyncSession, about: ColumnElement[bool]
) -> tuple[int, float | None, int, int, int]:
    statement = select(func.count(), func.avg(A.sentiment_score), *_label_counts()).where(*_analysed(about))
    count, average, positive, neutral, negative = (await session.execute(statement)).one()
    return int(count), float(average) if average is not None else None, positive, neutral, negative


async def trend(
    session: AsyncSession, about: ColumnElement[bool], *, period: str, since: dt.datetime
) -> list[tuple[dt.datetime, int, float, int, int, int]]:
    bucket = func.date_trunc(period, A.occurred_at).label("bucket")
    statement = (
        select(bucket, func.count(), func.avg(A.sentiment_score), *_label_counts())
        .where(*_analysed(about), A.occurred_at >= since)
        .group_by(bucket)
        .order_by(bucket)
    )
    return [
        (r[0], int(r[1]), float(r[2]), r[3], r[4], r[5]) for r in (await session.execute(statement)).all()
    ]


async def recent(session: AsyncSession, about: ColumnElement[bool], limit: int) -> list[Any]:
    statement = (
        select(A.id, A.kind, A.occurred_at, A.sentiment_label, A.sentiment_score)
        .where(*_analysed(about))
        .order_by(A.occurred_at.desc(), A.id.desc())
        .limit(limit)
    )
    return list((await session.execute(statement)).all())


async def pending_count(session: AsyncSession, about: ColumnElement[bool]) -> int:
    statement = select(func.count()).where(
        about, A.deleted_at.is_(None), A.sentiment_at.is_(None), A.kind != "task"
    )
    return int((await session.execute(statement)).scalar_one())
