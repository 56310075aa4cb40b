from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# Static bounds only; the configurable limits (CRM_AI_SENTIMENT_MAX_BATCH / _MAX_CHARS) are checked
# in the endpoint so they can change without a schema change.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ModelName = Literal["minilm_lr", "vader"]


class SentimentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: list[Text] = Field(min_length=1, description="Notes, emails, chat messages or transcripts.")
    model: ModelName | None = Field(default=None, description="Omit to use the default model.")


class DriverOut(BaseModel):
    text: str = Field(description="A sentence of the input that pushed it towards the label.")
    label: str
    score: float = Field(description="The sentence's own signed score, -1..1.")


class SentimentOut(BaseModel):
    label: Literal["negative", "neutral", "positive"]
    score: float = Field(description="Signed strength, -1 (negative) .. 1 (positive).")
    confidence: float = Field(
        description="Probability of the label (1.0 for VADER: a rule, not a probability)."
    )
    drivers: list[DriverOut]


class SentimentResponse(BaseModel):
    model: str
    model_version: str
    results: list[SentimentOut]
