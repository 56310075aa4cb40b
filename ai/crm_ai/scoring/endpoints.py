from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from crm_ai.core.deps import Caller, HubDep
from crm_ai.scoring.schemas import (
    LeadScoreOut,
    ModelState,
    ReasonOut,
    ScoreRequest,
    ScoreResponse,
    TrainRequest,
)
from crm_ai.scoring.service import LeadScoring

router = APIRouter(prefix="/lead-scoring", tags=["lead scoring"])


@router.post("/score", response_model=ScoreResponse)
async def score_leads(body: ScoreRequest, caller: Caller, hub: HubDep) -> ScoreResponse:
    """Conversion probability, a 0-100 score and the top reasons for each lead.

    Uses the organisation's promoted model, or the transparent prior until one has been promoted.
    """
    scoring: LeadScoring = hub.get("lead_scoring")
    results = await run_in_threadpool(scoring.score, caller.org_id, [lead.features for lead in body.leads])
    return ScoreResponse(
        results=[
            LeadScoreOut(
                id=lead.id,
                probability=r.probability,
                score=r.score,
                model_version=r.model_version,
                model_kind=r.model_kind,
                reasons=[
                    ReasonOut(feature=x.feature, description=x.description, impact=x.impact)
                    for x in r.reasons
                ],
            )
            for lead, r in zip(body.leads, results, strict=True)
        ]
    )


@router.post("/train")
async def train_model(body: TrainRequest, caller: Caller, hub: HubDep) -> dict[str, Any]:
    """Train a candidate on the organisation's converted vs lost leads and promote it if it beats the
    served scorer on the holdout (higher ROC AUC, no worse Brier).

    409 `not_enough_data` below 50 converted and 50 lost leads. Returns the registry entry: holdout
    AUC, Brier score, calibration table, the comparison and the decision.
    """
    scoring: LeadScoring = hub.get("lead_scoring")
    features = [lead.features for lead in body.leads]
    converted = [lead.outcome == "converted" for lead in body.leads]
    report: dict[str, Any] = await run_in_threadpool(
        scoring.train, caller.org_id, features, converted, body.seed
    )
    return report


@router.get("/model", response_model=ModelState)
async def model_state(caller: Caller, hub: HubDep) -> ModelState:
    """Which scorer serves this organisation, and every trained version with its metrics."""
    scoring: LeadScoring = hub.get("lead_scoring")
    return ModelState(**scoring.state(caller.org_id))
