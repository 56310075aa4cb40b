"""Voice notes and call recordings on a record: upload, read transcripts, decide on proposals.

The audio is stored as an attachment of the record (same storage driver, sniffed type, size limit,
access rules and GDPR erasure); a transcript row waits for the job (``tasks.py``) that sends the
audio to the AI service. A transcript is reachable only through its record: 404 unless the
record is in the caller's read scope. Accepting a proposal applies it through the record's own
service (permission, version check, audit), and records who decided.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation

from sqlalchemy.ext.asyncio import AsyncSession

from crm.activity import service as activities
from crm.activity.schemas import ActivityCreate
from crm.attachment.service import check_record
from crm.attachment.upload import FilePart
from crm.audit.service import record_event
from crm.auth.permissions import Action
from crm.auth.principal import Principal
from crm.core import jobs
from crm.core.errors import BadRequest, Conflict, Forbidden, NotFound
from crm.core.runtime import Runtime
from crm.core.storage import sniff_upload, tenant_key
from crm.deal import service as deals
from crm.deal.schemas import DealPatch
from crm.kit.pagination import Page, decode_cursor, encode_cursor
from crm.models import Attachment, Transcript, TranscriptProposal
from crm.transcript import repository
from crm.transcript.schemas import (
    DecisionOut,
    ProposalOut,
    RecordingKind,
    SegmentOut,
    SentimentDriverOut,
    TranscriptOut,
    TranscriptSummaryOut,
)

# What the AI service decodes (webm/ogg/wav/mp3); browsers' WebM recordings sniff as video/webm.
AUDIO_TYPES = frozenset(
    {
        "audio/webm",
        "video/webm",
        "audio/ogg",
        "application/ogg",
        "audio/wav",
        "audio/wave",
        "audio/x-wav",
        "audio/mpeg",
    }
)
LIST_SORT = "-created_at"


# --- shaping -------------------------------------------------------------------------------------


def proposal_out(row: TranscriptProposal) -> ProposalOut:
    return ProposalOut(
        id=row.id,
        field=row.field,
        target_field=row.target_field,
        current_value=row.current_value,
        proposed_value=row.proposed_value,
        currency=row.currency,
        contact_id=row.contact_id,
        evidence=row.evidence,
        evidence_start=row.evidence_start,
        rule=row.rule,
        status=row.status,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


def _summary_fields(row: Transcript, pending: int) -> dict[str, object]:
    return {
        "id": row.id,
        "object_type": row.object_type,
        "record_id": row.record_id,
        "attachment_id": row.attachment_id,
        "kind": row.kind,
        "status": row.status,
        "error": row.error,
        "duration_seconds": row.duration_seconds,
        "summary": row.summary,
        "sentiment_label": row.sentiment_label,
        "sentiment_score": row.sentiment_score,
        "model": row.model,
        "model_version": row.model_version,
        "activity_id": row.activity_id,
        "pending_proposals": pending,
        "created_by": row.created_by,
        "created_at": row.created_at,
        "completed_at": row.completed_at,
    }


def to_out(row: Transcript, proposals: list[TranscriptProposal]) -> TranscriptOut:
    return TranscriptOut(
        **_summary_fields(row, sum(1 for p in proposals if p.status == "pending")),
        language=row.language,
        text=row.text,
        segments=[SegmentOut(**s) for s in row.segments or []],
        sentiment_drivers=[SentimentDriverOut(**d) for d in row.sentiment_drivers or []],
        proposals=[proposal_out(p) for p in proposals],
    )


# --- upload --------------------------------------------------------------------------------------


async def upload(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    object_type: str,
    record_id: uuid.UUID,
    part: FilePart,
    kind: RecordingKind,
) -> TranscriptOut:
    """Store the recording as an attachment of the record and queue its transcription."""
    from crm.transcript.tasks import transcribe

    await check_record(session, principal, object_type, record_id, edit=True)
    content_type, chunks = await sniff_upload(part.chunks, part.declared_type, AUDIO_TYPES)
    attachment_id = uuid.uuid4()
    key = tenant_key(principal.organization_id, "attachments", attachment_id.hex)
    stored = await runtime.storage.put(
        key, chunks, content_type, max_bytes=runtime.settings.storage_max_upload_bytes
    )
    try:
        if stored.size == 0:
            raise BadRequest("the recording is empty", code="empty_file")
        session.add(
            Attachment(
                id=attachment_id,
                object_type=object_type,
                record_id=record_id,
                file_name=part.file_name,
                content_type=content_type,
                size=stored.size,
                sha256=stored.sha256,
                storage_key=key,
                status="ready",
                uploaded_by=principal.user_id,
            )
        )
        await session.flush()
        row = Transcript(
            id=uuid.uuid4(),
            object_type=object_type,
            record_id=record_id,
            attachment_id=attachment_id,
            kind=kind,
            status="pending",
            created_by=principal.user_id,
        )
        session.add(row)
        await session.flush()
        await session.refresh(row)
        # The file name can name a person: the trail keeps the facts only.
        meta = {
            "object_type": object_type,
            "record_id": str(record_id),
            "content_type": content_type,
            "size": stored.size,
        }
        await record_event(
            session,
            action="attachment.create",
            actor=principal,
            entity_type="attachment",
            entity_id=attachment_id,
            meta=meta,
        )
        await record_event(
            session,
            action="transcript.create",
            actor=principal,
            entity_type="transcript",
            entity_id=row.id,
            meta={**meta, "kind": kind},
        )
        await jobs.enqueue(
            session, transcribe, organization_id=str(principal.organization_id), transcript_id=str(row.id)
        )
        return to_out(row, [])
    except BaseException:
        # The rows will not be committed: do not leave the bytes behind.
        with contextlib.suppress(Exception):
            await runtime.storage.delete(key)
        raise


# --- reading -------------------------------------------------------------------------------------


async def _visible(
    session: AsyncSession, principal: Principal, transcript_id: uuid.UUID, *, edit: bool
) -> Transcript:
    row = await repository.get(session, transcript_id, for_update=edit)
    if row is None:
        raise NotFound("no such transcript")
    try:
        await check_record(session, principal, row.object_type, row.record_id, edit=edit)
    except NotFound:
        raise NotFound("no such transcript") from None
    return row


async def list_for_record(
    session: AsyncSession,
    principal: Principal,
    object_type: str,
    record_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
) -> Page[TranscriptSummaryOut]:
    await check_record(session, principal, object_type, record_id, edit=False)
    after = None
    if cursor:
        created_at, last_id = decode_cursor(cursor, LIST_SORT, 2, (dt.datetime, uuid.UUID))
        after = (created_at, last_id)
    rows = await repository.page(session, object_type, record_id, limit=limit, after=after)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(LIST_SORT, [rows[-1].created_at, rows[-1].id])
    pending = await repository.pending_counts(session, [row.id for row in rows])
    return Page[TranscriptSummaryOut](
        items=[TranscriptSummaryOut(**_summary_fields(row, pending.get(row.id, 0))) for row in rows],
        next_cursor=next_cursor,
    )


async def get(session: AsyncSession, principal: Principal, transcript_id: uuid.UUID) -> TranscriptOut:
    row = await _visible(session, principal, transcript_id, edit=False)
    return to_out(row, await repository.proposals(session, row.id))


# --- deciding ------------------------------------------------------------------------------------


async def _apply(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    transcript: Transcript,
    proposal: TranscriptProposal,
    version: int | None,
) -> uuid.UUID | None:
    """Apply an accepted proposal through the record's own service; the id of a task it created."""
    if proposal.target_field in ("expected_close_date", "amount"):
        if transcript.object_type != "deal":
            raise Conflict("only a deal has this field", code="not_applicable")
        if proposal.target_field == "expected_close_date":
            try:
                patch = DealPatch(expected_close_date=dt.date.fromisoformat(proposal.proposed_value))
            except ValueError:
                raise Conflict("the proposed date is not a date", code="not_applicable") from None
        else:
            try:
                patch = DealPatch(amount=Decimal(proposal.proposed_value))
            except (InvalidOperation, ValueError):
                raise Conflict("the proposed amount is not a number", code="not_applicable") from None
        await deals.update(session, runtime, principal, transcript.record_id, patch, expected_version=version)
        return None
    if proposal.target_field == "task":
        if not principal.can("activities", Action.create):
            raise Forbidden("your role may not create activities", code="forbidden")
        link = f"{transcript.object_type}_id"
        task = await activities.create(
            session,
            runtime,
            principal,
            ActivityCreate.model_validate(
                {
                    "kind": "task",
                    "subject": proposal.proposed_value[:300],
                    "body": proposal.evidence,
                    link: transcript.record_id,
                }
            ),
        )
        return task.id
    return None


