"""SQL of next-best actions and e-mail drafts: the facts the AI service's rules read about one deal
or one contact (in the organisation's transaction; the caller's scope is checked before)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Activity, Company, Deal, DealContact, Lead, Stage, User


@dataclass(frozen=True)
class ActivityFacts:
    last_activity_at: dt.datetime | None
    overdue_tasks: int
    upcoming_meeting: bool
    last_sentiment: str | None


async def activity_facts(
    session: AsyncSession, link: str, record_id: uuid.UUID, now: dt.datetime
) -> ActivityFacts:
    column = getattr(Activity, link)
    live = and_(column == record_id, Activity.deleted_at.is_(None))
    row = (
        await session.execute(
            select(
                func.max(Activity.occurred_at).filter(Activity.occurred_at <= now, Activity.kind != "task"),
                func.count().filter(
                    Activity.kind == "task", Activity.completed_at.is_(None), Activity.due_at < now
                ),
                func.count().filter(Activity.kind == "meeting", Activity.occurred_at > now),
            ).where(live)
        )
    ).one()
    sentiment = (
        await session.execute(
            select(Activity.sentiment_label)
            .where(live, Activity.sentiment_label.is_not(None))
            .order_by(Activity.occurred_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return ActivityFacts(row[0], int(row[1]), bool(row[2]), sentiment)


async def stage_of(session: AsyncSession, stage_id: uuid.UUID) -> tuple[str, int]:
    row = (await session.execute(select(Stage.name, Stage.probability).where(Stage.id == stage_id))).one()
    return row[0], row[1]


async def contact_lead_score(session: AsyncSession, contact_id: uuid.UUID) -> float | None:
    """The lead-scoring probability (0..1) of the lead this contact was converted from."""
    return (
        await session.execute(select(func.max(Lead.score)).where(Lead.converted_contact_id == contact_id))
    ).scalar_one_or_none()


async def open_deals_of_contact(session: AsyncSession, contact_id: uuid.UUID) -> int:
    return int(
        (
            await session.execute(
                select(func.count())
                .select_from(DealContact)
                .join(Deal, Deal.id == DealContact.deal_id)
                .where(
                    DealContact.contact_id == contact_id,
                    Deal.status == "open",
                    Deal.deleted_at.is_(None),
                )
            )
        ).scalar_one()
    )


async def company_name(session: AsyncSession, company_id: uuid.UUID | None) -> tuple[str, str | None] | None:
    if company_id is None:
        return None
    row = (
        await session.execute(select(Company.name, Company.industry).where(Company.id == company_id))
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def user_name(session: AsyncSession, user_id: uuid.UUID | None) -> str | None:
    if user_id is None:
        return None
    return (await session.execute(select(User.full_name).where(User.id == user_id))).scalar_one_or_none()
