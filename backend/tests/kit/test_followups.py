"""Follow-ups run inside the write's transaction: a rolled-back write leaves no job, a committed one
does, and a bulk edit records one change (one job) for the whole batch."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.kit import followups
from crm.kit.followups import Change, merge, record_change
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for


async def scoring_jobs(db: AsyncSession, organization_id: uuid.UUID) -> int:
    query = text(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'ai.score_leads' "
        "AND args->>'organization_id' = :org"
    )
    return int((await db.execute(query, {"org": str(organization_id)})).scalar_one())


@pytest.fixture
def seen() -> Iterator[list[Change]]:
    """A follow-up that records what it is given, removed after the test."""
    calls: list[Change] = []

    async def spy(session: AsyncSession, change: Change) -> None:
        calls.append(change)

    followups.on_change("contact", "lead")(spy)
    try:
        yield calls
    finally:
        for bucket in followups._handlers.values():
            if spy in bucket:
                bucket.remove(spy)


async def test_rolled_back_write_leaves_no_job_and_committed_one_does(
    db: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    await set_tenant(db, tenant.id)
    change = Change(tenant.id, "lead", (uuid.uuid4(),), "created")
    savepoint = await db.begin_nested()
    await record_change(db, runtime, change)
    assert await scoring_jobs(db, tenant.id) == 1  # enqueued inside the transaction ...
    await savepoint.rollback()
    assert await scoring_jobs(db, tenant.id) == 0  # ... and gone with it
    assert db.info.get("after_commit") is not None  # the live message waits for a commit

    async with db.begin_nested():
        await record_change(db, runtime, change)
    assert await scoring_jobs(db, tenant.id) == 1


async def test_api_write_enqueues_its_follow_up(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant
) -> None:
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    created = await client.post("/api/v1/leads", json={"first_name": "Grace", "source": "web"}, headers=admin)
    assert created.status_code == 201, created.text
    await set_tenant(db, tenant.id)
    assert await scoring_jobs(db, tenant.id) == 1
    # A refused write (bad status) changes nothing and queues nothing more.
    refused = await client.patch(
        f"/api/v1/leads/{created.json()['id']}", json={"status": "bogus"}, headers=admin
    )
    assert refused.status_code in (400, 422)
    assert await scoring_jobs(db, tenant.id) == 1


async def test_bulk_edit_is_one_change_with_every_id(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, seen: list[Change]
) -> None:
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    ids = []
    for name in ("Ada", "Grace", "Edsger"):
        response = await client.post("/api/v1/contacts", json={"first_name": name}, headers=admin)
        ids.append(response.json()["id"])
    seen.clear()
    sales = tenant.people[Role.sales].user_id
    missing = str(uuid.uuid4())
    response = await client.post(
        "/api/v1/contacts/bulk-update",
        headers=admin,
        json={"ids": [*ids, missing], "owner_id": str(sales), "add_tags": ["vip"]},
    )
    assert response.status_code == 200, response.text
    assert [r["ok"] for r in response.json()["results"]] == [True, True, True, False]
    assert len(seen) == 1  # one change for the batch, the failed row left out
    (change,) = seen
    assert (change.entity, change.verb, change.ids) == (
        "contact",
        "updated",
        tuple(uuid.UUID(i) for i in ids),
    )
    assert {"owner_id", "tags"} <= change.fields
    assert change.actor_id == tenant.people[Role.admin].user_id


async def test_bulk_lead_edit_queues_one_scoring_job(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, seen: list[Change]
) -> None:
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    ids = [
        (await client.post("/api/v1/leads", json={"first_name": f"L{i}"}, headers=admin)).json()["id"]
        for i in range(3)
    ]
    await set_tenant(db, tenant.id)
    await db.execute(text("DELETE FROM procrastinate_jobs WHERE task_name = 'ai.score_leads'"))
    seen.clear()
    response = await client.post(
        "/api/v1/leads/bulk-update", headers=admin, json={"ids": ids, "status": "contacted"}
    )
    assert response.status_code == 200, response.text
    assert [len(c.ids) for c in seen] == [3]
    await set_tenant(db, tenant.id)
    assert await scoring_jobs(db, tenant.id) == 1


def test_merge_groups_by_entity_verb_and_fields() -> None:
    org, a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    owner = frozenset({"owner_id"})
    merged = merge(
        [
            Change(org, "deal", (a,), "updated", owner),
            Change(org, "deal", (b, a), "updated", owner),
            Change(org, "deal", (c,), "updated", frozenset({"name"})),
            Change(org, "deal", (c,), "deleted"),
        ]
    )
    assert [(m.ids, m.verb, m.fields) for m in merged] == [
        ((a, b), "updated", owner),
        ((c,), "updated", frozenset({"name"})),
        ((c,), "deleted", frozenset()),
    ]
