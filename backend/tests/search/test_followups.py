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
from crm.kit.followups import Change, record_change
from crm.models import Attachment, Embedding, Role, SearchIndexQueue, Transcript
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


CALL = (
    "Tomás said the crew of the Atlántica needs their seafarer medical examinations before the ship "
    "leaves port in March, and asked whether our doctors can come on board in Vigo."
)


async def test_leads_and_transcripts_are_indexed_kept_to_who_may_read_them_and_erased(
    client: httpx.AsyncClient, db: AsyncSession, runtime: Runtime, tenant: Tenant, ai: AIClient
) -> None:
    org = tenant.id
    sales = bearer(await token_for(client, tenant.people[Role.sales]))
    created = await client.post(
        "/api/v1/leads",
        json={
            "first_name": "Tomás",
            "last_name": "Vidal",
            "job_title": "Fleet safety manager",
            "company_name": "Naviera Atlántica",
        },
        headers=sales,
    )
    assert created.status_code == 201, created.text
    lead_id = uuid.UUID(created.json()["id"])
    assert ("lead", lead_id) in await _queued(db, org)

    # A call with the lead, transcribed: the row as the transcription job leaves it, and its change.
    await set_tenant(db, org)
    attachment = Attachment(
        id=uuid.uuid4(),
        object_type="lead",
        record_id=lead_id,
        file_name="call.wav",
        content_type="audio/wav",
        size=1,
        sha256="0" * 64,
        storage_key=f"test/{uuid.uuid4()}",
    )
    db.add(attachment)
    await db.flush()
    transcript = Transcript(
        id=uuid.uuid4(),
        object_type="lead",
        record_id=lead_id,
        attachment_id=attachment.id,
        kind="call",
        status="ready",
        text=CALL,
    )
    db.add(transcript)
    await db.flush()
    await record_change(db, runtime, Change(org, "transcript", (transcript.id,), "updated"))
    assert ("transcript", transcript.id) in await _queued(db, org)

    await indexer.drain(runtime.sessions, runtime.settings, org)
    assert await _vectors(db, org, lead_id) == 1 and await _vectors(db, org, transcript.id) == 1
    body = (
        await client.get(
            "/api/v1/search", params={"q": "doctors examining sailors on a vessel"}, headers=sales
        )
    ).json()
    assert body["items"][0]["type"] == "transcript" and body["items"][0]["id"] == str(transcript.id)
    assert body["items"][0]["found_by"] == ["vector"]  # none of the words: found by meaning
    assert body["items"][0]["title"] == "Call recording transcript"
    lead_hits = (
        await client.get("/api/v1/search", params={"q": "Tomás Vidal", "types": "lead"}, headers=sales)
    ).json()["items"]
    assert [(hit["type"], hit["id"]) for hit in lead_hits][:1] == [("lead", str(lead_id))]

    # Support may not read leads, so neither the lead nor the transcript of its call.
    support = bearer(await token_for(client, tenant.people[Role.support]))
    seen = (
        await client.get(
            "/api/v1/search", params={"q": "Tomás Vidal seafarer medical examinations"}, headers=support
        )
    ).json()["items"]
    assert {hit["id"] for hit in seen} & {str(lead_id), str(transcript.id)} == set()

    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    erased = await client.delete(f"/api/v1/leads/{lead_id}/erase", headers=admin)
    assert erased.status_code == 204, erased.text
    assert await _vectors(db, org, lead_id) == 0
    assert await _vectors(db, org, transcript.id) == 0  # the recording went with the lead, and its text
