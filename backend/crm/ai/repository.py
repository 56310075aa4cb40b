"""SQL of the AI wiring: lead facts for scoring and training, score write-back, organisation sweeps.

Every statement runs in a transaction scoped to one organisation (RLS), except the two SECURITY
DEFINER look-ups that tell the scheduled jobs which organisations have work.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai.features import CLOSED_STATUSES, CONVERTED, LOST_STATUSES
from crm.models import Activity, Company, Lead

# --- which leads ----------------------------------------------------------------------------------


def is_converted() -> ColumnElement[bool]:
    return or_(Lead.status == CONVERTED, Lead.converted_at.is_not(None))


def is_lost() -> ColumnElement[bool]:
    return and_(Lead.status.in_(LOST_STATUSES), Lead.converted_at.is_(None))


def is_open() -> ColumnElement[bool]:
    return and_(Lead.status.not_in(CLOSED_STATUSES), Lead.converted_at.is_(None))


def needs_score(stale_after: dt.timedelta) -> ColumnElement[bool]:
    """Never scored, scored long ago (recency features age), or edited since."""
    return or_(
        Lead.scored_at.is_(None),
        Lead.scored_at < func.now() - stale_after,
        Lead.updated_at > Lead.scored_at,
    )


# --- facts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadRow:
    id: uuid.UUID
    source: str | None
    job_title: str | None
    email: bytes | None
    created_at: dt.datetime
    cutoff: dt.datetime
    converted: bool
    industry: str | None
    employee_count: int | None
    emails: int
    calls: int
    meetings: int
    last_activity_at: dt.datetime | None


def _facts_statement() -> Any:
    # Activity is counted up to the outcome for closed leads (no leakage of what followed it).
    cutoff = case(
        (Lead.converted_at.is_not(None), Lead.converted_at),
        (Lead.status.in_(CLOSED_STATUSES), Lead.updated_at),
        else_=func.now(),
    )
    activity = (
        select(
            func.count().filter(Activity.kind == "email").label("emails"),
            func.count().filter(Activity.kind == "call").label("calls"),
            func.count().filter(Activity.kind == "meeting").label("meetings"),
            func.max(Activity.occurred_at).label("last_at"),
        )
        .where(Activity.lead_id == Lead.id, Activity.deleted_at.is_(None), Activity.occurred_at <= cutoff)
        .lateral("act")
    )
    company = (
        select(Company.industry, Company.employee_count)
        .where(
            or_(
                Company.id == Lead.converted_company_id,
                and_(Company.name == Lead.company_name, Company.deleted_at.is_(None)),
            )
        )
        .order_by((Company.id == Lead.converted_company_id).desc().nulls_last())
        .limit(1)
        .lateral("co")
    )
    return (
        select(
            Lead.id,
            Lead.source,
            Lead.job_title,
            Lead.email,
            Lead.created_at,
            cutoff.label("cutoff"),
            is_converted().label("converted"),
            company.c.industry,
            company.c.employee_count,
            activity.c.emails,
            activity.c.calls,
            activity.c.meetings,
            activity.c.last_at,
        )
        .select_from(Lead)
        .outerjoin(company, true())
        .join(activity, true())
    )


def _row(row: Row[Any]) -> LeadRow:
    return LeadRow(
        id=row.id,
        source=row.source,
        job_title=row.job_title,
        email=row.email,
        created_at=row.created_at,
        cutoff=row.cutoff,
        converted=bool(row.converted),
        industry=row.industry,
        employee_count=row.employee_count,
        emails=int(row.emails or 0),
        calls=int(row.calls or 0),
        meetings=int(row.meetings or 0),
        last_activity_at=row.last_at,
    )


async def lead_facts(
    session: AsyncSession, lead_ids: Sequence[uuid.UUID], scope: ColumnElement[bool]
) -> list[LeadRow]:
    """These leads (not deleted, inside the caller's scope), in one query whatever their number."""
    statement = _facts_statement().where(Lead.id.in_(lead_ids), Lead.deleted_at.is_(None), scope)
    return [_row(row) for row in (await session.execute(statement)).all()]


async def lead_facts_page(
    session: AsyncSession, *, after: uuid.UUID | None, limit: int, where: ColumnElement[bool]
) -> list[LeadRow]:
    """A keyset page (by id) of the organisation's leads matching ``where``."""
    statement = _facts_statement().where(Lead.deleted_at.is_(None), where)
    if after is not None:
        statement = statement.where(Lead.id > after)
    statement = statement.order_by(Lead.id).limit(limit)
    return [_row(row) for row in (await session.execute(statement)).all()]


async def labelled_lead_facts(session: AsyncSession, *, limit: int) -> list[LeadRow]:
    """Converted and lost leads, most recent outcome first (the training set)."""
    statement = (
        _facts_statement()
        .where(Lead.deleted_at.is_(None), or_(is_converted(), is_lost()))
        .order_by(literal_column("cutoff").desc(), Lead.id)
        .limit(limit)
    )
    return [_row(row) for row in (await session.execute(statement)).all()]


async def outcome_counts(session: AsyncSession) -> tuple[int, int]:
    """(converted, lost) leads of the organisation, for the "enough to train?" question."""
    statement = select(func.count().filter(is_converted()), func.count().filter(is_lost())).where(
        Lead.deleted_at.is_(None)
    )
    converted, lost = (await session.execute(statement)).one()
    return int(converted), int(lost)


async def count_leads(session: AsyncSession, where: ColumnElement[bool]) -> int:
    statement = select(func.count()).select_from(Lead).where(Lead.deleted_at.is_(None), where)
    return int((await session.execute(statement)).scalar_one())


# --- write-back ---------------------------------------------------------------------------------

_WRITE_SCORES = text(
    """
    UPDATE leads AS l
       SET score = v.score, score_reasons = v.reasons::jsonb, score_model_version = v.version,
           scored_at = now()
      FROM unnest(CAST(:ids AS uuid[]), CAST(:scores AS float8[]), CAST(:reasons AS text[]),
                  CAST(:versions AS text[])) AS v(id, score, reasons, version)
     WHERE l.id = v.id
    RETURNING l.id, l.scored_at
    """
)


async def write_scores(
    session: AsyncSession, scores: Sequence[tuple[uuid.UUID, float, list[dict[str, Any]], str]]
) -> dict[uuid.UUID, dt.datetime]:
    """Store (lead id, probability, reasons, model version) in one statement; returns scored_at per id.

    ``updated_at`` and ``version`` stay as they are: a new score is not an edit of the lead, and
    must neither reorder "recently changed" lists nor turn someone's open edit into a 412.
    """
    if not scores:
        return {}
    rows = await session.execute(
        _WRITE_SCORES,
        {
            "ids": [s[0] for s in scores],
            "scores": [s[1] for s in scores],
            "reasons": [json.dumps(s[2]) for s in scores],
            "versions": [s[3][:60] for s in scores],
        },
    )
    return {row.id: row.scored_at for row in rows}


# --- organisations with work (SECURITY DEFINER: ids and counts only) ------------------------------


@dataclass(frozen=True)
class OrgLeadCounts:
    organization_id: uuid.UUID
    open_leads: int
    converted: int
    lost: int


async def organizations_with_leads(session: AsyncSession) -> list[OrgLeadCounts]:
    rows = await session.execute(text("SELECT * FROM ai_orgs_with_leads()"))
    return [OrgLeadCounts(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]


async def organizations_with_pending_sentiment(session: AsyncSession) -> list[uuid.UUID]:
    rows = await session.execute(text("SELECT * FROM ai_orgs_with_pending_sentiment()"))
    return [row[0] for row in rows]
