"""SQL of transcripts and their proposals (in the organisation's transaction; RLS keeps tenants apart)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Attachment, Transcript, TranscriptProposal


async def get(
    session: AsyncSession, transcript_id: uuid.UUID, *, for_update: bool = False
) -> Transcript | None:
    statement = select(Transcript).where(Transcript.id == transcript_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def with_audio(session: AsyncSession, transcript_id: uuid.UUID) -> tuple[Transcript, Attachment] | None:
    row = (
        await session.execute(
            select(Transcript, Attachment)
            .join(Attachment, Attachment.id == Transcript.attachment_id)
            .where(Transcript.id == transcript_id)
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def page(
    session: AsyncSession,
    object_type: str,
    record_id: uuid.UUID,
    *,
    limit: int,
    after: tuple[dt.datetime, uuid.UUID] | None,
) -> list[Transcript]:
    statement = (
        select(Transcript)
        .where(Transcript.object_type == object_type, Transcript.record_id == record_id)
        .order_by(Transcript.created_at.desc(), Transcript.id.desc())
        .limit(limit + 1)
    )
    if after is not None:
        statement = statement.where(tuple_(Transcript.created_at, Transcript.id) < tuple_(*after))
    return list((await session.execute(statement)).scalars())


async def pending_counts(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    rows = await session.execute(
        select(TranscriptProposal.transcript_id, func.count())
        .where(TranscriptProposal.transcript_id.in_(ids), TranscriptProposal.status == "pending")
        .group_by(TranscriptProposal.transcript_id)
    )
    return {row[0]: int(row[1]) for row in rows}


async def proposals(session: AsyncSession, transcript_id: uuid.UUID) -> list[TranscriptProposal]:
    rows = await session.execute(
        select(TranscriptProposal)
        .where(TranscriptProposal.transcript_id == transcript_id)
        .order_by(
            TranscriptProposal.evidence_start.asc().nulls_last(),
            TranscriptProposal.created_at,
            TranscriptProposal.id,
        )
    )
    return list(rows.scalars())


async def proposal(
    session: AsyncSession, transcript_id: uuid.UUID, proposal_id: uuid.UUID
) -> TranscriptProposal | None:
    return (
        await session.execute(
            select(TranscriptProposal)
            .where(TranscriptProposal.id == proposal_id, TranscriptProposal.transcript_id == transcript_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
