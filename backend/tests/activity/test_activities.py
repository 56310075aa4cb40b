"""Activities through the API: kinds, links that must be visible, due dates and reminders, completion,
filters (overdue, linked record), keyset pages, optimistic concurrency, trash, bulk, roles and tenants."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm.core.db import set_tenant
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for
from tests.fixtures.statements import recorded_statements

NOW = dt.datetime.now(dt.UTC)


def iso(delta_days: float) -> str:
    return (NOW + dt.timedelta(days=delta_days)).isoformat()


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


@pytest.fixture
async def ada(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, Any]:
    return (await client.post("/api/v1/contacts", json={"first_name": "Ada"}, headers=admin)).json()  # type: ignore[no-any-return]


async def test_create_complete_and_audit(
    client: httpx.AsyncClient, admin: dict[str, str], ada: dict[str, Any], db: AsyncSession, tenant: Tenant
) -> None:
    created = await client.post(
        "/api/v1/activities",
        json={
            "kind": "task",
            "subject": "Send the treatment plan",
            "body": "Ada prefers e-mail; mention the payment plan.",
            "due_at": iso(2),
            "reminder_at": iso(1),
            "contact_id": ada["id"],
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    task = created.json()
    assert (task["kind"], task["completed_at"], task["overdue"], task["contact_id"]) == (
        "task",
        None,
        False,
        ada["id"],
    )
    assert task["owner_id"] == str(tenant.people[Role.admin].user_id) and task["occurred_at"]
    fetched = await client.get(f"/api/v1/activities/{task['id']}", headers=admin)
    assert fetched.json() == task and fetched.headers["etag"] == f'"{task["version"]}"'
    done = await client.post(f"/api/v1/activities/{task['id']}/complete", headers=admin)
    assert (
        done.status_code == 200 and done.json()["completed_at"] and done.json()["version"] != task["version"]
    )
    again = await client.post(f"/api/v1/activities/{task['id']}/complete", headers=admin)
    assert again.status_code == 409 and again.json()["error"] == "already_completed"
    reopened = await client.patch(
        f"/api/v1/activities/{task['id']}", json={"completed": False}, headers=admin
    )
    assert reopened.json()["completed_at"] is None
    await set_tenant(db, tenant.id)
    audit = (
        await db.execute(
            text(
                "SELECT action, changes::text, redacted_fields FROM audit_events WHERE entity_id = :id ORDER BY seq"
            ),
            {"id": task["id"]},
        )
    ).all()
    assert [row.action for row in audit] == ["activity.create", "activity.complete", "activity.update"]
    assert "payment plan" not in audit[0][1] and "body" in audit[0][2]


async def test_bad_input(client: httpx.AsyncClient, admin: dict[str, str], ada: dict[str, Any]) -> None:
    for body, status, error in (
        ({"kind": "note", "subject": "Orphan"}, 400, "unlinked"),
        (
            {"kind": "task", "contact_id": ada["id"], "due_at": iso(1), "reminder_at": iso(2)},
            400,
            "invalid_reminder",
        ),
        ({"kind": "note", "contact_id": str(uuid.uuid4())}, 404, "not_found"),
        ({"kind": "note", "deal_id": str(uuid.uuid4())}, 404, "not_found"),
        ({"kind": "note", "contact_id": ada["id"], "owner_id": str(uuid.uuid4())}, 400, "invalid_owner"),
    ):
        response = await client.post("/api/v1/activities", json=body, headers=admin)
        assert (response.status_code, response.json()["error"]) == (status, error), body
    for body in (
        {"kind": "fax", "contact_id": ada["id"]},
        {"contact_id": ada["id"]},
        {"kind": "note", "score": 1},
    ):
        assert (await client.post("/api/v1/activities", json=body, headers=admin)).status_code == 422, body
    note = (
        await client.post("/api/v1/activities", json={"kind": "note", "contact_id": ada["id"]}, headers=admin)
    ).json()
    unlink = await client.patch(f"/api/v1/activities/{note['id']}", json={"contact_id": None}, headers=admin)
    assert unlink.status_code == 400 and unlink.json()["error"] == "unlinked"


async def test_filters_overdue_linked_and_pages(
    client: httpx.AsyncClient, admin: dict[str, str], ada: dict[str, Any]
) -> None:
    deal = (await client.post("/api/v1/deals", json={"name": "Implant"}, headers=admin)).json()
    plans = [
        ("task", "overdue task", iso(-2), False, {"contact_id": ada["id"]}),
        ("task", "done late", iso(-3), True, {"contact_id": ada["id"]}),
        ("task", "upcoming", iso(3), False, {"deal_id": deal["id"]}),
        ("call", "call about implant", None, True, {"deal_id": deal["id"], "contact_id": ada["id"]}),
        ("meeting", "consultation", iso(-1), False, {"deal_id": deal["id"]}),
    ]
    for index, (kind, subject, due, completed, links) in enumerate(plans):
        body = {
            "kind": kind,
            "subject": subject,
            "due_at": due,
            "completed": completed,
            "occurred_at": iso(-10 + index),
        }
        assert (await client.post("/api/v1/activities", json=body | links, headers=admin)).status_code == 201

    async def subjects(params: dict[str, str]) -> list[str]:
        response = await client.get("/api/v1/activities", params=params, headers=admin)
        assert response.status_code == 200, (params, response.text)
        return [item["subject"] for item in response.json()["items"]]

    assert await subjects({}) == [p[1] for p in reversed(plans)]  # latest first
    assert sorted(await subjects({"overdue": "true"})) == ["consultation", "overdue task"]
    assert (await client.get("/api/v1/activities", params={"overdue": "true"}, headers=admin)).json()[
        "items"
    ][0]["overdue"]
    assert sorted(await subjects({"kind": "task", "completed": "false"})) == ["overdue task", "upcoming"]
    assert sorted(await subjects({"deal_id": deal["id"]})) == [
        "call about implant",
        "consultation",
        "upcoming",
    ]
    assert sorted(await subjects({"contact_id": ada["id"], "kind__in": "call,task"})) == [
        "call about implant",
        "done late",
        "overdue task",
    ]
    assert await subjects({"due_at__gte": iso(0), "due_at__lte": iso(5)}) == ["upcoming"]
    assert await subjects({"q": "implant"}) == ["call about implant"]
    by_due = await subjects({"sort": "due_at"})
    assert (
        by_due[:4] == ["done late", "overdue task", "consultation", "upcoming"]
        and by_due[4] == "call about implant"
    )
    seen, cursor = [], None
    while True:
        page = (
            await client.get(
                "/api/v1/activities",
                params={"limit": "2"} | ({"cursor": cursor} if cursor else {}),
                headers=admin,
            )
        ).json()
        seen += [item["subject"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [p[1] for p in reversed(plans)]
    assert (
        await client.get("/api/v1/activities", params={"contact_id": str(uuid.uuid4())}, headers=admin)
    ).status_code == 404
    for bad in ({"overdue": "maybe"}, {"kind": "fax"}, {"nope": "1"}, {"sort": "body"}):
        assert (await client.get("/api/v1/activities", params=bad, headers=admin)).status_code == 400, bad


async def test_concurrency_trash_and_bulk(
    client: httpx.AsyncClient, admin: dict[str, str], ada: dict[str, Any]
) -> None:
    note = (
        await client.post("/api/v1/activities", json={"kind": "note", "contact_id": ada["id"]}, headers=admin)
    ).json()
    url = f"/api/v1/activities/{note['id']}"
    first = await client.patch(
        url, json={"subject": "A"}, headers=admin | {"If-Match": f'"{note["version"]}"'}
    )
    assert first.status_code == 200
    stale = await client.patch(
        url, json={"subject": "B"}, headers=admin | {"If-Match": f'"{note["version"]}"'}
    )
    assert stale.status_code == 412 and stale.json()["error"] == "version_conflict"
    assert (await client.delete(url, headers=admin)).status_code == 204
    assert (await client.get(url, headers=admin)).status_code == 404
    assert (await client.post(f"{url}/restore", headers=admin)).status_code == 200
    assert (await client.post(f"{url}/restore", headers=admin)).status_code == 409
    task = (
        await client.post(
            "/api/v1/activities",
            json={"kind": "task", "contact_id": ada["id"], "due_at": iso(1)},
            headers=admin,
        )
    ).json()
    missing = str(uuid.uuid4())
    result = await client.post(
        "/api/v1/activities/bulk-update",
        json={"ids": [task["id"], missing], "completed": True},
        headers=admin,
    )
    assert [r["ok"] for r in result.json()["results"]] == [True, False]
    assert (await client.get(f"/api/v1/activities/{task['id']}", headers=admin)).json()["completed_at"]
    deleted = await client.post(
        "/api/v1/activities/bulk-delete", json={"ids": [note["id"], missing]}, headers=admin
    )
    assert [r["ok"] for r in deleted.json()["results"]] == [True, False]


async def test_links_follow_the_callers_scope(
    client: httpx.AsyncClient, admin: dict[str, str], ada: dict[str, Any], tenant: Tenant
) -> None:
    sales = bearer(await token_for(client, tenant.people[Role.sales]))
    admins_deal = (await client.post("/api/v1/deals", json={"name": "Not yours"}, headers=admin)).json()
    hidden = await client.post(
        "/api/v1/activities", json={"kind": "note", "deal_id": admins_deal["id"]}, headers=sales
    )
    assert hidden.status_code == 404  # Sales see only their own deals
    mine = (
        await client.post("/api/v1/activities", json={"kind": "call", "contact_id": ada["id"]}, headers=sales)
    ).json()
    theirs = (
        await client.post("/api/v1/activities", json={"kind": "call", "contact_id": ada["id"]}, headers=admin)
    ).json()
    assert (
        await client.delete(f"/api/v1/activities/{theirs['id']}", headers=sales)
    ).status_code == 404  # delete: own
    assert (await client.delete(f"/api/v1/activities/{mine['id']}", headers=sales)).status_code == 204
    marketing = bearer(await token_for(client, tenant.people[Role.marketing]))
    assert (
        await client.post(
            "/api/v1/activities", json={"kind": "note", "contact_id": ada["id"]}, headers=marketing
        )
    ).status_code == 201
    assert (
        await client.patch(f"/api/v1/activities/{theirs['id']}", json={"subject": "x"}, headers=marketing)
    ).status_code == 403


async def test_other_tenants_activities_are_invisible(
    client: httpx.AsyncClient, admin: dict[str, str], ada: dict[str, Any], other_tenant: Tenant
) -> None:
    mine = (
        await client.post("/api/v1/activities", json={"kind": "note", "contact_id": ada["id"]}, headers=admin)
    ).json()
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    assert (await client.get("/api/v1/activities", headers=theirs)).json()["items"] == []
    assert (
        await client.get("/api/v1/activities", params={"contact_id": ada["id"]}, headers=theirs)
    ).status_code == 404
    for method, suffix, body in (
        ("GET", "", None),
        ("PATCH", "", {}),
        ("DELETE", "", None),
        ("POST", "/restore", None),
        ("POST", "/complete", None),
    ):
        response = await client.request(
            method, f"/api/v1/activities/{mine['id']}{suffix}", headers=theirs, json=body
        )
        assert response.status_code == 404, (method, suffix)
    linked = await client.post(
        "/api/v1/activities", json={"kind": "note", "contact_id": ada["id"]}, headers=theirs
    )
    assert linked.status_code == 404


async def test_list_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient, admin: dict[str, str], ada: dict[str, Any], connection: AsyncConnection
) -> None:
    counts = []
    for batch in (2, 10):
        for index in range(batch):
            await client.post(
                "/api/v1/activities",
                json={"kind": "note", "subject": f"{batch}-{index}", "contact_id": ada["id"]},
                headers=admin,
            )
        with recorded_statements(connection) as statements:
            page = await client.get(
                "/api/v1/activities",
                params={"limit": "50", "count": "false", "contact_id": ada["id"]},
                headers=admin,
            )
        assert page.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
