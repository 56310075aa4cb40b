from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm_ai.scoring.features import LeadFeatures

LeadId = Annotated[str, Field(min_length=1, max_length=64)]


class LeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: LeadId = Field(description="The backend's lead id, echoed back.")
    features: LeadFeatures


class LabelledLeadIn(LeadIn):
    outcome: Literal["converted", "lost"]


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    leads: list[LeadIn] = Field(min_length=1, max_length=10_000)


class TrainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    leads: list[LabelledLeadIn] = Field(min_length=1, max_length=200_000)
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="Holdout split and boosting seed.")


class ReasonOut(BaseModel):
    feature: str
    description: str
    impact: float = Field(description="Log-odds contribution: > 0 raises the score, < 0 lowers it.")


class LeadScoreOut(BaseModel):
    id: str
    probability: float = Field(
        description="Calibrated probability of conversion (the prior's estimate before training)."
    )
    score: int = Field(description="0..100, for lists and sorting.")
    model_version: str
    model_kind: Literal["prior", "gradient_boosting"]
    reasons: list[ReasonOut]


class ScoreResponse(BaseModel):
    results: list[LeadScoreOut]


class ModelState(BaseModel):
    serving: str
    kind: Literal["prior", "gradient_boosting"]
    min_per_class: int
    versions: list[dict[str, Any]]
