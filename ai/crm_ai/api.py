"""Mounts every /v1 router; each one depends on a verified service token."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from crm_ai.core.deps import Caller, service_caller
from crm_ai.embeddings.endpoints import router as embeddings_router
from crm_ai.forecasting.endpoints import router as forecasting_router
from crm_ai.personalization.endpoints import router as personalization_router
from crm_ai.scoring.endpoints import router as scoring_router
from crm_ai.search.endpoints import router as search_router
from crm_ai.sentiment.endpoints import router as sentiment_router
from crm_ai.transcription.endpoints import router as transcription_router

v1_router = APIRouter(prefix="/v1", dependencies=[Depends(service_caller)])


@v1_router.get("/whoami", tags=["meta"])
async def whoami(caller: Caller) -> dict[str, str]:
    """The organisation the token speaks for: lets the backend check its token set-up end to end."""
    return {"org_id": caller.org_id}


v1_router.include_router(sentiment_router)
v1_router.include_router(scoring_router)
v1_router.include_router(forecasting_router)
v1_router.include_router(embeddings_router)
v1_router.include_router(search_router)
v1_router.include_router(transcription_router)
v1_router.include_router(personalization_router)
