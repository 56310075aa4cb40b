from __future__ import annotations

import datetime as dt
import tempfile
import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from crm_ai.core.deps import Caller, HubDep, SettingsDep
from crm_ai.core.errors import InvalidPayload
from crm_ai.embeddings.encoder import Encoder
from crm_ai.sentiment.service import SentimentService
from crm_ai.transcription import audio
from crm_ai.transcription.engine import Transcriber
from crm_ai.transcription.extraction import KnownContact
from crm_ai.transcription.schemas import (
    AnalysisOut,
    AnalyzeRequest,
    SegmentOut,
    TimingOut,
    TranscriptionResponse,
)
from crm_ai.transcription.service import analyze

router = APIRouter(tags=["transcription"])
SPOOL_BYTES = 8 * 1024 * 1024


@router.post(
    "/transcriptions",
    response_model=TranscriptionResponse,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in audio.CONTENT_TYPES},
        }
    },
)
async def transcribe(
    request: Request,
    caller: Caller,
    hub: HubDep,
    settings: SettingsDep,
    reference_date: Annotated[
        dt.date | None, Query(description="The recording's date, for 'next Friday'; default today (UTC).")
    ] = None,
    run_analysis: Annotated[
        bool, Query(alias="analyze", description="Also sentiment, summary, updates.")
    ] = True,
) -> TranscriptionResponse:
    """Transcribe a voice note or call recording (the request body is the file: webm, ogg, wav or
    mp3, up to 30 minutes) with faster-whisper, or the OpenAI-compatible API configured with
    `CRM_AI_TRANSCRIPTION_DRIVER=openai` (`model` names it), then analyse the transcript.

    400 `invalid_audio` for a corrupt or empty file, 415 for another format, 413 `audio_too_long`;
    silence or sound without speech gives `status: "no_speech"` with an empty text, never invented words.
    """
    del caller  # nothing is kept: the audio goes to a temporary file that is gone after the call
    transcriber: Transcriber = hub.get("transcriber")
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as upload:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            upload.write(chunk)
        if size == 0:
            raise audio.InvalidAudio("empty request body: send the audio file as the body")
        upload.seek(0)
        started = time.perf_counter()
        decoded = await run_in_threadpool(audio.decode, upload, settings.transcription_max_seconds)  # type: ignore[arg-type]
        decode_s = time.perf_counter() - started
    duration = decoded.seconds
    if decoded.silent:
        return _no_speech(transcriber, decoded, decode_s, 0.0, "the recording is silent")
    transcript = await run_in_threadpool(transcriber.transcribe, decoded.samples)
    if not transcript.segments:
        return _no_speech(transcriber, decoded, decode_s, transcript.seconds, "no speech was detected")
    analysis = None
    if run_analysis:
        sentiment: SentimentService = hub.get("sentiment")
        encoder: Encoder = hub.get("text_encoder")
        analysis = await run_in_threadpool(
            lambda: analyze(
                transcript.text,
                sentiment=sentiment,
                encoder=encoder,
                reference=reference_date,
                segments=transcript.segments,
            )
        )
    return TranscriptionResponse(
        status="ok",
        detail=f"{len(transcript.segments)} segments",
        model=transcriber.name,
        language=transcript.language,
        format=decoded.format,
        duration_seconds=round(duration, 2),
        text=transcript.text,
        segments=[SegmentOut(start=s.start, end=s.end, text=s.text) for s in transcript.segments],
        timing=_timing(decode_s, transcript.seconds, duration),
        analysis=analysis,
    )


@router.post("/transcripts/analyze", response_model=AnalysisOut)
async def analyze_transcript(
    body: AnalyzeRequest, caller: Caller, hub: HubDep, settings: SettingsDep
) -> AnalysisOut:
    """Sentiment, an extractive summary and proposed field updates (dates, amounts, next steps,
    contacts mentioned) for a transcript or note, by rules and MiniLM, without an LLM."""
    del caller
    if len(body.text) > settings.transcript_max_chars:
        raise InvalidPayload(f"text: longer than {settings.transcript_max_chars} characters")
    sentiment: SentimentService = hub.get("sentiment")
    encoder: Encoder = hub.get("text_encoder")
    known = [KnownContact(c.id, c.name) for c in body.known_contacts]
    return await run_in_threadpool(
        lambda: analyze(
            body.text, sentiment=sentiment, encoder=encoder, reference=body.reference_date, known=known
        )
    )


def _timing(decode_s: float, transcribe_s: float, duration: float) -> TimingOut:
    return TimingOut(
        decode_seconds=round(decode_s, 3),
        transcribe_seconds=round(transcribe_s, 3),
        real_time_factor=round(transcribe_s / duration, 4) if duration > 0 else 0.0,
    )


def _no_speech(
    transcriber: Transcriber, decoded: audio.Audio, decode_s: float, transcribe_s: float, detail: str
) -> TranscriptionResponse:
    return TranscriptionResponse(
        status="no_speech",
        detail=detail,
        model=transcriber.name,
        language="en",
        format=decoded.format,
        duration_seconds=round(decoded.seconds, 2),
        text="",
        segments=[],
        timing=_timing(decode_s, transcribe_s, decoded.seconds),
        analysis=None,
    )
