"""Payloads of /api/v1/ai/… (the AI service's own shapes stay behind the backend)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from crm.kit import examples as ex
from crm.kit.examples import example

# The AI service refuses longer texts (CRM_AI_SENTIMENT_MAX_CHARS); stored records are cut to this.
MAX_TEXT_CHARS = 20_000
MAX_LEADS_PER_REQUEST = 1_000

SentimentLabel = Literal["negative", "neutral", "positive"]
SentimentModel = Literal["minilm_lr", "vader"]


class ScoreLeadsIn(BaseModel):
    model_config = example(
        {"lead_ids": [ex.LEAD_ID]},
        extra="forbid",
    )

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
    model_config = example({"feature": "source", "description": "came from a referral", "impact": 0.42})
    feature: str
    description: str
    impact: float = Field(description="Log-odds contribution: > 0 raises the score, < 0 lowers it.")


class LeadScoreOut(BaseModel):
    model_config = example(
        {
            "lead_id": ex.LEAD_ID,
            "score": 81,
            "probability": 0.81,
            "model_version": "gb-2026-03-01",
            "model_kind": "gradient_boosting",
            "reasons": [{"feature": "source", "description": "came from a referral", "impact": 0.42}],
            "scored_at": ex.UPDATED_AT,
        }
    )
    lead_id: uuid.UUID
    score: int = Field(description="0..100, the probability in percent.")
    probability: float = Field(description="Calibrated probability of conversion.")
    model_version: str
    model_kind: Literal["prior", "gradient_boosting"]
    reasons: list[ReasonOut]
    scored_at: dt.datetime


class JobRef(BaseModel):
    model_config = example({"job_id": ex.JOB_ID, "status": "queued"})
    job_id: uuid.UUID = Field(description="Poll GET /api/v1/jobs/{job_id} for progress.")
    status: str


class ScoreLeadsOut(BaseModel):
    model_config = example(
        {
            "results": [
                {
                    "lead_id": ex.LEAD_ID,
                    "score": 81,
                    "probability": 0.81,
                    "model_version": "gb-2026-03-01",
                    "model_kind": "gradient_boosting",
                    "reasons": [{"feature": "source", "description": "came from a referral", "impact": 0.42}],
                    "scored_at": ex.UPDATED_AT,
                }
            ],
            "not_found": [],
            "job": None,
        }
    )
    results: list[LeadScoreOut] = Field(default_factory=list)
    not_found: list[uuid.UUID] = Field(
        default_factory=list, description="Ids that are not leads you may update (or are deleted)."
    )
    job: JobRef | None = Field(default=None, description="Set when all=true: the scoring job.")


class TrainingData(BaseModel):
    model_config = example({"converted": 120, "lost": 340, "min_per_class": 30, "enough": True})
    converted: int
    lost: int
    min_per_class: int
    enough: bool = Field(description="Whether a model can be trained yet; before that the prior scores.")


class LeadModelOut(BaseModel):
    model_config = example(
        {
            "serving": "gb-2026-03-01",
            "kind": "gradient_boosting",
            "min_per_class": 30,
            "versions": [{"version": "gb-2026-03-01", "auc": 0.84, "brier": 0.14, "status": "promoted"}],
            "training_data": {"converted": 120, "lost": 340, "min_per_class": 30, "enough": True},
        }
    )
    serving: str = Field(description="Version that scores this organisation's leads now.")
    kind: Literal["prior", "gradient_boosting"]
    min_per_class: int
    versions: list[dict[str, Any]] = Field(
        description="Every trained version: holdout AUC, Brier score, calibration table, comparison "
        "with the model it challenged, and whether it was promoted, rejected or retired."
    )
    training_data: TrainingData


class TrainOut(BaseModel):
    model_config = example(
        {
            "job": {"job_id": ex.JOB_ID, "status": "queued"},
            "training_data": {"converted": 120, "lost": 340, "min_per_class": 30, "enough": True},
        }
    )
    job: JobRef
    training_data: TrainingData


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS)]


class SentimentIn(BaseModel):
    model_config = example(
        {"text": "Lucía was delighted with the consultation and wants to book the implant next month."},
        extra="forbid",
    )

    text: Text
    model: SentimentModel | None = Field(default=None, description="Omit for the default model.")


class DriverOut(BaseModel):
    model_config = example(
        {"text": "Lucía was delighted with the consultation", "label": "positive", "score": 0.91}
    )
    text: str = Field(description="A sentence of the input that pushed it towards the label.")
    label: str
    score: float


class SentimentOut(BaseModel):
    model_config = example(
        {
            "label": "positive",
            "score": 0.78,
            "confidence": 0.91,
            "drivers": [
                {"text": "Lucía was delighted with the consultation", "label": "positive", "score": 0.91}
            ],
            "model": "minilm_lr",
            "model_version": "minilm-lr-1",
        }
    )
    label: SentimentLabel
    score: float = Field(description="Signed strength, -1 (negative) .. 1 (positive).")
    confidence: float
    drivers: list[DriverOut]
    model: str
    model_version: str


class ActivitySentimentOut(BaseModel):
    model_config = example(
        {
            "activity_id": ex.ACTIVITY_ID,
            "label": "positive",
            "score": 0.78,
            "confidence": 0.91,
            "drivers": [
                {"text": "Lucía was delighted with the consultation", "label": "positive", "score": 0.91}
            ],
            "model": "minilm_lr",
            "analyzed_at": ex.UPDATED_AT,
        }
    )
    activity_id: uuid.UUID
    label: SentimentLabel | None = Field(description="None when the activity has no text to read.")
    score: float | None
    confidence: float | None
    drivers: list[DriverOut]
    model: str | None
    analyzed_at: dt.datetime


class SentimentBucket(BaseModel):
    model_config = example(
        {
            "period_start": "2026-03-01T00:00:00Z",
            "count": 4,
            "average_score": 0.41,
            "positive": 3,
            "neutral": 1,
            "negative": 0,
        }
    )
    period_start: dt.datetime
    count: int
    average_score: float
    positive: int
    neutral: int
    negative: int


class SentimentSummary(BaseModel):
    model_config = example({"count": 9, "average_score": 0.22, "positive": 5, "neutral": 3, "negative": 1})
    count: int
    average_score: float | None
    positive: int
    neutral: int
    negative: int


class RecentSentiment(BaseModel):
    model_config = example(
        {
            "activity_id": ex.ACTIVITY_ID,
            "kind": "call",
            "occurred_at": ex.UPDATED_AT,
            "label": "positive",
            "score": 0.78,
        }
    )
    activity_id: uuid.UUID
    kind: str
    occurred_at: dt.datetime
    label: SentimentLabel
    score: float


class SentimentTrendOut(BaseModel):
    model_config = example(
        {
            "entity_type": "contact",
            "entity_id": ex.CONTACT_ID,
            "period": "month",
            "overall": {"count": 9, "average_score": 0.22, "positive": 5, "neutral": 3, "negative": 1},
            "trend": [
                {
                    "period_start": "2026-02-01T00:00:00Z",
                    "count": 5,
                    "average_score": 0.05,
                    "positive": 2,
                    "neutral": 2,
                    "negative": 1,
                },
                {
                    "period_start": "2026-03-01T00:00:00Z",
                    "count": 4,
                    "average_score": 0.41,
                    "positive": 3,
                    "neutral": 1,
                    "negative": 0,
                },
            ],
            "direction": "improving",
            "recent": [
                {
                    "activity_id": ex.ACTIVITY_ID,
                    "kind": "call",
                    "occurred_at": ex.UPDATED_AT,
                    "label": "positive",
                    "score": 0.78,
                }
            ],
            "pending": 0,
        }
    )
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
