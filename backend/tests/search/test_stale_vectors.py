"""Vectors an earlier embedding model made: the sweep finds the organisations holding vectors, each
check queues a bounded batch of the records whose vectors another model made and the index job
re-embeds them with the AI service's current model. An organisation whose vectors are current, or
whose semantic search is off, queues nothing; with the AI service down nothing is queued and
nothing fails (the next sweep tries again)."""

from __future__ import annotations

import random
import uuid

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai.client import AIClient
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.models import Embedding, FlagOverride, SearchIndexQueue
from crm.search import embedder, indexer, repository, tasks, texts
from tests.ai import factories
from tests.fixtures.people import Tenant
from tests.search.conftest import random_unit, store_vectors

# The first test of a run waits for the shared AI service to load its models (slow on a busy machine).
pytestmark = pytest.mark.timeout(600)

OLD_MODEL = "all-MiniLM-L6-v2@000000000000"


async def _records(db: AsyncSession, org: uuid.UUID) -> set[uuid.UUID]:
    """A company, a contact of it and a note: indexed now by the real AI service."""
    clinic = await factories.company(db, org, "Clinica Sol", "Private clinic", 30)
    person = await factories.contact(db, org, company_id=clinic.id)
    note = await factories.activity(db, org, body="Asked for a quote for flu shots.", contact_id=person.id)
    await set_tenant(db, org)
    for entity, ids in (("company", [clinic.id]), ("contact", [person.id]), ("activity", [note.id])):
        await repository.queue(db, entity, ids)
    return {clinic.id, person.id, note.id}


async def _made_by_old_model(db: AsyncSession, org: uuid.UUID) -> None:
    """Every stored vector becomes the old model's, labelled and hashed as it would have stored it."""
    await set_tenant(db, org)
    for entity in repository.MODELS:
        ids = list(
            (await db.execute(select(Embedding.entity_id).where(Embedding.entity == entity))).scalars()
        )
        for entity_id, row in (await repository.sources(db, entity, ids)).items():
            for chunk in texts.chunks(entity, row):
                await db.execute(
                    update(Embedding)
                    .where(
                        Embedding.entity == entity,
                        Embedding.entity_id == entity_id,
                        Embedding.chunk == chunk.number,
                    )
                    .values(model=OLD_MODEL, content_hash=chunk.digest(OLD_MODEL))
                )


async def _models(db: AsyncSession, org: uuid.UUID) -> dict[uuid.UUID, set[str]]:
    await set_tenant(db, org)
    out: dict[uuid.UUID, set[str]] = {}
    for entity_id, model in await db.execute(select(Embedding.entity_id, Embedding.model)):
        out.setdefault(entity_id, set()).add(model)
    return out


async def _queued(db: AsyncSession, org: uuid.UUID) -> set[uuid.UUID]:
    await set_tenant(db, org)
    return set((await db.execute(select(SearchIndexQueue.entity_id))).scalars())


async def _jobs(db: AsyncSession, task: str, lock: str) -> int:
    statement = text(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :task AND queueing_lock = :lock"
        " AND status = 'todo'"
    )
    return int((await db.execute(statement, {"task": task, "lock": lock})).scalar_one())


async def test_old_model_vectors_are_requeued_in_batches_and_re_embedded(
    db: AsyncSession, runtime: Runtime, ai: AIClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    org, other = tenant.id, other_tenant.id
    records = await _records(db, org)
    await indexer.drain(runtime.sessions, runtime.settings, org)
    theirs = await _records(db, other)
    await indexer.drain(runtime.sessions, runtime.settings, other)
    current = await embedder.current_model(runtime.settings, org)
    assert set((await _models(db, org)).keys()) == records
    await _made_by_old_model(db, org)
    assert all(models == {OLD_MODEL} for models in (await _models(db, org)).values())

    # A batch of two: two records queued and the index job enqueued; while they wait, no more.
    assert await tasks.requeue_stale(runtime.sessions, runtime.settings, org, batch=2) == 2
    first = await _queued(db, org)
    assert len(first) == 2 and first <= records
    assert await _jobs(db, "search.index_pending", f"search-index:{org}") == 1
    assert await tasks.requeue_stale(runtime.sessions, runtime.settings, org, batch=2) == 0

    await indexer.drain(runtime.sessions, runtime.settings, org)
    models = await _models(db, org)
    assert all(models[i] == {current} for i in first)
    assert [i for i in records - first if models[i] == {OLD_MODEL}] == list(records - first)

    # The next check goes on with the rest; then everything carries the current model.
    assert await tasks.requeue_stale(runtime.sessions, runtime.settings, org, batch=2) == 1
    assert await _queued(db, org) == records - first
    await indexer.drain(runtime.sessions, runtime.settings, org)
    assert await _models(db, org) == {i: {current} for i in records}
    assert await tasks.requeue_stale(runtime.sessions, runtime.settings, org) == 0
    assert await _queued(db, org) == set()

    # The other organisation's vectors were current all along: nothing queued, nothing re-embedded.
    assert await tasks.requeue_stale(runtime.sessions, runtime.settings, other) == 0
    assert await _queued(db, other) == set()
    assert await _models(db, other) == {i: {current} for i in theirs}


async def test_the_sweep_checks_each_organisation_holding_vectors(
    db: AsyncSession, runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    await store_vectors(db, tenant.id, [random_unit(random.Random(3))])
    await set_tenant(db, tenant.id)
    assert await repository.vector_models(db, tenant.id) == ["synthetic"]
    await set_tenant(db, other_tenant.id)
    assert await repository.vector_models(db, other_tenant.id) == []

    assert await tasks.fan_out_stale_checks(runtime.sessions) >= 1
    assert await _jobs(db, "search.requeue_stale", f"search-stale:{tenant.id}") == 1
    assert await _jobs(db, "search.requeue_stale", f"search-stale:{other_tenant.id}") == 0  # no vectors
    # A check already waiting is not queued twice.
    await tasks.fan_out_stale_checks(runtime.sessions)
    assert await _jobs(db, "search.requeue_stale", f"search-stale:{tenant.id}") == 1


async def test_ai_service_down_queues_nothing_and_raises_nothing(
    db: AsyncSession, runtime: Runtime, tenant: Tenant, dead_ai: AIClient
) -> None:
    await store_vectors(db, tenant.id, [random_unit(random.Random(5)) for _ in range(3)])
    assert await tasks.requeue_stale(runtime.sessions, runtime.settings, tenant.id) == 0
    assert await _queued(db, tenant.id) == set()
    assert await _jobs(db, "search.index_pending", f"search-index:{tenant.id}") == 0


async def test_semantic_search_off_queues_nothing(
    db: AsyncSession, runtime: Runtime, ai: AIClient, tenant: Tenant
) -> None:
    await store_vectors(db, tenant.id, [random_unit(random.Random(7))])  # "synthetic": not current
    await set_tenant(db, tenant.id)
    db.add(FlagOverride(key=tasks.FLAG, role=None, enabled=False))
    await db.flush()
    assert await tasks.requeue_stale(runtime.sessions, runtime.settings, tenant.id) == 0
    assert await _queued(db, tenant.id) == set()

    # Switched back on, the same vectors are found stale.
    await db.execute(delete(FlagOverride).where(FlagOverride.key == tasks.FLAG))
    assert await tasks.requeue_stale(runtime.sessions, runtime.settings, tenant.id) == 1
    assert len(await _queued(db, tenant.id)) == 1
