"""Notifications: assignment notices (single and bulk, never for yourself), own-only reads with an
unread count, keyset pages, read / read-all, bad input and tenant isolation."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.models import Role
from crm.notification import service
from crm.notification.service import NewNotification
from tests.fixtures.people import Tenant, bearer, token_for


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


@pytest.fixture
async def sales(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.sales]))


async def mine(client: httpx.AsyncClient, headers: dict[str, str], **params: str) -> dict:  # type: ignore[type-arg]
    response = await client.get("/api/v1/notifications", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_assignment_by_someone_else_notifies_the_new_owner(
    client: httpx.AsyncClient, tenant: Tenant, admin: dict[str, str], sales: dict[str, str]
) -> None:
    sales_id = str(tenant.people[Role.sales].user_id)
    deal = await client.post("/api/v1/deals", json={"name": "Implant", "owner_id": sales_id}, headers=admin)
    assert deal.status_code == 201, deal.text
    page = await mine(client, sales)
    assert page["unread_count"] == 1
    (notice,) = page["items"]
    assert (
        notice["kind"] == "assigned"
        and notice["entity"] == "deal"
        and notice["entity_id"] == deal.json()["id"]
    )
    assert "Implant" in notice["title"] and "Admin Alpha Clinics" in notice["title"]
    assert (await mine(client, admin))["items"] == []  # the assigner is told nothing

    # Assigning to yourself is not news; editing something else is not an assignment.
    await client.post("/api/v1/deals", json={"name": "Mine"}, headers=sales)
    await client.patch(f"/api/v1/deals/{deal.json()['id']}", json={"name": "Implant 2"}, headers=admin)
    assert (await mine(client, sales))["unread_count"] == 1


async def test_bulk_reassignment_is_one_notice(
    client: httpx.AsyncClient, tenant: Tenant, admin: dict[str, str], sales: dict[str, str]
) -> None:
    ids = [
        (await client.post("/api/v1/companies", json={"name": f"Clinic {i}"}, headers=admin)).json()["id"]
        for i in range(3)
    ]
    sales_id = str(tenant.people[Role.sales].user_id)
    response = await client.post(
        "/api/v1/companies/bulk-update", json={"ids": ids, "owner_id": sales_id}, headers=admin
    )
    assert response.status_code == 200, response.text
    page = await mine(client, sales)
    assert page["unread_count"] == 1
    (notice,) = page["items"]
    assert notice["title"].startswith("3 companies were assigned to you")
    assert notice["entity"] == "company" and notice["entity_id"] is None
    assert all(f"Clinic {i}" in notice["body"] for i in range(3))


async def test_read_one_read_all_and_pages(
    client: httpx.AsyncClient, runtime: Runtime, db: AsyncSession, tenant: Tenant, sales: dict[str, str]
) -> None:
    user = tenant.people[Role.sales].user_id
    await set_tenant(db, tenant.id)
    async with db.begin_nested():
        await service.notify(db, runtime, [NewNotification(user, "reminder", f"n{i}") for i in range(3)])
    first = await mine(client, sales, limit="2")
    assert len(first["items"]) == 2 and first["next_cursor"] and first["unread_count"] == 3
    second = await mine(client, sales, limit="2", cursor=first["next_cursor"])
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    seen = {n["id"] for n in first["items"] + second["items"]}
    assert len(seen) == 3

    target = first["items"][0]["id"]
    read = await client.post(f"/api/v1/notifications/{target}/read", headers=sales)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    again = await client.post(f"/api/v1/notifications/{target}/read", headers=sales)
    assert again.json()["read_at"] == read.json()["read_at"]  # the first read time stays
    unread = await mine(client, sales, unread="true")
    assert unread["unread_count"] == 2 and target not in {n["id"] for n in unread["items"]}

    everything = await client.post("/api/v1/notifications/read-all", headers=sales)
    assert everything.json() == {"marked": 2, "unread_count": 0}
    assert (await mine(client, sales, unread="true"))["items"] == []
    await set_tenant(db, tenant.id)
    audited = await db.execute(
        text(
            "SELECT count(*) FROM audit_events WHERE action IN ('notification.read', 'notification.read_all')"
        )
    )
    assert audited.scalar_one() == 3


async def test_bad_input_is_a_clear_4xx(client: httpx.AsyncClient, sales: dict[str, str]) -> None:
    assert (
        await client.get("/api/v1/notifications", params={"cursor": "nope"}, headers=sales)
    ).status_code == 400
    assert (
        await client.get("/api/v1/notifications", params={"limit": "0"}, headers=sales)
    ).status_code == 422
    assert (await client.post("/api/v1/notifications/not-a-uuid/read", headers=sales)).status_code == 422
    missing = await client.post(f"/api/v1/notifications/{uuid.uuid4()}/read", headers=sales)
    assert missing.status_code == 404 and missing.json()["error"] == "notification_not_found"
    assert (await client.get("/api/v1/notifications")).status_code == 401


async def test_only_your_own_and_only_your_organisation(
    client: httpx.AsyncClient,
    runtime: Runtime,
    db: AsyncSession,
    tenant: Tenant,
    other_tenant: Tenant,
    admin: dict[str, str],
    sales: dict[str, str],
) -> None:
    await set_tenant(db, tenant.id)
    async with db.begin_nested():
        (theirs,) = await service.notify(
            db, runtime, [NewNotification(tenant.people[Role.sales].user_id, "reminder", "x")]
        )
    outsider = bearer(await token_for(client, other_tenant.people[Role.admin]))
    for headers in (admin, outsider):  # a colleague, and someone in another organisation
        assert (await mine(client, headers))["items"] == []
        refused = await client.post(f"/api/v1/notifications/{theirs.id}/read", headers=headers)
        assert refused.status_code == 404
        assert (await client.post("/api/v1/notifications/read-all", headers=headers)).json()["marked"] == 0
    page = await mine(client, sales)
    assert [n["id"] for n in page["items"]] == [str(theirs.id)] and page["items"][0]["read_at"] is None
