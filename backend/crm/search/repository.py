"""All SQL of the search domain: the index queue, the vectors, and the candidate queries (what each
indexed entity is read from lives in ``records``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    cast,
    delete,
    func,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm.kit.id_arrays import uuid_array
from crm.models import Activity, Embedding, SearchIndexQueue, Transcript
from crm.search import vectors
from crm.search.records import MODELS as MODELS
from crm.search.records import TRANSCRIBED as TRANSCRIBED
from crm.search.records import display_query as display_query
from crm.search.records import indexable as indexable
from crm.search.records import sources as sources
from crm.search.records import transcript_scope as transcript_scope

# hnsw.ef_search bounds how many rows one HNSW scan can return (pgvector caps it at 1000).
MAX_EF_SEARCH = 1000
# The beam of an HNSW scan when fewer rows are asked for. At 1M vectors in one organisation (data
# shaped like MiniLM embeddings of CRM text, ADR 0012; index of migration 0027) recall@10 is 0.969
# with a beam of 100 (the candidates the API fetches for a page) and 0.989 with 200, at p95 27 and
# 14 ms; with the older ef_construction 64 graph, 0.865 and 0.912 (docs/search.md). A beam wider
# than the rows asked for costs only graph walking; more rows would also cost visibility checks.
EF_SEARCH = 200


# --- the queue ------------------------------------------------------------------------------------


async def queue(session: AsyncSession, entity: str, ids: Iterable[uuid.UUID]) -> int:
    """Queue these records (again); how many ids were given (0: nothing queued)."""
    given = ids if isinstance(ids, tuple) else tuple(ids)
    if not given:
        return 0
    # One array parameter, unnested server-side: a multi-row VALUES of an import batch (2,000 ids)
    # cost seconds of statement compiling and placeholder parsing on the client per batch. DISTINCT
    # there, not here: an id twice in one upsert is an error, and the server dedupes in C.
    source = select(literal(entity), func.unnest(uuid_array("ids", given))).distinct()
    statement = insert(SearchIndexQueue).from_select(["entity", "entity_id"], source)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["organization_id", "entity", "entity_id"], set_={"queued_at": func.now()}
        )
    )
    return len(given)


async def queue_everything(session: AsyncSession) -> int:
    """Queue every live record of the organisation (a reindex; unchanged texts cost no AI call)."""
    total = 0
    for entity, model in MODELS.items():
        source = select(literal(entity), model.id).where(*indexable(entity))
        statement = insert(SearchIndexQueue).from_select(["entity", "entity_id"], source)
        # Counted in the database (rowcount is -1 for this statement through psycopg).
        inserted = statement.on_conflict_do_nothing().returning(SearchIndexQueue.entity_id).cte("inserted")
        total += int((await session.execute(select(func.count()).select_from(inserted))).scalar_one())
    return total


async def take(session: AsyncSession, limit: int) -> list[tuple[str, uuid.UUID]]:
    """The oldest queued records; rows another worker holds are skipped, not waited for."""
    result = await session.execute(
        select(SearchIndexQueue.entity, SearchIndexQueue.entity_id)
        .order_by(SearchIndexQueue.queued_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [(entity, entity_id) for entity, entity_id in result]


async def unqueue(session: AsyncSession, items: Sequence[tuple[str, uuid.UUID]]) -> None:
    if items:
        await session.execute(
            delete(SearchIndexQueue).where(
                tuple_(SearchIndexQueue.entity, SearchIndexQueue.entity_id).in_(list(items))
            )
        )


async def queued_count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(SearchIndexQueue))).scalar_one())


# --- vectors another model made ---------------------------------------------------------------------


async def organizations_with_vectors(session: AsyncSession) -> list[uuid.UUID]:
    """Every organisation holding vectors (a SECURITY DEFINER look-up, migration 0026: ids only)."""
    return list((await session.execute(text("SELECT * FROM search_orgs_with_vectors()"))).scalars())


async def vector_models(session: AsyncSession, organization_id: uuid.UUID) -> list[str]:
    """The models the organisation's vectors were made by: a skip scan of ix_embeddings_model, one
    index probe per model however many vectors there are."""
    result = await session.execute(
        text(
            "WITH RECURSIVE models AS ("
            "  (SELECT model FROM embeddings WHERE organization_id = :org ORDER BY model LIMIT 1)"
            "  UNION ALL"
            "  SELECT (SELECT e.model FROM embeddings e WHERE e.organization_id = :org"
            "          AND e.model > models.model ORDER BY e.model LIMIT 1)"
            "  FROM models WHERE models.model IS NOT NULL"
            ") SELECT model FROM models WHERE model IS NOT NULL"
        ),
        {"org": organization_id},
    )
    return list(result.scalars())


async def queue_made_by(session: AsyncSession, organization_id: uuid.UUID, model: str, limit: int) -> int:
    """Queue up to ``limit`` records with vectors of ``model`` that are not queued yet (in the order of
    ix_embeddings_model, so the next call goes on where this one stopped once these are indexed)."""
    if limit <= 0:
        return 0
    result = await session.execute(
        text(
            "WITH made_by AS ("
            "  SELECT DISTINCT e.entity, e.entity_id FROM embeddings e"
            "  WHERE e.organization_id = :org AND e.model = :model AND NOT EXISTS ("
            "    SELECT 1 FROM search_index_queue q WHERE q.organization_id = e.organization_id"
            "      AND q.entity = e.entity AND q.entity_id = e.entity_id)"
            "  ORDER BY e.entity, e.entity_id LIMIT :n"
            "), queued AS ("
            "  INSERT INTO search_index_queue (entity, entity_id) SELECT entity, entity_id FROM made_by"
            "  ON CONFLICT DO NOTHING RETURNING 1"
            ") SELECT count(*) FROM queued"
        ),
        {"org": organization_id, "model": model, "n": limit},
    )
    return int(result.scalar_one())


# --- vectors --------------------------------------------------------------------------------------


async def stored_hashes(
    session: AsyncSession, entity: str, ids: Sequence[uuid.UUID]
) -> dict[tuple[uuid.UUID, int], bytes]:
    result = await session.execute(
        select(Embedding.entity_id, Embedding.chunk, Embedding.content_hash).where(
            Embedding.entity == entity, Embedding.entity_id.in_(ids)
        )
    )
    return {(entity_id, chunk): digest for entity_id, chunk, digest in result}


@dataclass(frozen=True)
class VectorRow:
    entity: str
    entity_id: uuid.UUID
    chunk: int
    vector: list[float]
    model: str
    content_hash: bytes


async def upsert(session: AsyncSession, rows: Sequence[VectorRow]) -> None:
    if not rows:
        return
    # The vector goes in as text cast to vector: no client-side adapter needed.
    await session.execute(
        text(
            "INSERT INTO embeddings (entity, entity_id, chunk, embedding, model, content_hash)"
            " SELECT r.entity, r.entity_id, r.chunk, r.embedding::vector, r.model, r.content_hash"
            " FROM unnest(CAST(:entity AS text[]), CAST(:entity_id AS uuid[]), CAST(:chunk AS smallint[]),"
            "             CAST(:embedding AS text[]), CAST(:model AS text[]), CAST(:hash AS bytea[]))"
            "   AS r(entity, entity_id, chunk, embedding, model, content_hash)"
            " ON CONFLICT (organization_id, entity, entity_id, chunk) DO UPDATE SET"
            "   embedding = excluded.embedding, model = excluded.model,"
            "   content_hash = excluded.content_hash, updated_at = now()"
        ),
        {
            "entity": [r.entity for r in rows],
            "entity_id": [r.entity_id for r in rows],
            "chunk": [r.chunk for r in rows],
            "embedding": [vectors.to_literal(r.vector) for r in rows],
            "model": [r.model for r in rows],
            "hash": [r.content_hash for r in rows],
        },
    )


async def delete_records(session: AsyncSession, entity: str, ids: Sequence[uuid.UUID]) -> None:
    if ids:
        await session.execute(
            delete(Embedding).where(Embedding.entity == entity, Embedding.entity_id.in_(ids))
        )


async def delete_orphans(session: AsyncSession) -> None:
    """Vectors of activities and transcripts whose row is gone (cascaded away with an erased record
    or a deleted recording)."""
    for entity, model in (("activity", Activity), ("transcript", Transcript)):
        await session.execute(
            delete(Embedding).where(
                Embedding.entity == entity,
                ~select(model.id).where(model.id == Embedding.entity_id).exists(),
            )
        )


async def delete_chunks_from(session: AsyncSession, entity: str, entity_id: uuid.UUID, first: int) -> None:
    """Drop chunks numbered ``first`` and up (the text got shorter)."""
    await session.execute(
        delete(Embedding).where(
            Embedding.entity == entity, Embedding.entity_id == entity_id, Embedding.chunk >= first
        )
    )


async def ensure_org_index(session: AsyncSession, organization_id: uuid.UUID) -> bool:
    """Create the organisation's partial HNSW index if missing (True when this call made it)."""
    result = await session.execute(
        text("SELECT search_ensure_org_index(CAST(:org AS uuid))"), {"org": str(organization_id)}
    )
    return bool(result.scalar_one())


