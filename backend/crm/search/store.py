"""Which vector store serves nearest-neighbour queries: pgvector (default) or Pinecone.

The ``embeddings`` table stays the ledger either way: it keeps each chunk's content hash (so an
unchanged text costs no AI call) and its vector (so a Pinecone index can be rebuilt from it without
re-embedding). With ``CRM_VECTOR_DRIVER=pinecone`` every write to the ledger is mirrored to the
organisation's Pinecone namespace and queries are answered by Pinecone.

Writes reach Pinecone from the indexing job, inside its unit of work: if Pinecone fails, the job's
transaction rolls back, the queue entries stay, and the retry sends them again (upserts and deletes
by id are idempotent). A record deleted or erased by a request leaves the ledger at once and
Pinecone when the job that the same write queued runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.config import Settings, VectorDriver
from crm.search import repository
from crm.search.pinecone_store import PineconeVectorStore

PINECONE_IN_MAX = 10_000  # values one $in filter may list


@lru_cache(maxsize=4)
def _pinecone(api_key: str, index_host: str) -> PineconeVectorStore:
    return PineconeVectorStore(api_key, index_host)


def pinecone_store(settings: Settings) -> PineconeVectorStore | None:
    if settings.vector_driver is not VectorDriver.pinecone:
        return None
    assert settings.pinecone_api_key is not None and settings.pinecone_index_host  # checked by Settings
    return _pinecone(settings.pinecone_api_key.get_secret_value(), settings.pinecone_index_host)


async def upsert(
    session: AsyncSession,
    settings: Settings,
    organization_id: uuid.UUID,
    rows: Sequence[repository.VectorRow],
) -> None:
    await repository.upsert(session, rows)
    if (pinecone := pinecone_store(settings)) is not None and rows:
        await pinecone.upsert(organization_id, rows)


async def delete_records(
    session: AsyncSession,
    settings: Settings,
    organization_id: uuid.UUID,
    entity: str,
    ids: Sequence[uuid.UUID],
) -> None:
    await repository.delete_records(session, entity, ids)
    if (pinecone := pinecone_store(settings)) is not None and ids:
        await pinecone.delete_records(organization_id, entity, ids)


async def delete_chunks_from(
    session: AsyncSession,
    settings: Settings,
    organization_id: uuid.UUID,
    entity: str,
    entity_id: uuid.UUID,
    first: int,
) -> None:
    await repository.delete_chunks_from(session, entity, entity_id, first)
    if (pinecone := pinecone_store(settings)) is not None:
        await pinecone.delete_chunks_from(organization_id, entity, entity_id, first)


async def nearest(
    session: AsyncSession,
    settings: Settings,
    organization_id: uuid.UUID,
    query: list[float],
    n: int,
    *,
    model: str,
) -> list[tuple[str, uuid.UUID, float]]:
    """The nearest chunks among the vectors ``model`` made (the query vector's model): vectors of
    another model, left from before a model change until the reindex replaces them, never compare."""
    if (pinecone := pinecone_store(settings)) is not None:
        return await pinecone.nearest(organization_id, query, min(n, repository.MAX_EF_SEARCH), model=model)
    return await repository.nearest(session, organization_id, query, n, model=model)


async def nearest_within(
    session: AsyncSession,
    settings: Settings,
    organization_id: uuid.UUID,
    entity: str,
    query: list[float],
    scope: ColumnElement[bool],
    n: int,
    *,
    model: str,
) -> list[tuple[uuid.UUID, float]]:
    if (pinecone := pinecone_store(settings)) is not None:
        # The caller's narrow scope, resolved in PostgreSQL, becomes an id filter in the organisation's
        # namespace. A scope reaching more than $in can list is not narrow: the over-fetch before this
        # fallback has already found its records.
        record = repository.MODELS[entity]
        ids = list(
            await session.scalars(
                select(record.id).where(*repository.indexable(entity), scope).limit(PINECONE_IN_MAX)
            )
        )
        return await pinecone.nearest_among(organization_id, entity, query, ids, n, model=model)
    return await repository.nearest_within(session, entity, query, scope, n, model=model)
