"""Writes through the API keep the vector store current: queued in the write's transaction, indexed
by the batched job, and an erased person's vectors (and their notes') gone at once."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai.client import AIClient
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.models import Embedding, Role, SearchIndexQueue
from crm.search import indexer
from tests.fixtures.people import Tenant, bearer, token_for

# The first test of a run waits for the shared AI service to load its models (slow on a busy machine).
pytestmark = pytest.mark.timeout(600)


async def _queued(db: AsyncSession, org: uuid.UUID) -> set[tuple[str, uuid.UUID]]:
    await set_tenant(db, org)
    rows = await db.execute(select(SearchIndexQueue.entity, SearchIndexQueue.entity_id))
    return {(entity, entity_id) for entity, entity_id in rows}


async def _vectors(db: AsyncSession, org: uuid.UUID, entity_id: uuid.UUID) -> int:
    await set_tenant(db, org)
    query = select(func.count()).select_from(Embedding).where(Embedding.entity_id == entity_id)
    return int((await db.execute(query)).scalar_one())


async def test_writes_queue_index_and_erase(
    client: httpx.AsyncClient, db: AsyncSession, runtime: Runtime, tenant: Tenant, ai: AIClient
) -> None:
    org = tenant.id
    token = bearer(await token_for(client, tenant.people[Role.sales]))
    created = await client.post(
        "/api/v1/contacts",
        json={"first_name": "Inés", "last_name": "Lozano", "job_title": "Head of HR"},
        headers=token,
    )
    assert created.status_code == 201, created.text
    contact_id = uuid.UUID(created.json()["id"])
    note = await client.post(
        "/api/v1/activities",
        json={
            "kind": "note",
            "body": "Inés wants weekend vaccination slots for the night shift.",
            "contact_id": str(contact_id),
        },
        headers=token,
    )
    assert note.status_code == 201, note.text
    note_id = uuid.UUID(note.json()["id"])
    assert await _queued(db, org) >= {("contact", contact_id), ("activity", note_id)}
    jobs = await db.execute(
        text(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'search.index_pending' AND status = 'todo'"
            " AND args->>'organization_id' = :org"
        ),
        {"org": str(org)},
    )
    assert jobs.scalar_one() == 1  # one job for the burst (queueing lock), committed with the writes

    await indexer.drain(runtime.sessions, runtime.settings, org)
    assert await _queued(db, org) == set()
    assert await _vectors(db, org, contact_id) == 1 and await _vectors(db, org, note_id) == 1
    hits = await client.get(
        "/api/v1/search", params={"q": "night shift vaccinations on Saturdays"}, headers=token
    )
    assert hits.json()["items"][0]["id"] == str(note_id)

    # An edit that leaves the embedded text alone queues nothing.
    patch = await client.patch(f"/api/v1/contacts/{contact_id}", json={"consent_email": True}, headers=token)
    assert patch.status_code == 200, patch.text
    assert await _queued(db, org) == set()

    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    erased = await client.delete(f"/api/v1/contacts/{contact_id}/erase", headers=admin)
    assert erased.status_code == 204, erased.text
    assert await _vectors(db, org, contact_id) == 0
    assert await _vectors(db, org, note_id) == 0  # the note went with the person, and so did its vector
