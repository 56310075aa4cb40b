"""Drain an organisation's index queue: build each record's chunks, embed only the chunks whose
text or embedding model changed (content hash), upsert them, and drop the vectors of records that
are gone."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.audit.service import record_event
from crm.auth.principal import ActorType
from crm.core import jobs
from crm.core.config import Settings
from crm.core.db import unit_of_work
from crm.search import embedder, repository, store, texts

log = logging.getLogger(__name__)

BATCH_RECORDS = 64
MAX_BATCHES_PER_RUN = 5_000


async def index_batch(session: AsyncSession, settings: Settings, organization_id: uuid.UUID) -> int:
    """One batch in ``session``'s transaction; the number of queue entries it settled.

    When the AI service fails the transaction rolls back: the entries stay queued for the retry.
    """
    items = await repository.take(session, BATCH_RECORDS)
    if not items:
        return 0
    by_entity: dict[str, list[uuid.UUID]] = defaultdict(list)
    for entity, entity_id in items:
        by_entity[entity].append(entity_id)
    # The model's identity is part of each chunk's content hash: after a model change every stored
    # vector is stale, and a reindex re-embeds them all (asked for once, and only if a record is live).
    model_id: str | None = None
    pending: list[tuple[str, uuid.UUID, texts.Chunk]] = []
    for entity, ids in by_entity.items():
        rows = await repository.sources(session, entity, ids)
        await store.delete_records(
            session, settings, organization_id, entity, [i for i in ids if i not in rows]
        )
        if not rows:
            continue
        if model_id is None:
            model_id = await embedder.current_model(settings, organization_id)
        stored = await repository.stored_hashes(session, entity, list(rows))
        for entity_id, row in rows.items():
            record_chunks = texts.chunks(entity, row)
            for chunk in record_chunks:
                if stored.get((entity_id, chunk.number)) != chunk.digest(model_id):
                    pending.append((entity, entity_id, chunk))
            if any(i == entity_id and n >= len(record_chunks) for i, n in stored):
                await store.delete_chunks_from(
                    session, settings, organization_id, entity, entity_id, len(record_chunks)
                )
    if pending:
        embedded = await embedder.embed(
            settings, organization_id, [chunk.text for _, _, chunk in pending], interactive=False
        )
        await record_event(
            session,
            action="ai.embed_records",
            actor=None,
            organization_id=organization_id,
            actor_type=ActorType.ai,
            meta={
                "model": embedded.model_id,
                "records": len({(e, i) for e, i, _ in pending}),
                "chunks": len(pending),
            },
        )
        # Hashed with the model that made the vectors: if it changed since the question above, the
        # rows are stored as that model's and the next reindex sees them as they are.
        made_by = embedded.model_id
        rows_out = [
            repository.VectorRow(entity, entity_id, chunk.number, vector, made_by, chunk.digest(made_by))
            for (entity, entity_id, chunk), vector in zip(pending, embedded.vectors, strict=True)
        ]
        await store.upsert(session, settings, organization_id, rows_out)
    await repository.unqueue(session, items)
    return len(items)


async def drain(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    organization_id: uuid.UUID,
    *,
    job_run_id: uuid.UUID | None = None,
) -> int:
    """Index everything queued for the organisation, one committed batch at a time."""
    async with unit_of_work(sessions, organization_id) as session:
        # The organisation's own HNSW index, before its vectors arrive (no-op once it exists).
        await repository.ensure_org_index(session, organization_id)
        total = await repository.queued_count(session)
    done = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        async with unit_of_work(sessions, organization_id) as session:
            settled = await index_batch(session, settings, organization_id)
            done += settled
            if job_run_id is not None:
                finished = settled < BATCH_RECORDS
                await jobs.report_progress(
                    session,
                    job_run_id,
                    done=min(done, max(total, done)),
                    total=max(total, done),
                    status="succeeded" if finished else "running",
                )
        if settled < BATCH_RECORDS:
            break
    log.info("search index drained", extra={"org_id": str(organization_id), "records": done})
    return done
