from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from crm_ai.core.deps import Caller, HubDep, SettingsDep
from crm_ai.core.errors import InvalidPayload, NotReady
from crm_ai.sentiment.schemas import DriverOut, SentimentOut, SentimentRequest, SentimentResponse
from crm_ai.sentiment.service import SentimentService

router = APIRouter(tags=["sentiment"])


@router.post("/sentiment", response_model=SentimentResponse)
async def analyze_sentiment(
    body: SentimentRequest, caller: Caller, hub: HubDep, settings: SettingsDep
) -> SentimentResponse:
    """Sentiment of a batch of texts: label, signed score, confidence and the driving sentences.

    The default model is the MiniLM-embedding classifier when it beat VADER on the frozen
    evaluation set, else VADER. The model is global (trained on our own labelled messages, no
    customer data), so no organisation's data reaches another's results.
    """
    del caller  # authenticated per organisation; nothing here is stored
    if len(body.texts) > settings.sentiment_max_batch:
        raise InvalidPayload(f"texts: at most {settings.sentiment_max_batch} texts per request")
    too_long = [i for i, t in enumerate(body.texts) if len(t) > settings.sentiment_max_chars]
    if too_long:
        raise InvalidPayload(f"texts.{too_long[0]}: longer than {settings.sentiment_max_chars} characters")
    service: SentimentService = hub.get("sentiment")
    name = body.model or service.default
    if name not in service.models:
        raise NotReady(f"model {name} is not available")
    # Torch releases the GIL; running off the event loop keeps health probes answering.
    results = await run_in_threadpool(service.analyze, body.texts, name)
    return SentimentResponse(
        model=name,
        model_version=service.version(name),
        results=[
            SentimentOut(
                label=r.label,
                score=r.score,
                confidence=r.confidence,
                drivers=[DriverOut(text=d.text, label=d.label, score=d.score) for d in r.drivers],
            )
            for r in results
        ],
    )
