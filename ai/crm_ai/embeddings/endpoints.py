from __future__ import annotations

import base64
from typing import Any

import numpy as np
from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from crm_ai.core.deps import Caller, HubDep, SettingsDep
from crm_ai.core.errors import InvalidPayload
from crm_ai.embeddings.encoder import Encoder
from crm_ai.embeddings.schemas import EmbeddingModelResponse, EmbeddingRequest, EmbeddingResponse

router = APIRouter(tags=["search"])


@router.get("/embeddings/model", response_model=EmbeddingModelResponse)
async def embedding_model(caller: Caller, hub: HubDep) -> EmbeddingModelResponse:
    """The model /v1/embeddings answers with now: the backend compares its `model_id` with the one
    stored beside each vector to find the vectors a model change made stale, without embedding."""
    del caller
    encoder: Encoder = hub.get("encoder")
    return EmbeddingModelResponse(
        model=encoder.name, model_id=encoder.model_id, dimensions=encoder.dimensions, normalized=True
    )


@router.post("/embeddings", response_model=EmbeddingResponse)
async def embed(body: EmbeddingRequest, caller: Caller, hub: HubDep, settings: SettingsDep) -> Response:
    """Embeddings with all-MiniLM-L6-v2 (384 dimensions, unit length), one per text, in order.

    The model is the same for every organisation and nothing is stored here: the vectors go to the
    backend's per-organisation vector index.
    """
    del caller
    if len(body.texts) > settings.embedding_max_batch:
        raise InvalidPayload(f"texts: at most {settings.embedding_max_batch} texts per request")
    too_long = [i for i, t in enumerate(body.texts) if len(t) > settings.embedding_max_chars]
    if too_long:
        raise InvalidPayload(f"texts.{too_long[0]}: longer than {settings.embedding_max_chars} characters")
    encoder: Encoder = hub.get("encoder")

    def work() -> bytes:
        vectors = encoder.encode(body.texts)
        embeddings: Any
        if body.encoding_format == "base64":
            embeddings = [base64.b64encode(v.astype("<f4").tobytes()).decode() for v in vectors]
        else:
            # float32 printed at 7 significant digits: exact enough to round-trip, half the bytes of repr.
            embeddings = np.round(vectors.astype(np.float64), 7).tolist()
        out = EmbeddingResponse(
            model=encoder.name,
            model_id=encoder.model_id,
            dimensions=encoder.dimensions,
            normalized=True,
            encoding_format=body.encoding_format,
            embeddings=embeddings,
            truncated=encoder.truncated(body.texts),
        )
        return out.model_dump_json().encode()

    # Serialising a few hundred vectors is as slow as encoding short texts: both off the event loop.
    return Response(await run_in_threadpool(work), media_type="application/json")
