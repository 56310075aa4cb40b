"""The transcription job: send a recording to the AI service, store what comes back.

Corrupt, unsupported, too long or silent audio ends in an explicit state (``failed`` with the
reason, or ``no_speech``), never a crash or an invented text. When the AI service is down the job
raises ``AIUnavailable`` and Procrastinate retries it with back-off; the transcript stays
``pending`` meanwhile. A ready transcript also becomes a call or note on the record's timeline
(summary first, then the text) and its proposed field updates wait for a person's decision.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import uuid
from typing import Any

import procrastinate

from crm.ai.client import AIRejected, CallTimeout, client_for
from crm.ai.service import org_flag_on
from crm.audit.service import record_event
from crm.auth.principal import ActorType
from crm.core import jobs
from crm.core.db import unit_of_work
from crm.core.errors import AppError
from crm.core.runtime import Runtime, get_runtime
from crm.kit.followups import Change, record_change
from crm.models import Activity, Deal, Transcript, TranscriptProposal
from crm.transcript import repository

log = logging.getLogger(__name__)

QUEUE = "ai"
MODEL = "transcription"
# 3 s, 9 s, 27 s, ...: an AI outage of up to ~55 minutes is ridden out.
RETRY = procrastinate.RetryStrategy(max_attempts=8, exponential_wait=3)
# 30 minutes of audio at ~0.1x real time on a busy 2-core machine, with room to spare.
TIMEOUT = CallTimeout(read=900.0, total=900.0, connect=5.0)
# What the AI service's decoder is told the body is (it sniffs the container anyway).
WIRE_TYPES = {
    "video/webm": "audio/webm",
    "audio/webm": "audio/webm",
    "application/ogg": "audio/ogg",
    "audio/ogg": "audio/ogg",
    "audio/wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/x-wav": "audio/wav",
    "audio/mpeg": "audio/mpeg",
}
MAX_ACTIVITY_BODY = 20_000
TITLES = {"call": "Call recording", "note": "Voice note"}


def target_of(field: str, object_type: str) -> str | None:
    """What accepting a proposal of ``field`` changes on a record of ``object_type``."""
    if field in ("expected_close_date", "amount") and object_type == "deal":
        return field
    if field == "next_step":
        return "task"
    return None


@jobs.app.task(name="transcript.transcribe", queue=QUEUE, retry=RETRY)
async def transcribe(organization_id: str, transcript_id: str) -> None:
    """Transcribe one recording and store transcript, analysis, timeline activity and proposals."""
    await process(get_runtime(), uuid.UUID(organization_id), uuid.UUID(transcript_id))


async def process(runtime: Runtime, organization_id: uuid.UUID, transcript_id: uuid.UUID) -> str | None:
    """The job's work; returns the transcript's final status (None if there was nothing to do)."""
    async with unit_of_work(runtime.sessions, organization_id) as session:
        found = await repository.with_audio(session, transcript_id)
        if found is None or found[0].status != "pending":
            return None  # erased meanwhile, or done by an earlier attempt
        transcript, attachment = found
        if not await org_flag_on(session, organization_id, "ai.transcription"):
            await _fail(session, transcript, "transcription is switched off for this organisation")
            return "failed"
        reference = transcript.created_at.date().isoformat()
        key, content_type = attachment.storage_key, attachment.content_type
    audio = bytearray()
    async for chunk in await runtime.storage.open(key):
        audio += chunk
    # No transaction is held while the recording is transcribed (it may take minutes).
    try:
        answer: dict[str, Any] = await client_for(runtime.settings).call(
            "POST",
            "/v1/transcriptions",
            org_id=str(organization_id),
            subject="job:transcribe",
            content=bytes(audio),
            content_type=WIRE_TYPES.get(content_type, "application/octet-stream"),
            params={"reference_date": reference, "analyze": "true"},
            idempotent=False,
            limits=TIMEOUT,
        )
    except AIRejected as exc:
        return await _finish_failed(runtime, organization_id, transcript_id, exc.detail)
    except AppError as exc:
        if exc.status_code in (413, 415):  # too long, or not a format the service reads
            return await _finish_failed(runtime, organization_id, transcript_id, exc.detail)
        raise
    async with unit_of_work(runtime.sessions, organization_id) as session:
        fresh = await repository.get(session, transcript_id, for_update=True)
        if fresh is None or fresh.status != "pending":
            return None
        await _store(session, runtime, fresh, answer)
        return fresh.status


async def _finish_failed(
    runtime: Runtime, organization_id: uuid.UUID, transcript_id: uuid.UUID, reason: str
) -> str | None:
    async with unit_of_work(runtime.sessions, organization_id) as session:
        transcript = await repository.get(session, transcript_id, for_update=True)
        if transcript is None or transcript.status != "pending":
            return None
        await _fail(session, transcript, reason)
        return "failed"


async def _fail(session: Any, transcript: Transcript, reason: str) -> None:
    transcript.status = "failed"
    transcript.error = reason[:500]
    transcript.completed_at = dt.datetime.now(dt.UTC)
    await session.flush()
    await record_event(
        session,
        action="transcript.failed",
        actor=None,
        organization_id=transcript.organization_id,
        actor_type=ActorType.ai,
        entity_type="transcript",
        entity_id=transcript.id,
        meta={"model": MODEL, "reason": transcript.error},
    )


async def _store(session: Any, runtime: Runtime, transcript: Transcript, answer: dict[str, Any]) -> None:
    now = dt.datetime.now(dt.UTC)
    transcript.model = answer["model"]
    transcript.language = answer["language"]
    transcript.duration_seconds = answer["duration_seconds"]
    transcript.completed_at = now
    if answer["status"] != "ok":
        transcript.status = "no_speech"
        transcript.error = answer["detail"][:500]
        transcript.text = ""
        transcript.segments = []
        transcript.model_version = answer["model"]
        await session.flush()
        await _audit(session, transcript, proposals=0)
        return
    analysis = answer.get("analysis") or {}
    sentiment = analysis.get("sentiment") or {}
    summary = (analysis.get("summary") or {}).get("text") or None
    transcript.status = "ready"
    transcript.text = answer["text"]
    transcript.segments = answer["segments"]
    transcript.summary = summary
    transcript.sentiment_label = sentiment.get("label")
    transcript.sentiment_score = sentiment.get("score")
    transcript.sentiment_drivers = sentiment.get("drivers")
    # The speech model, and the sentiment model that read it.
    transcript.model_version = ",".join(
        v
        for v in (
            answer["model"],
            sentiment.get("model") and f"{sentiment['model']}:{sentiment['model_version']}",
        )
        if v
    )
    activity = await _timeline_activity(session, transcript, sentiment, now)
    transcript.activity_id = activity.id
    proposals = await _proposals(session, transcript, analysis.get("proposed_updates") or [])
    await session.flush()
    await _audit(session, transcript, proposals=proposals)
    await record_change(
        session, runtime, Change(transcript.organization_id, "activity", (activity.id,), "created")
    )
    # The transcript is searchable on its own too (crm/search follows "transcript" changes).
    await record_change(
        session, runtime, Change(transcript.organization_id, "transcript", (transcript.id,), "updated")
    )


async def _timeline_activity(
    session: Any, transcript: Transcript, sentiment: dict[str, Any], now: dt.datetime
) -> Activity:
    text = transcript.text or ""
    body = f"{transcript.summary}\n\nTranscript:\n{text}" if transcript.summary else text
    if len(body) > MAX_ACTIVITY_BODY:
        body = body[: MAX_ACTIVITY_BODY - 1] + "…"
    activity = Activity(
        id=uuid.uuid4(),
        kind=transcript.kind,
        subject=TITLES.get(transcript.kind, "Recording") + " (transcribed)",
        body=body,
        occurred_at=transcript.created_at,
        completed_at=now if transcript.kind == "call" else None,
        duration_minutes=math.ceil((transcript.duration_seconds or 0) / 60)
        if transcript.kind == "call"
        else None,
        owner_id=transcript.created_by,
        # Its sentiment is the transcript's: the sentiment sweep need not read it again.
        sentiment_label=sentiment.get("label"),
        sentiment_score=sentiment.get("score"),
        sentiment_confidence=sentiment.get("confidence"),
        sentiment_drivers=sentiment.get("drivers"),
        sentiment_model=(f"{sentiment['model']}:{sentiment['model_version']}"[:80] if sentiment else None),
        sentiment_at=now if sentiment else None,
    )
    setattr(activity, f"{transcript.object_type}_id", transcript.record_id)
    session.add(activity)
    await session.flush()
    await record_event(
        session,
        action="activity.create",
        actor=None,
        organization_id=transcript.organization_id,
        actor_type=ActorType.ai,
        entity_type="activity",
        entity_id=activity.id,
        meta={"model": MODEL, "version": transcript.model, "transcript_id": str(transcript.id)},
    )
    return activity


async def _proposals(session: Any, transcript: Transcript, updates: list[dict[str, Any]]) -> int:
    current: dict[str, str | None] = {}
    if transcript.object_type == "deal":
        deal = await session.get(Deal, transcript.record_id)
        if deal is not None:
            current = {
                "expected_close_date": deal.expected_close_date and deal.expected_close_date.isoformat(),
                "amount": None if deal.amount is None else str(deal.amount),
            }
    for update in updates:
        contact_id = None
        if update.get("contact_id"):
            try:
                contact_id = uuid.UUID(str(update["contact_id"]))
            except ValueError:
                contact_id = None
        session.add(
            TranscriptProposal(
                id=uuid.uuid4(),
                transcript_id=transcript.id,
                field=update["field"],
                target_field=target_of(update["field"], transcript.object_type),
                current_value=current.get(update["field"]),
                proposed_value=str(update["value"]),
                currency=update.get("currency"),
                contact_id=contact_id,
                evidence=update["evidence"],
                evidence_start=update.get("at_seconds"),
                rule=update["rule"][:60],
                status="pending",
            )
        )
    return len(updates)


async def _audit(session: Any, transcript: Transcript, *, proposals: int) -> None:
    await record_event(
        session,
        action="transcript.transcribe",
        actor=None,
        organization_id=transcript.organization_id,
        actor_type=ActorType.ai,
        entity_type="transcript",
        entity_id=transcript.id,
        meta={
            "model": MODEL,
            "version": transcript.model_version,
            "status": transcript.status,
            "duration_seconds": transcript.duration_seconds,
            "proposals": proposals,
        },
    )
