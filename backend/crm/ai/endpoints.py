"""/api/v1/ai/… and /api/v1/activities/{id}/sentiment: the AI service, behind RBAC, flags and audit.

Browsers never call the AI service; these endpoints do, with a service token for the caller's
organisation. When it is down or slow they answer 503 with ``Retry-After``; stored scores and
sentiment (lists, record pages, trends) keep being served from the database.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from crm.ai import sentiment, service
from crm.ai.schemas import (
    ActivitySentimentOut,
    LeadModelOut,
    ScoreLeadsIn,
    ScoreLeadsOut,
    SentimentIn,
    SentimentOut,
    SentimentTrendOut,
    TrainOut,
)
from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.flags.dependencies import require_flag

router = APIRouter(tags=["ai"])

UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "The AI service is down or slow (`ai_unavailable`): retry after `Retry-After` seconds."
    }
}
SCORING = [Depends(require_flag("ai.lead_scoring"))]
SENTIMENT = [Depends(require_flag("ai.sentiment"))]


@router.post(
    "/ai/leads/score",
    response_model=ScoreLeadsOut,
    dependencies=SCORING,
    responses={**UNAVAILABLE, 202: {"description": "all=true: the scoring job was queued"}},
)
async def score_leads(
    body: ScoreLeadsIn,
    response: Response,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("leads", "update"))],
) -> ScoreLeadsOut:
    """Score leads with the organisation's model and store score, reasons and model version on them.

    `lead_ids` (up to 1,000): scored now; the answer holds each probability, 0-100 score, top reasons
    and model version, and the ids that are not leads you may update. `all: true`: every open lead is
    scored by a background job (202, poll `/api/v1/jobs/{job_id}`); needs leads:update on all leads.
    Until the organisation has enough history for its own model, the transparent prior scores.
    """
    if body.all:
        response.status_code = 202
        return ScoreLeadsOut(job=await service.start_scoring(session, principal))
    assert body.lead_ids is not None
    return await service.score_leads(session, runtime.settings, principal, body.lead_ids)


@router.post(
    "/ai/leads/train",
    response_model=TrainOut,
    status_code=202,
    dependencies=SCORING,
    responses={409: {"description": "`not_enough_data`: fewer than 50 converted or 50 lost leads"}},
)
async def train_lead_model(
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("ai", "manage"))],
) -> TrainOut:
    """Queue training of a new lead-scoring model on the organisation's converted and lost leads.

    The candidate is evaluated on a holdout and promoted only if it beats the model in use (higher
    ROC AUC, no worse Brier score); then every open lead is rescored. Training also runs nightly.
    """
    return await service.start_training(session, principal)


@router.get("/ai/leads/model", response_model=LeadModelOut, dependencies=SCORING, responses=UNAVAILABLE)
async def lead_model(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("ai", "read"))],
) -> LeadModelOut:
    """The scoring model registry: which version serves, every trained version with its holdout ROC
    AUC, Brier score and calibration table, and how much training data the organisation has."""
    return await service.model_state(session, runtime.settings, principal)


@router.post("/ai/sentiment", response_model=SentimentOut, dependencies=SENTIMENT, responses=UNAVAILABLE)
async def analyze_sentiment(
    body: SentimentIn,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("ai", "read"))],
) -> SentimentOut:
    """Sentiment of a text (up to 20,000 characters): label, signed score, confidence and the
    sentences that drove it. Nothing is stored; the audit trail records the model, not the text."""
    return await sentiment.analyze_text(session, runtime.settings, principal, body.text, body.model)


@router.post(
    "/activities/{activity_id}/sentiment",
    response_model=ActivitySentimentOut,
    dependencies=SENTIMENT,
    responses={**UNAVAILABLE, 400: {"description": "`no_text`: the activity has nothing to read"}},
)
async def analyze_activity_sentiment(
    activity_id: uuid.UUID,
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("activities", "update"))],
) -> ActivitySentimentOut:
    """Read an activity's sentiment now (note, e-mail with its subject, call transcript, meeting
    notes) and store it on the activity. New activities are also read by a background sweep."""
    return await sentiment.analyze_activity(session, runtime.settings, principal, activity_id)


Period = Annotated[Literal["week", "month"], Query(description="Width of a trend bucket.")]
Periods = Annotated[int, Query(ge=1, le=104, description="How many periods back the trend reaches.")]


@router.get("/ai/sentiment/contacts/{contact_id}", response_model=SentimentTrendOut, dependencies=SENTIMENT)
async def contact_sentiment(
    contact_id: uuid.UUID,
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("contacts", "read"))],
    period: Period = "month",
    periods: Periods = 12,
) -> SentimentTrendOut:
    """Sentiment of the activities with a contact: overall counts, average score, trend per period
    (oldest first) and its direction, the latest analysed activities, and how many still wait."""
    return await sentiment.trend_for(
        session, principal, "contact", contact_id, period=period, periods=periods
    )


@router.get("/ai/sentiment/companies/{company_id}", response_model=SentimentTrendOut, dependencies=SENTIMENT)
async def company_sentiment(
    company_id: uuid.UUID,
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("companies", "read"))],
    period: Period = "month",
    periods: Periods = 12,
) -> SentimentTrendOut:
    """Sentiment of the activities with a company and its contacts, over time (see the contact view)."""
    return await sentiment.trend_for(
        session, principal, "company", company_id, period=period, periods=periods
    )
