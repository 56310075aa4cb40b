"""Reminders go out once (in-app + outbox e-mail) and re-arm when their time changes; editing an
activity's text clears its sentiment and queues a fresh read."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.activity.tasks import deliver_due_reminders
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, last_email_to, token_for


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


@pytest.fixture
async def contact(client: httpx.AsyncClient, admin: dict[str, str]) -> str:
    return str(
        (await client.post("/api/v1/contacts", json={"first_name": "Ada"}, headers=admin)).json()["id"]
    )


def ago(minutes: int) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)).isoformat()


async def reminders_for(client: httpx.AsyncClient, tenant: Tenant, role: Role) -> list[dict]:  # type: ignore[type-arg]
    headers = bearer(await token_for(client, tenant.people[role]))
    page = (await client.get("/api/v1/notifications", headers=headers)).json()
    return [n for n in page["items"] if n["kind"] == "reminder"]


async def test_due_reminder_is_delivered_once_and_rearms(
    client: httpx.AsyncClient,
    runtime: Runtime,
    db: AsyncSession,
    tenant: Tenant,
    admin: dict[str, str],
    contact: str,
) -> None:
    sales = tenant.people[Role.sales]
    body = {
        "kind": "task",
        "subject": "Call back about the implant quote",
        "contact_id": contact,
        "owner_id": str(sales.user_id),
        "due_at": ago(-60),
        "reminder_at": ago(1),
    }
    task = (await client.post("/api/v1/activities", json=body, headers=admin)).json()
    later = {**body, "subject": "Not yet", "reminder_at": ago(-30)}
    await client.post("/api/v1/activities", json=later, headers=admin)

    assert await deliver_due_reminders(runtime) == 1
    assert await deliver_due_reminders(runtime) == 0  # exactly once
    (notice,) = await reminders_for(client, tenant, Role.sales)
    assert notice["title"] == "Reminder: Call back about the implant quote"
    assert (notice["entity"], notice["entity_id"]) == ("activity", task["id"])
    assert await reminders_for(client, tenant, Role.admin) == []  # only the owner hears of it
    email = await last_email_to(db, tenant.id, sales.email)
    assert "implant quote" in email.subject and email.status == "queued"

    # A new reminder time re-arms it; an edit that leaves the time alone does not.
    await client.patch(f"/api/v1/activities/{task['id']}", json={"duration_minutes": 5}, headers=admin)
    assert await deliver_due_reminders(runtime) == 0
    await client.patch(f"/api/v1/activities/{task['id']}", json={"reminder_at": ago(2)}, headers=admin)
    assert await deliver_due_reminders(runtime) == 1
    assert len(await reminders_for(client, tenant, Role.sales)) == 2


async def test_completed_and_deleted_activities_are_not_reminded(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, admin: dict[str, str], contact: str
) -> None:
    base = {"kind": "task", "contact_id": contact, "owner_id": str(tenant.people[Role.sales].user_id)}
    done = (await client.post("/api/v1/activities", json={**base, "due_at": ago(5)}, headers=admin)).json()
    gone = (await client.post("/api/v1/activities", json={**base, "due_at": ago(5)}, headers=admin)).json()
    await client.patch(f"/api/v1/activities/{done['id']}", json={"completed": True}, headers=admin)
    await client.delete(f"/api/v1/activities/{gone['id']}", headers=admin)
    assert await deliver_due_reminders(runtime) == 0


async def test_reminders_stay_in_their_organisation(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant, other_tenant: Tenant, contact: str
) -> None:
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    body = {"kind": "call", "contact_id": contact, "reminder_at": ago(2)}
    await client.post("/api/v1/activities", json=body, headers=admin)  # owner defaults to the creator
    assert await deliver_due_reminders(runtime) == 1
    assert len(await reminders_for(client, tenant, Role.admin)) == 1
    assert await reminders_for(client, other_tenant, Role.admin) == []


async def test_text_edit_clears_sentiment_and_queues_a_read(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, admin: dict[str, str], contact: str
) -> None:
    note = (
        await client.post(
            "/api/v1/activities", json={"kind": "note", "body": "Happy", "contact_id": contact}, headers=admin
        )
    ).json()
    await set_tenant(db, tenant.id)
    jobs = text(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'ai.sentiment_pending' "
        "AND args->>'organization_id' = :org"
    )
    assert (await db.execute(jobs, {"org": str(tenant.id)})).scalar_one() == 1  # created -> queued
    await db.execute(text("DELETE FROM procrastinate_jobs WHERE task_name = 'ai.sentiment_pending'"))
    analysed = text(
        "UPDATE activities SET sentiment_label = 'positive', sentiment_score = 0.9, sentiment_at = now() "
        "WHERE id = :id"
    )
    await db.execute(analysed, {"id": note["id"]})

    await client.patch(f"/api/v1/activities/{note['id']}", json={"duration_minutes": 3}, headers=admin)
    await set_tenant(db, tenant.id)
    row = (
        await db.execute(text("SELECT sentiment_label FROM activities WHERE id = :id"), {"id": note["id"]})
    ).one()
    assert row.sentiment_label == "positive"  # no text change, sentiment kept
    assert (await db.execute(jobs, {"org": str(tenant.id)})).scalar_one() == 0

    await client.patch(f"/api/v1/activities/{note['id']}", json={"body": "Furious"}, headers=admin)
    await set_tenant(db, tenant.id)
    query = text("SELECT sentiment_label, sentiment_at FROM activities WHERE id = :id")
    row = (await db.execute(query, {"id": note["id"]})).one()
    assert (row.sentiment_label, row.sentiment_at) == (None, None)
    assert (await db.execute(jobs, {"org": str(tenant.id)})).scalar_one() == 1