def org_literal(organization_id: uuid.UUID) -> str:
    # Inlined, not bound: the planner picks the organisation's partial index only when the predicate
    # is known at plan time, and a generic plan (psycopg prepares repeated statements) would not be.
    return "'" + str(uuid.UUID(str(organization_id))) + "'::uuid"


def knn_sql(organization_id: uuid.UUID, *, by_model: bool = False) -> str:
    """The nearest chunks of one organisation's records: an ordered scan of its partial index
    (``by_model``: only rows whose model is the bound ``:model``, filtered as the scan goes)."""
    # The only inlined value is a UUID that org_literal has parsed.
    where = f"WHERE organization_id = {org_literal(organization_id)}"
    if by_model:
        where += " AND model = :model"
    d = "embedding <#> CAST(:query AS vector)"
    return f"SELECT entity, entity_id, {d} AS distance FROM embeddings {where} ORDER BY {d} LIMIT :n"  # noqa: S608


async def nearest(
    session: AsyncSession, organization_id: uuid.UUID, query: list[float], n: int, *, model: str | None = None
) -> list[tuple[str, uuid.UUID, float]]:
    """Up to ``n`` nearest chunks, best first (distance = negative inner product); only vectors of
    ``model`` when given (search always gives its query vector's model)."""
    n = max(1, min(n, MAX_EF_SEARCH))
    # An HNSW scan returns at most ef_search rows: at least as many as wanted, and never a narrower
    # beam than EF_SEARCH.
    await session.execute(text(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH, n)}"))
    params: dict[str, Any] = {"query": vectors.to_literal(query), "n": n}
    if model is not None:
        params["model"] = model
    result = await session.execute(text(knn_sql(organization_id, by_model=model is not None)), params)
    return [(entity, entity_id, float(distance)) for entity, entity_id, distance in result]


