"""Payloads of transcripts and their proposed field updates."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field

from crm.kit import examples as ex
from crm.kit.examples import example

# One transcript told through every nested shape (the OpenAPI examples).
_SEGMENT = {
    "start": 12.4,
    "end": 17.9,
    "text": "We could start the implant treatment in the second week of April.",
}
_DRIVER = {
    "text": "We could start the implant treatment in the second week of April.",
    "label": "positive",
    "score": 0.7,
}
_PROPOSAL = {
    "id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    "field": "expected_close_date",
    "target_field": "expected_close_date",
    "current_value": "2026-04-30",
    "proposed_value": ex.DATE,
    "currency": None,
    "contact_id": ex.CONTACT_ID,
    "evidence": "We could start the implant treatment in the second week of April.",
    "evidence_start": 12.4,
    "rule": "date_mention",
    "status": "pending",
    "decided_by": None,
    "decided_at": None,
}
_SUMMARY = {
    "id": ex.TRANSCRIPT_ID,
    "object_type": "deal",
    "record_id": ex.DEAL_ID,
    "attachment_id": ex.ATTACHMENT_ID,
    "kind": "call",
    "status": "ready",
    "error": None,
    "duration_seconds": 184.2,
    "summary": "Lucía wants to start the implant treatment in mid-April and asked about financing.",
    "sentiment_label": "positive",
    "sentiment_score": 0.58,
    "model": "faster-whisper",
    "model_version": "tiny.en",
    "activity_id": ex.ACTIVITY_ID,
    "pending_proposals": 1,
    "created_by": ex.USER_ID,
    "created_at": ex.UPDATED_AT,
    "completed_at": ex.UPDATED_AT,
}
_TRANSCRIPT = {
    **_SUMMARY,
    "language": "en",
    "text": "We could start the implant treatment in the second week of April.",
    "segments": [_SEGMENT],
    "sentiment_drivers": [_DRIVER],
    "proposals": [_PROPOSAL],
}


TranscriptStatus = Literal["pending", "ready", "no_speech", "failed"]
ProposalStatus = Literal["pending", "accepted", "rejected"]
RecordingKind = Literal["call", "note"]


class SegmentOut(BaseModel):
    model_config = example(_SEGMENT)
    start: float = Field(description="Seconds from the start of the recording.")
    end: float
    text: str


class SentimentDriverOut(BaseModel):
    model_config = example(_DRIVER)
    text: str
    label: str
    score: float


class ProposalOut(BaseModel):
    model_config = example(_PROPOSAL)
    id: uuid.UUID
    field: str = Field(description="What was heard: expected_close_date, amount, next_step, ...")
    target_field: str | None = Field(
        description="What accepting changes: a deal's expected_close_date or amount, `task` (a follow-up "
        "task on the record), or None when the proposal is only a note to acknowledge."
    )
    current_value: str | None = Field(description="The record's value when the proposal was made.")
    proposed_value: str
    currency: str | None
    contact_id: uuid.UUID | None
    evidence: str = Field(description="The sentence it was read from.")
    evidence_start: float | None = Field(description="Where that sentence starts in the recording (s).")
    rule: str
    status: ProposalStatus
    decided_by: uuid.UUID | None
    decided_at: dt.datetime | None


class TranscriptSummaryOut(BaseModel):
    model_config = example(_SUMMARY)
    id: uuid.UUID
    object_type: str
    record_id: uuid.UUID
    attachment_id: uuid.UUID
    kind: RecordingKind
    status: TranscriptStatus
    error: str | None = Field(description="Why transcription failed (status failed).")
    duration_seconds: float | None
    summary: str | None
    sentiment_label: str | None
    sentiment_score: float | None
    model: str | None
    model_version: str | None
    activity_id: uuid.UUID | None = Field(description="The timeline activity made from it.")
    pending_proposals: int
    created_by: uuid.UUID | None
    created_at: dt.datetime
    completed_at: dt.datetime | None


class TranscriptOut(TranscriptSummaryOut):
    model_config = example(_TRANSCRIPT)
    language: str | None
    text: str | None
    segments: list[SegmentOut]
    sentiment_drivers: list[SentimentDriverOut]
    proposals: list[ProposalOut]


class DecisionIn(BaseModel):
    model_config = example(
        {"version": 4},
        extra="forbid",
    )

    version: int | None = Field(
        default=None, description="The record's version you saw (or send If-Match): 412 if it changed."
    )


class DecisionOut(BaseModel):
    model_config = example(
        {
            "proposal": {
                **_PROPOSAL,
                "status": "accepted",
                "decided_by": ex.USER_ID,
                "decided_at": ex.UPDATED_AT,
            },
            "applied": True,
            "activity_id": None,
        }
    )
    proposal: ProposalOut
    applied: bool = Field(description="Whether a record was changed (or a task created).")
    activity_id: uuid.UUID | None = Field(default=None, description="The task created, for next steps.")
