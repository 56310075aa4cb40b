"""Vectors from the AI service (all-MiniLM-L6-v2 by default, 384-d, unit length), in batches it accepts.

Every answer names the model's identity (``model_id``: model, weights and precision, or the remote
API's model and server). It is stored beside each vector: a changed model makes the stored vectors
stale (their content hash includes it), and a query only meets vectors of its own model.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from crm.ai.client import BATCH, INTERACTIVE, AIRejected, client_for
from crm.core.config import Settings
from crm.search import vectors

# The AI service takes up to 256 texts of up to 8,000 characters per call; chunks stay far below.
MAX_TEXTS_PER_CALL = 128
MAX_CHARS = 4000


@dataclass(frozen=True)
class Embedded:
    model: str  # the model's name, for people (e.g. "all-MiniLM-L6-v2+int8")
    model_id: str  # what vectors are compared by (e.g. "all-MiniLM-L6-v2+int8@a1b2c3d4e5f6")
    vectors: list[list[float]]


def _model_id(answer: dict[str, object]) -> str:
    model_id = answer.get("model_id")
    if not isinstance(model_id, str) or not model_id:
        # An answer without an identity could not be kept apart from another model's vectors.
        raise AIRejected("the AI service did not say which model made the embeddings")
    return model_id


async def current_model(settings: Settings, organization_id: uuid.UUID) -> str:
    """The ``model_id`` the AI service embeds with now (no text leaves). Raises ``AIUnavailable``."""
    answer = await client_for(settings).call(
        "GET", "/v1/embeddings/model", org_id=str(organization_id), idempotent=True, limits=BATCH
    )
    if not isinstance(answer, dict):
        raise AIRejected("the AI service answered an unreadable model description")
    return _model_id(answer)


async def embed(
    settings: Settings,
    organization_id: uuid.UUID,
    texts: Sequence[str],
    *,
    interactive: bool,
    subject: str | None = None,
) -> Embedded:
    """One vector per text in order, and the model that made them. Raises ``AIUnavailable`` when the
    service is down, ``AIRejected`` when its answer is unusable (or the model changed mid-way)."""
    model, model_id = "", ""
    out: list[list[float]] = []
    for start in range(0, len(texts), MAX_TEXTS_PER_CALL):
        batch = [t[:MAX_CHARS] for t in texts[start : start + MAX_TEXTS_PER_CALL]]
        answer = await client_for(settings).call(
            "POST",
            "/v1/embeddings",
            org_id=str(organization_id),
            subject=subject,
            json={"texts": batch, "encoding_format": "base64"},
            idempotent=True,
            limits=INTERACTIVE if interactive else BATCH,
        )
        if not isinstance(answer, dict):
            raise AIRejected("the AI service answered an unreadable embedding response")
        encoded = answer.get("embeddings")
        if not isinstance(encoded, list) or len(encoded) != len(batch):
            raise AIRejected("the AI service answered a different number of embeddings")
        batch_model_id = _model_id(answer)
        if model_id and batch_model_id != model_id:
            raise AIRejected("the AI service changed embedding model during the request")
        model_id = batch_model_id
        model = str(answer.get("model") or model_id)
        try:
            out += [vectors.from_base64(e) for e in encoded]
        except (ValueError, TypeError) as exc:
            raise AIRejected(f"the AI service answered an unreadable embedding: {exc}") from None
    return Embedded(model, model_id, out)
