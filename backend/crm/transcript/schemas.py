"""Payloads of transcripts and their proposed field updates."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TranscriptStatus = Literal["pending", "ready", "no_speech", "failed"]
ProposalStatus = Literal["pending", "accepted", "rejected"]
RecordingKind = Literal["call", "note"]


class SegmentOut(BaseModel):
    start: float = Field(description="Seconds from the start of the recording.")
    end: float
    text: str


class SentimentDriverOut(BaseModel):
    text: str
    label: str
    score: float


class ProposalOut(BaseModel):
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
    language: str | None
    text: str | None
    segments: list[SegmentOut]
    sentiment_drivers: list[SentimentDriverOut]
    proposals: list[ProposalOut]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(
        default=None, description="The record's version you saw (or send If-Match): 412 if it changed."
    )


class DecisionOut(BaseModel):
    proposal: ProposalOut
    applied: bool = Field(description="Whether a record was changed (or a task created).")
    activity_id: uuid.UUID | None = Field(default=None, description="The task created, for next steps.")
