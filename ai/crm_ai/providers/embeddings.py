"""Embeddings from an OpenAI-compatible API (`POST /v1/embeddings`), behind the same `Encoder`
interface as the offline MiniLM: unit-length float32 rows, one per text, in input order."""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from crm_ai.core.config import Settings, SettingsError
from crm_ai.providers.errors import BadUpstreamAnswer, UpstreamUnavailable
from crm_ai.providers.openai_client import make_client, raise_mapped

if TYPE_CHECKING:
    from openai import OpenAI

log = logging.getLogger("crm_ai.providers.embeddings")
KEY_SETTING = "CRM_AI_EMBEDDING_API_KEY"
# Sent once at start to learn the model's width; no personal data.
PROBE_TEXT = "dimension check"


class DimensionMismatch(BadUpstreamAnswer):
    """The model's vectors are not as wide as the vector store's column."""


class OpenAIEmbeddingEncoder:
    def __init__(
        self,
        client: OpenAI,
        model: str,
        *,
        dimensions: int,
        batch_size: int,
        send_dimensions: bool = False,
    ) -> None:
        self._client = client
        # What results report as their model: the remote model, never MiniLM.
        self.name = model
        self.dimensions = dimensions
        # The same model name on another server (a proxy, a local runtime) may not give the same
        # vectors, nor the same model at another width: all three name the vectors.
        self.model_id = f"{model}/{dimensions}@{client.base_url.host}"
        self.batch_size = batch_size
        self.send_dimensions = send_dimensions

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            out[start : start + len(batch)] = self._request(batch)
        return out

    def truncated(self, texts: list[str]) -> list[int]:
        # An OpenAI-style API refuses input over the model's limit (an error, mapped to ours)
        # rather than cutting it, so no accepted text has lost its tail.
        del texts
        return []

    def _request(self, batch: list[str]) -> npt.NDArray[np.float32]:
        extra: dict[str, Any] = {"dimensions": self.dimensions} if self.send_dimensions else {}
        # Every SDK failure becomes one of our typed errors.
        try:
            # "float" spelled out: the SDK would ask for base64, which not every compatible server speaks.
            response = self._client.embeddings.with_raw_response.create(
                model=self.name, input=batch, encoding_format="float", **extra
            )
            # The raw JSON, not the SDK's models: building one object per float took 90% of the
            # time (71 texts/s at 384 dimensions on a loaded 2-core machine).
            payload = response.http_response.json()
        except ValueError:
            raise BadUpstreamAnswer("the embeddings API answered something that is not JSON") from None
        except Exception as exc:
            raise_mapped(exc, "embeddings", KEY_SETTING)
        data = payload.get("data") if isinstance(payload, dict) else None
        return self._vectors(data, len(batch))

    def _vectors(self, data: object, expected: int) -> npt.NDArray[np.float32]:
        if not isinstance(data, list) or len(data) != expected:
            got = len(data) if isinstance(data, list) else "no"
            raise BadUpstreamAnswer(f"the embeddings API answered {got} vectors for {expected} texts")
        rows: list[npt.NDArray[np.float64] | None] = [None] * expected
        for position, item in enumerate(data):
            # The API says which input each vector belongs to; a server may answer out of order.
            if not isinstance(item, dict):
                raise BadUpstreamAnswer("the embeddings API answered an item that is not an object")
            index = item.get("index", position)
            if not isinstance(index, int) or not 0 <= index < expected or rows[index] is not None:
                raise BadUpstreamAnswer("the embeddings API answered missing or repeated indices")
            rows[index] = self._vector(item.get("embedding"))
        matrix = np.vstack([r for r in rows if r is not None])
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        if not np.all(norms > 0):
            raise BadUpstreamAnswer("the embeddings API answered a zero vector")
        # Unit length like MiniLM's, so the store's cosine distance and dot products agree.
        unit: npt.NDArray[np.float32] = (matrix / norms).astype(np.float32)
        return unit

    def _vector(self, raw: object) -> npt.NDArray[np.float64]:
        try:
            if isinstance(raw, str):  # a server that answers base64 whatever was asked
                vector = np.frombuffer(base64.b64decode(raw, validate=True), dtype="<f4").astype(np.float64)
            else:
                vector = np.asarray(raw, dtype=np.float64)
        except (ValueError, TypeError):
            raise BadUpstreamAnswer("the embeddings API answered a vector that is not numbers") from None
        if vector.ndim != 1 or not np.all(np.isfinite(vector)):
            raise BadUpstreamAnswer("the embeddings API answered a vector that is not finite numbers")
        if len(vector) != self.dimensions:
            raise DimensionMismatch(_mismatch(self.name, len(vector), self.dimensions))
        return vector


def _mismatch(model: str, got: int, expected: int) -> str:
    return (
        f"the embeddings model {model} gives {got}-dimensional vectors but the vector store takes"
        f" {expected} (CRM_AI_EMBEDDING_DIMENSIONS): choose a {expected}-dimensional model, or set"
        " CRM_AI_EMBEDDING_API_SEND_DIMENSIONS=true if the model can shorten its vectors"
    )


def build_remote_encoder(settings: Settings) -> OpenAIEmbeddingEncoder:
    """The configured remote encoder, its width checked against the store's before it serves.

    A model of the wrong width or a refused key stops it loading (readyz says so, the log names the
    setting); an upstream that is only unreachable at start does not, since every answer is checked.
    """
    if not settings.embedding_base_url or not settings.embedding_api_model:
        raise SettingsError("CRM_AI_EMBEDDING_DRIVER=openai needs CRM_AI_EMBEDDING_BASE_URL and _API_MODEL")
    client = make_client(
        settings.embedding_base_url, settings.embedding_api_key, settings.embedding_timeout_seconds
    )
    encoder = OpenAIEmbeddingEncoder(
        client,
        settings.embedding_api_model,
        dimensions=settings.embedding_dimensions,
        batch_size=settings.embedding_api_batch,
        send_dimensions=settings.embedding_api_send_dimensions,
    )
    try:
        encoder.encode([PROBE_TEXT])
    except DimensionMismatch as exc:
        raise SettingsError(exc.detail) from None
    except UpstreamUnavailable as exc:
        log.warning("embeddings API not checked at start", extra={"reason": exc.detail})
    return encoder