async def decide(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    transcript_id: uuid.UUID,
    proposal_id: uuid.UUID,
    *,
    accept: bool,
    version: int | None,
) -> DecisionOut:
    transcript = await _visible(session, principal, transcript_id, edit=True)
    proposal = await repository.proposal(session, transcript.id, proposal_id)
    if proposal is None:
        raise NotFound("no such proposal")
    if proposal.status != "pending":
        raise Conflict(f"this proposal was already {proposal.status}", code="already_decided")
    task_id = None
    applied = False
    if accept:
        task_id = await _apply(session, runtime, principal, transcript, proposal, version)
        applied = proposal.target_field is not None
    proposal.status = "accepted" if accept else "rejected"
    proposal.decided_by = principal.user_id
    proposal.decided_at = dt.datetime.now(dt.UTC)
    await session.flush()
    await record_event(
        session,
        action="transcript.proposal_" + proposal.status,
        actor=principal,
        entity_type="transcript",
        entity_id=transcript.id,
        meta={
            "proposal_id": str(proposal.id),
            "field": proposal.field,
            "target_field": proposal.target_field,
            "record_type": transcript.object_type,
            "record_id": str(transcript.record_id),
            "applied": applied,
        },
    )
    return DecisionOut(proposal=proposal_out(proposal), applied=applied, activity_id=task_id)
