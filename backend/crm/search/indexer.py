"""Drain an organisation's index queue: build each record's chunks, embed only the chunks whose
text changed (content hash), upsert them, and drop the vectors of records that are gone."""

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
    pending: list[tuple[str, uuid.UUID, texts.Chunk, bytes]] = []
    for entity, ids in by_entity.items():
        rows = await repository.sources(session, entity, ids)
        await store.delete_records(
            session, settings, organization_id, entity, [i for i in ids if i not in rows]
        )
        stored = await repository.stored_hashes(session, entity, list(rows))
        for entity_id, row in rows.items():
            record_chunks = texts.chunks(entity, row)
            for chunk in record_chunks:
                digest = chunk.digest(embedder.MODEL)
                if stored.get((entity_id, chunk.number)) != digest:
                    pending.append((entity, entity_id, chunk, digest))
            if any(i == entity_id and n >= len(record_chunks) for i, n in stored):
                await store.delete_chunks_from(
                    session, settings, organization_id, entity, entity_id, len(record_chunks)
                )
    if pending:
        model, vectors = await embedder.embed(
            settings, organization_id, [chunk.text for _, _, chunk, _ in pending], interactive=False
        )
        await record_event(
            session,
            action="ai.embed_records",
            actor=None,
            organization_id=organization_id,
            actor_type=ActorType.ai,
            meta={"model": model, "records": len({(e, i) for e, i, _, _ in pending}), "chunks": len(pending)},
        )
        await store.upsert(
            session,
            settings,
            organization_id,
            [
                repository.VectorRow(entity, entity_id, chunk.number, vector, model, digest)
                for (entity, entity_id, chunk, digest), vector in zip(pending, vectors, strict=True)
            ],
        )
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
