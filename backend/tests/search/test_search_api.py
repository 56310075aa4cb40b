"""GET /api/v1/search end to end: records indexed through the real AI service, natural-language
queries, other tenants and other owners' records kept out, keyword fallback when the AI is down."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai.client import AIClient
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.models import AuditEvent, Company, Contact, Embedding, Role
from crm.search import embedder, indexer, repository, tasks, texts
from tests.ai import factories
from tests.fixtures.people import Tenant, bearer, token_for

COMPLAINT = (
    "Dr. Ortega called again: the lab kits for their patients arrived four days late and two boxes "
    "were damaged. She is frustrated with the courier and wants a discount before the next order."
)

# The first test of a run waits for the shared AI service to load its models (slow on a busy machine).
pytestmark = pytest.mark.timeout(600)


@dataclass
class World:
    madrid_clinic: uuid.UUID
    complaint: uuid.UUID
    renewal: uuid.UUID
    admin_deals: list[uuid.UUID]
    sales_deals: list[uuid.UUID]
    beta_complaint: uuid.UUID
    beta_clinic: uuid.UUID


async def _index(db: AsyncSession, runtime: Runtime, org: uuid.UUID) -> None:
    await set_tenant(db, org)
    for entity, model in repository.MODELS.items():
        ids = list((await db.execute(select(model.id))).scalars())
        await repository.queue(db, entity, ids)
    await indexer.drain(runtime.sessions, runtime.settings, org)


@pytest.fixture
async def world(
    db: AsyncSession, runtime: Runtime, ai: AIClient, tenant: Tenant, other_tenant: Tenant
) -> World:
    org = tenant.id
    await set_tenant(db, org)
    clinic = Company(
        id=uuid.uuid4(),
        name="Clínica Sol",
        industry="Private clinic",
        address={"city": "Madrid", "country": "Spain"},
        tags=[],
    )
    logistics = Company(
        id=uuid.uuid4(),
        name="Telvia Logistics",
        industry="Logistics",
        address={"city": "Lyon", "country": "France"},
        tags=[],
    )
    db.add_all([clinic, logistics])
    await db.flush()
    complaint = await factories.activity(db, org, kind="note", body=COMPLAINT, company_id=clinic.id)
    renewal = await factories.activity(
        db,
        org,
        kind="email",
        subject="Annual health checks",
        body="Happy to renew the annual health checks for our 1,200 warehouse staff next year.",
        company_id=logistics.id,
    )
    stages = await factories.pipeline(db, org)
    admin, sales = tenant.people[Role.admin].user_id, tenant.people[Role.sales].user_id
    admin_deals = [
        (
            await factories.deal(
                db, org, stages, name=f"Vaccination campaign wave {n}", amount=1000, owner_id=admin
            )
        ).id
        for n in range(6)
    ]
    sales_deals = [
        (
            await factories.deal(
                db, org, stages, name=f"Flu shots for office {n}", amount=500, owner_id=sales
            )
        ).id
        for n in range(3)
    ]
    await _index(db, runtime, org)

    beta = other_tenant.id
    beta_clinic = await factories.company(db, beta, "Clínica Sol", "Private clinic", 40)
    beta_complaint = await factories.activity(
        db, beta, kind="note", body=COMPLAINT, company_id=beta_clinic.id
    )
    await _index(db, runtime, beta)
    await set_tenant(db, org)
    return World(
        clinic.id, complaint.id, renewal.id, admin_deals, sales_deals, beta_complaint.id, beta_clinic.id
    )


async def _search(client: httpx.AsyncClient, token: str, **params: Any) -> httpx.Response:
    return await client.get("/api/v1/search", params=params, headers=bearer(token))


async def test_a_question_in_plain_words_finds_the_note(
    client: httpx.AsyncClient, tenant: Tenant, world: World
) -> None:
    token = await token_for(client, tenant.people[Role.admin])
    response = await _search(client, token, q="clinics in Madrid unhappy with delivery", limit=5)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["semantic"] is True and body["reason"] is None
    assert body["model"] == "all-MiniLM-L6-v2+int8"  # the AI service's default precision
    # The two relevant records first: the complaint and the Madrid clinic it is about.
    first_two = {(hit["type"], hit["id"]): hit for hit in body["items"][:2]}
    assert set(first_two) == {("activity", str(world.complaint)), ("company", str(world.madrid_clinic))}
    note = first_two[("activity", str(world.complaint))]
    assert note["found_by"] == ["vector"]  # no word of the question is in the note: meaning found it
    assert note["snippet"].startswith("Dr. Ortega called again")
    ids = {hit["id"] for hit in body["items"]}
    assert str(world.beta_complaint) not in ids  # the other tenant's identical note never shows

    renewal = await _search(client, token, q="customer wants to renew health checks", limit=3)
    assert renewal.json()["items"][0]["id"] == str(world.renewal)


async def test_words_and_meaning_are_fused(client: httpx.AsyncClient, tenant: Tenant, world: World) -> None:
    token = await token_for(client, tenant.people[Role.admin])
    body = (await _search(client, token, q="Clínica Sol", types="company")).json()
    top = body["items"][0]
    assert top["id"] == str(world.madrid_clinic)
    assert top["found_by"] == ["fulltext", "vector"]
    assert top["score"] == pytest.approx(2 / 61, abs=1e-6)  # rank 1 in both lists, k = 60
    assert {hit["type"] for hit in body["items"]} == {"company"}


async def test_own_scope_sees_only_own_deals_and_still_gets_k(
    client: httpx.AsyncClient, tenant: Tenant, world: World
) -> None:
    sales = await token_for(client, tenant.people[Role.sales])
    body = (await _search(client, sales, q="vaccination campaign", types="deal", limit=3)).json()
    assert [hit["id"] for hit in body["items"]] != []
    assert {hit["id"] for hit in body["items"]} == {str(i) for i in world.sales_deals}
    admin = await token_for(client, tenant.people[Role.admin])
    seen = (await _search(client, admin, q="vaccination campaign", types="deal", limit=3)).json()["items"]
    assert {hit["id"] for hit in seen} <= {str(i) for i in world.admin_deals}
    assert len(seen) == 3


async def test_the_other_tenant_sees_only_its_own(
    client: httpx.AsyncClient, other_tenant: Tenant, world: World
) -> None:
    token = await token_for(client, other_tenant.people[Role.admin])
    items = (await _search(client, token, q="lab kits arrived late", limit=20)).json()["items"]
    assert items[0]["id"] == str(world.beta_complaint)
    assert {hit["id"] for hit in items} == {str(world.beta_complaint), str(world.beta_clinic)}


async def test_unchanged_text_is_not_embedded_again_and_deleted_records_leave(
    db: AsyncSession, runtime: Runtime, tenant: Tenant, world: World
) -> None:
    org = tenant.id

    async def embed_events() -> int:
        await set_tenant(db, org)
        query = select(func.count()).where(AuditEvent.action == "ai.embed_records")
        return int((await db.execute(query)).scalar_one())

    before = await embed_events()
    await tasks.request_index(db, org, "company", [world.madrid_clinic])
    await indexer.drain(runtime.sessions, runtime.settings, org)
    assert await embed_events() == before  # same text, same hash: no AI call

    await db.execute(update(Company).where(Company.id == world.madrid_clinic).values(deleted_at=func.now()))
    await tasks.request_index(db, org, "company", [world.madrid_clinic])
    await indexer.drain(runtime.sessions, runtime.settings, org)
    await set_tenant(db, org)
    left = await db.execute(select(func.count()).where(Embedding.entity_id == world.madrid_clinic))
    assert left.scalar_one() == 0


async def test_a_model_change_makes_vectors_stale_and_queries_never_mix_models(
    client: httpx.AsyncClient, db: AsyncSession, runtime: Runtime, tenant: Tenant, world: World
) -> None:
    org = tenant.id
    await set_tenant(db, org)
    current = await embedder.current_model(runtime.settings, org)
    assert current.startswith("all-MiniLM-L6-v2+int8@")  # model and precision, then the weights' fingerprint
    assert set((await db.execute(select(Embedding.model).distinct())).scalars()) == {current}

    # Every stored vector becomes another model's: the same numbers (so a query that ignored the
    # model would still find the note by meaning), labelled and hashed as the fp32 variant's.
    other = "all-MiniLM-L6-v2@000000000000"
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
                    .values(model=other, content_hash=chunk.digest(other))
                )
    token = await token_for(client, tenant.people[Role.admin])
    body = (await _search(client, token, q="clinics in Madrid unhappy with delivery", limit=10)).json()
    assert body["semantic"] is True
    assert all(hit["found_by"] == ["fulltext"] for hit in body["items"])
    assert str(world.complaint) not in {hit["id"] for hit in body["items"]}

    # The reindex finds every vector stale (the model is in the hash) and embeds them again.
    await set_tenant(db, org)
    events = select(func.count()).where(AuditEvent.action == "ai.embed_records")
    before = int((await db.execute(events)).scalar_one())
    await repository.queue_everything(db)
    await indexer.drain(runtime.sessions, runtime.settings, org)
    await set_tenant(db, org)
    assert int((await db.execute(events)).scalar_one()) > before
    assert set((await db.execute(select(Embedding.model).distinct())).scalars()) == {current}
    body = (await _search(client, token, q="clinics in Madrid unhappy with delivery", limit=5)).json()
    found = {hit["id"]: hit["found_by"] for hit in body["items"]}
    assert found[str(world.complaint)] == ["vector"]


async def test_keyword_results_when_the_ai_service_is_down(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, dead_ai: AIClient
) -> None:
    await set_tenant(db, tenant.id)
    db.add(Contact(id=uuid.uuid4(), first_name="Marta", last_name="Ruiz", job_title="HR Director", tags=[]))
    await db.flush()
    token = await token_for(client, tenant.people[Role.support])
    response = await _search(client, token, q="Marta Ruiz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["semantic"] is False
    assert "keyword results only" in body["reason"]
    assert [(hit["title"], hit["found_by"]) for hit in body["items"]] == [("Marta Ruiz", ["fulltext"])]
    # Typed as far as "Mar": the last word matches as a prefix.
    assert (await _search(client, token, q="Mar")).json()["items"][0]["title"] == "Marta Ruiz"


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"q": "x", "types": "planet"}, 400, "invalid_types"),
        ({"q": "x", "types": ","}, 400, "invalid_types"),
        ({"q": "   "}, 400, "empty_query"),
        ({"q": "x", "limit": 0}, 422, None),
        ({"q": "x" * 301}, 422, None),
        ({}, 422, None),
    ],
)
async def test_bad_input_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, params: dict[str, object], status: int, code: str | None
) -> None:
    token = await token_for(client, tenant.people[Role.admin])
    response = await _search(client, token, **params)
    assert response.status_code == status, response.text
    if code:
        assert response.json()["error"] == code
