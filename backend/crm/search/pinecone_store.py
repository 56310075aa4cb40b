"""Pinecone as the vector store (``CRM_VECTOR_DRIVER=pinecone``), through the official async client.

Data plane only: ``POST /vectors/upsert``, ``POST /query`` and ``POST /vectors/delete`` on the index
host (``CRM_PINECONE_INDEX_HOST``), authenticated by the ``Api-Key`` header. The index is created by
an operator (dense, dimension 384, metric cosine); the app never calls the control plane.

- One namespace per organisation (``org-<uuid>``): every call names it, so one tenant's query can
  never reach another's vectors, whatever the filter.
- Vector ids are ``<entity>:<record uuid>:<chunk>`` and the metadata carries entity, entity_id,
  chunk and model: a match links back to its PostgreSQL row.
- Deleting a record deletes the ids of every chunk it could have (texts.MAX_CHUNKS): deletes by id
  work on serverless and pod indexes alike, and ids a namespace lacks are ignored.
- Scores are cosine similarities (higher is closer); ``distance = -score`` matches pgvector's
  negative inner product on the same unit-length embeddings, so the search service ranks either alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from crm.search.texts import MAX_CHUNKS

if TYPE_CHECKING:
    from pinecone.async_client.async_index import AsyncIndex

    from crm.search.repository import VectorRow

TIMEOUT_S = 30.0
UPSERT_BATCH = 100  # Pinecone's documented limit per upsert request for 384-d vectors is far above this
QUERY_TOP_K_MAX = 10_000
DELETE_BATCH = 1000  # Pinecone accepts at most 1000 ids per delete request


class VectorStoreUnavailable(Exception):
    """Pinecone refused or could not be reached; the message carries no secret."""


def namespace(organization_id: uuid.UUID) -> str:
    return f"org-{uuid.UUID(str(organization_id))}"


def vector_id(entity: str, entity_id: uuid.UUID, chunk: int) -> str:
    return f"{entity}:{entity_id}:{chunk}"


class PineconeVectorStore:
    name = "pinecone"

    def __init__(self, api_key: str, index_host: str, *, timeout: float = TIMEOUT_S) -> None:
        self._api_key = api_key
        self.index_host = index_host.rstrip("/")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"PineconeVectorStore(index_host={self.index_host!r})"

    async def _call(self, operation: str, **kwargs: Any) -> Any:
        from pinecone import AsyncPinecone, PineconeError, RetryConfig

        # One quick retry inside the call; longer outages belong to the indexing job's backoff, and an
        # interactive search falls back to keyword results rather than wait a minute.
        retry = RetryConfig(max_retries=1, max_wait=2.0)
        try:
            async with AsyncPinecone(
                api_key=self._api_key, timeout=self.timeout, retry_config=retry
            ) as client:
                index: AsyncIndex = await client.index(host=self.index_host)
                async with index:
                    return await getattr(index, operation)(**kwargs)
        except (PineconeError, OSError, TimeoutError) as exc:
            raise VectorStoreUnavailable(
                f"Pinecone {operation} failed: {type(exc).__name__}: {exc}"
            ) from None

    async def upsert(self, organization_id: uuid.UUID, rows: Sequence[VectorRow]) -> None:
        vectors = [
            {
                "id": vector_id(r.entity, r.entity_id, r.chunk),
                "values": list(r.vector),
                "metadata": {
                    "entity": r.entity,
                    "entity_id": str(r.entity_id),
                    "chunk": r.chunk,
                    "model": r.model,
                },
            }
            for r in rows
        ]
        for start in range(0, len(vectors), UPSERT_BATCH):
            await self._call(
                "upsert",
                vectors=vectors[start : start + UPSERT_BATCH],
                namespace=namespace(organization_id),
                show_progress=False,
            )

    async def _delete_ids(self, organization_id: uuid.UUID, ids: list[str]) -> None:
        for start in range(0, len(ids), DELETE_BATCH):
            await self._call(
                "delete", ids=ids[start : start + DELETE_BATCH], namespace=namespace(organization_id)
            )

    async def delete_records(self, organization_id: uuid.UUID, entity: str, ids: Sequence[uuid.UUID]) -> None:
        await self._delete_ids(
            organization_id, [vector_id(entity, i, chunk) for i in ids for chunk in range(MAX_CHUNKS)]
        )

    async def delete_chunks_from(
        self, organization_id: uuid.UUID, entity: str, entity_id: uuid.UUID, first: int
    ) -> None:
        ids = [vector_id(entity, entity_id, chunk) for chunk in range(first, MAX_CHUNKS)]
        if ids:
            await self._delete_ids(organization_id, ids)

    async def _query(
        self, organization_id: uuid.UUID, query: list[float], n: int, condition: dict[str, Any] | None
    ) -> list[tuple[str, uuid.UUID, float]]:
        response = await self._call(
            "query",
            vector=list(query),
            top_k=max(1, min(n, QUERY_TOP_K_MAX)),
            namespace=namespace(organization_id),
            filter=condition,
            include_metadata=True,
        )
        found = []
        for match in response.matches:
            metadata = match.metadata or {}
            found.append(
                (str(metadata["entity"]), uuid.UUID(str(metadata["entity_id"])), -float(match.score))
            )
        return found

    async def nearest(
        self, organization_id: uuid.UUID, query: list[float], n: int, *, model: str | None = None
    ) -> list[tuple[str, uuid.UUID, float]]:
        """Up to ``n`` nearest chunks of the organisation, best first, as ``repository.nearest``
        (only vectors of ``model`` when given)."""
        return await self._query(organization_id, query, n, {"model": {"$eq": model}} if model else None)

    async def nearest_among(
        self,
        organization_id: uuid.UUID,
        entity: str,
        query: list[float],
        ids: Sequence[uuid.UUID],
        n: int,
        *,
        model: str | None = None,
    ) -> list[tuple[uuid.UUID, float]]:
        """The nearest of the given records (best chunk each), as ``repository.nearest_within``."""
        if not ids:
            return []
        condition: dict[str, Any] = {"entity": {"$eq": entity}, "entity_id": {"$in": [str(i) for i in ids]}}
        if model:
            condition["model"] = {"$eq": model}
        best: dict[uuid.UUID, float] = {}
        for _, entity_id, distance in await self._query(organization_id, query, n * MAX_CHUNKS, condition):
            best[entity_id] = min(best.get(entity_id, distance), distance)
        return sorted(best.items(), key=lambda item: (item[1], str(item[0])))[:n]
