"""Vectors from the AI service (all-MiniLM-L6-v2, 384-d, unit length), in batches it accepts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from crm.ai.client import BATCH, INTERACTIVE, AIRejected, client_for
from crm.core.config import Settings
from crm.search import vectors

MODEL = "all-MiniLM-L6-v2"
# The AI service takes up to 256 texts of up to 8,000 characters per call; chunks stay far below.
MAX_TEXTS_PER_CALL = 128
MAX_CHARS = 4000


async def embed(
    settings: Settings,
    organization_id: uuid.UUID,
    texts: Sequence[str],
    *,
    interactive: bool,
    subject: str | None = None,
) -> tuple[str, list[list[float]]]:
    """(model name, one vector per text in order). Raises ``AIUnavailable`` when the service is down."""
    model = MODEL
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
        encoded = answer.get("embeddings") if isinstance(answer, dict) else None
        if not isinstance(encoded, list) or len(encoded) != len(batch):
            raise AIRejected("the AI service answered a different number of embeddings")
        try:
            out += [vectors.from_base64(e) for e in encoded]
        except (ValueError, TypeError) as exc:
            raise AIRejected(f"the AI service answered an unreadable embedding: {exc}") from None
        model = str(answer.get("model") or MODEL)
    return model, out