async def nearest_within(
    session: AsyncSession,
    entity: str,
    query: list[float],
    scope: ColumnElement[bool],
    n: int,
    *,
    model: str | None = None,
) -> list[tuple[uuid.UUID, float]]:
    """Exact nearest records (best chunk each) among those ``scope`` reaches: for a caller whose
    scope is so narrow that the organisation-wide candidates ran out before k of theirs turned up."""
    record = MODELS[entity]
    distance = func.min(
        Embedding.embedding.op("<#>")(cast(literal(vectors.to_literal(query)), Embedding.embedding.type))
    )
    same_model = [] if model is None else [Embedding.model == model]
    result = await session.execute(
        select(Embedding.entity_id, distance.label("distance"))
        .join(record, record.id == Embedding.entity_id)
        .where(Embedding.entity == entity, *indexable(entity), scope, *same_model)
        .group_by(Embedding.entity_id)
        .order_by(distance, Embedding.entity_id)
        .limit(n)
    )
    return [(i, float(d)) for i, d in result]


# --- display and full-text candidates ---------------------------------------------------------------


async def visible(
    session: AsyncSession, entity: str, ids: Sequence[uuid.UUID], scope: ColumnElement[bool]
) -> dict[uuid.UUID, tuple[str, str]]:
    """Of ``ids``, the live records the caller's scope reaches, with their title and snippet."""
    if not ids:
        return {}
    model = MODELS[entity]
    result = await session.execute(display_query(entity).where(model.id.in_(ids), scope))
    return {row.id: (row.title or "", row.snippet or "") for row in result}


async def fulltext(
    session: AsyncSession, entity: str, tsquery: str, scope: ColumnElement[bool], n: int
) -> list[tuple[uuid.UUID, float, str, str]]:
    """Full-text candidates on the same ``search_vector`` columns (and GIN indexes) the lists'
    ``q=`` uses, ranked by cover density; ``tsquery`` is an OR of the query's words. Transcripts have
    no such column (nor index): they are found by meaning only."""
    model = MODELS[entity]
    if not hasattr(model, "search_vector"):
        return []
    query = func.to_tsquery("simple", tsquery)
    rank = func.ts_rank_cd(model.search_vector, query)
    result = await session.execute(
        display_query(entity)
        .add_columns(rank.label("rank"))
        .where(model.search_vector.op("@@")(query), scope)
        .order_by(rank.desc(), model.id)
        .limit(n)
    )
    return [(row.id, float(row.rank), row.title or "", row.snippet or "") for row in result]
