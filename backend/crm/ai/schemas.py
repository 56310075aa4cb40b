"""Payloads of /api/v1/ai/… (the AI service's own shapes stay behind the backend)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

# The AI service refuses longer texts (CRM_AI_SENTIMENT_MAX_CHARS); stored records are cut to this.
MAX_TEXT_CHARS = 20_000
MAX_LEADS_PER_REQUEST = 1_000

SentimentLabel = Literal["negative", "neutral", "positive"]
SentimentModel = Literal["minilm_lr", "vader"]


class ScoreLeadsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lead_ids: list[uuid.UUID] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_LEADS_PER_REQUEST,
        description="Score these leads now and return their scores.",
    )
    all: bool = Field(default=False, description="Score every open lead in a background job instead.")

    @model_validator(mode="after")
    def _one_of(self) -> ScoreLeadsIn:
        if (self.lead_ids is None) == (not self.all):
            raise ValueError("give either lead_ids or all=true")
        return self


class ReasonOut(BaseModel):
    feature: str
    description: str
    impact: float = Field(description="Log-odds contribution: > 0 raises the score, < 0 lowers it.")


class LeadScoreOut(BaseModel):
    lead_id: uuid.UUID
    score: int = Field(description="0..100, the probability in percent.")
    probability: float = Field(description="Calibrated probability of conversion.")
    model_version: str
    model_kind: Literal["prior", "gradient_boosting"]
    reasons: list[ReasonOut]
    scored_at: dt.datetime


class JobRef(BaseModel):
    job_id: uuid.UUID = Field(description="Poll GET /api/v1/jobs/{job_id} for progress.")
    status: str


class ScoreLeadsOut(BaseModel):
    results: list[LeadScoreOut] = Field(default_factory=list)
    not_found: list[uuid.UUID] = Field(
        default_factory=list, description="Ids that are not leads you may update (or are deleted)."
    )
    job: JobRef | None = Field(default=None, description="Set when all=true: the scoring job.")


class TrainingData(BaseModel):
    converted: int
    lost: int
    min_per_class: int
    enough: bool = Field(description="Whether a model can be trained yet; before that the prior scores.")


class LeadModelOut(BaseModel):
    serving: str = Field(description="Version that scores this organisation's leads now.")
    kind: Literal["prior", "gradient_boosting"]
    min_per_class: int
    versions: list[dict[str, Any]] = Field(
        description="Every trained version: holdout AUC, Brier score, calibration table, comparison "
        "with the model it challenged, and whether it was promoted, rejected or retired."
    )
    training_data: TrainingData


class TrainOut(BaseModel):
    job: JobRef
    training_data: TrainingData


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS)]


class SentimentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text
    model: SentimentModel | None = Field(default=None, description="Omit for the default model.")


class DriverOut(BaseModel):
    text: str = Field(description="A sentence of the input that pushed it towards the label.")
    label: str
    score: float


class SentimentOut(BaseModel):
    label: SentimentLabel
    score: float = Field(description="Signed strength, -1 (negative) .. 1 (positive).")
    confidence: float
    drivers: list[DriverOut]
    model: str
    model_version: str


class ActivitySentimentOut(BaseModel):
    activity_id: uuid.UUID
    label: SentimentLabel | None = Field(description="None when the activity has no text to read.")
    score: float | None
    confidence: float | None
    drivers: list[DriverOut]
    model: str | None
    analyzed_at: dt.datetime


class SentimentBucket(BaseModel):
    period_start: dt.datetime
    count: int
    average_score: float
    positive: int
    neutral: int
    negative: int


class SentimentSummary(BaseModel):
    count: int
    average_score: float | None
    positive: int
    neutral: int
    negative: int


class RecentSentiment(BaseModel):
    activity_id: uuid.UUID
    kind: str
    occurred_at: dt.datetime
    label: SentimentLabel
    score: float


class SentimentTrendOut(BaseModel):
    entity_type: Literal["contact", "company"]
    entity_id: uuid.UUID
    period: Literal["week", "month"]
    overall: SentimentSummary
    trend: list[SentimentBucket] = Field(
        description="Oldest period first; periods with no analysed activity are left out."
    )
    direction: Literal["improving", "worsening", "steady", "unknown"] = Field(
        description="Latest period against the average of the earlier ones (±0.15)."
    )
    recent: list[RecentSentiment]
    pending: int = Field(description="Activities with text not analysed yet (a job picks them up).")
