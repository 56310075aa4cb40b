"""/api/v1/{contacts,companies,leads,deals}/{id}/transcripts and /api/v1/transcripts/{id}/…"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Query, Request

from crm.attachment.endpoints import MULTIPART_BODY
from crm.attachment.service import COLLECTIONS
from crm.attachment.upload import check_length, file_part
from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.flags.dependencies import require_flag
from crm.kit.pagination import Page
from crm.kit.records import parse_if_match
from crm.transcript import service
from crm.transcript.schemas import DecisionIn, DecisionOut, RecordingKind, TranscriptOut, TranscriptSummaryOut

router = APIRouter(tags=["transcripts"])
FLAG = [Depends(require_flag("ai.transcription"))]

Reader = Annotated[Principal, Depends(require_permission("attachments", "read"))]
Uploader = Annotated[Principal, Depends(require_permission("attachments", "create"))]
Decider = Annotated[Principal, Depends(require_permission("ai", "read"))]


def _mount(collection: str, object_type: str) -> None:
    async def upload_recording(
        record_id: uuid.UUID,
        request: Request,
        principal: Uploader,
        session: TenantSession,
        runtime: RuntimeDep,
        kind: Annotated[RecordingKind, Query(description="What it becomes on the timeline.")] = "note",
    ) -> TranscriptOut:
        check_length(request, runtime.settings.storage_max_upload_bytes)
        part = await file_part(request)
        return await service.upload(session, runtime, principal, object_type, record_id, part, kind)

    async def list_transcripts(
        record_id: uuid.UUID,
        principal: Reader,
        session: TenantSession,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(max_length=500)] = None,
    ) -> Page[TranscriptSummaryOut]:
        return await service.list_for_record(
            session, principal, object_type, record_id, limit=limit, cursor=cursor
        )

    router.add_api_route(
        f"/{collection}/{{record_id}}/transcripts",
        upload_recording,
        methods=["POST"],
        status_code=202,
        response_model=TranscriptOut,
        dependencies=FLAG,
        name=f"upload_{object_type}_recording",
        openapi_extra=MULTIPART_BODY,
        responses={
            413: {"description": "larger than the storage limit"},
            415: {"description": "not webm, ogg, wav or mp3 audio (sniffed from the bytes)"},
        },
        description=f"Upload a voice note or call recording of a {object_type} (`multipart/form-data`, "
        "one part named `file`: webm, ogg, wav or mp3, up to 30 minutes; the type is sniffed from "
        "the bytes). It is stored as an attachment and transcribed in the background: poll "
        "`GET /transcripts/{id}` until `status` is `ready`, `no_speech` or `failed`.",
    )
    router.add_api_route(
        f"/{collection}/{{record_id}}/transcripts",
        list_transcripts,
        methods=["GET"],
        response_model=Page[TranscriptSummaryOut],
        dependencies=FLAG,
        name=f"list_{object_type}_transcripts",
        description=f"Transcripts of a {object_type}'s recordings, newest first (keyset pages). "
        f"404 if the {object_type} is not visible to you.",
    )


for _collection, _object_type in COLLECTIONS.items():
    _mount(_collection, _object_type)


@router.get("/transcripts/{transcript_id}", response_model=TranscriptOut, dependencies=FLAG)
async def get_transcript(
    transcript_id: uuid.UUID, principal: Reader, session: TenantSession
) -> TranscriptOut:
    """One transcript: text with segment timestamps, sentiment, summary, status, model version and
    the field updates it proposes."""
    return await service.get(session, principal, transcript_id)


@router.post(
    "/transcripts/{transcript_id}/proposals/{proposal_id}/accept",
    response_model=DecisionOut,
    dependencies=FLAG,
    responses={
        409: {"description": "already decided, or not applicable to this record"},
        412: {"description": "the record changed since you saw it"},
    },
)
async def accept_proposal(
    transcript_id: uuid.UUID,
    proposal_id: uuid.UUID,
    principal: Decider,
    session: TenantSession,
    runtime: RuntimeDep,
    body: Annotated[DecisionIn | None, Body()] = None,
    if_match: Annotated[str | None, Header()] = None,
) -> DecisionOut:
    """Accept a proposed update: a deal's close date or amount is changed through the deal service
    (your permission on the deal, its version, its audit), a next step becomes a task on the
    record; a mention is only acknowledged. Records who decided and when."""
    version = parse_if_match(if_match)
    if version is None and body is not None:
        version = body.version
    return await service.decide(
        session, runtime, principal, transcript_id, proposal_id, accept=True, version=version
    )


@router.post(
    "/transcripts/{transcript_id}/proposals/{proposal_id}/reject",
    response_model=DecisionOut,
    dependencies=FLAG,
    responses={409: {"description": "already decided"}},
)
async def reject_proposal(
    transcript_id: uuid.UUID,
    proposal_id: uuid.UUID,
    principal: Decider,
    session: TenantSession,
    runtime: RuntimeDep,
) -> DecisionOut:
    """Reject a proposed update: nothing changes on the record; who decided is recorded."""
    return await service.decide(
        session, runtime, principal, transcript_id, proposal_id, accept=False, version=None
    )
