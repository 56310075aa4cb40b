from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from crm_ai.sentiment.schemas import SentimentOut


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(min_length=1, max_length=64)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]


class SegmentOut(BaseModel):
    start: float = Field(description="Seconds from the start of the recording.")
    end: float
    text: str


class AnalyzeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    reference_date: dt.date | None = Field(
        default=None,
        description="Date the words are relative to (the recording's date); default today (UTC).",
    )
    known_contacts: list[ContactIn] = Field(
        default_factory=list, max_length=500, description="Contacts of the record, matched by name."
    )


class ProposalOut(BaseModel):
    field: Literal[
        "expected_close_date",
        "next_activity_date",
        "mentioned_date",
        "amount",
        "next_step",
        "contact_mentioned",
        "person_mentioned",
    ]
    value: str | float
    currency: str | None = None
    contact_id: str | None = None
    evidence: str = Field(description="The sentence it was read from.")
    rule: str = Field(description="Which rule proposed it.")
    at_seconds: float | None = Field(default=None, description="Where the sentence starts in the recording.")


class SummaryOut(BaseModel):
    method: str
    sentences: list[str]
    text: str


class SentimentSummaryOut(SentimentOut):
    model: str
    model_version: str


class AnalysisOut(BaseModel):
    sentiment: SentimentSummaryOut
    summary: SummaryOut
    proposed_updates: list[ProposalOut] = Field(
        description="Suggestions for a person to accept or reject; nothing has been changed."
    )


class TimingOut(BaseModel):
    decode_seconds: float
    transcribe_seconds: float
    real_time_factor: float = Field(description="Transcription time / audio duration.")


class TranscriptionResponse(BaseModel):
    status: Literal["ok", "no_speech"]
    detail: str
    model: str
    language: str
    format: str
    duration_seconds: float
    text: str
    segments: list[SegmentOut]
    timing: TimingOut
    analysis: AnalysisOut | None
