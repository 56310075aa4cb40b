"""Pipelines and stages through the API: the default pipeline on first use, ordered stages, won/lost
flags, the per-organisation cache and its invalidation, roles and tenant isolation."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm.core.db import set_tenant
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for

IMPLANTS = {
    "name": "Implants",
    "stages": [
        {"name": "Assessment", "probability": 20},
        {"name": "Surgery booked", "probability": 60},
        {"name": "Done", "is_won": True},
        {"name": "Declined", "is_lost": True},
    ],
}


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


def _collect(connection: AsyncConnection, sink: list[str]) -> object:
    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        sink.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", count)  # type: ignore[arg-type]
    return count


async def test_default_pipeline_is_created_once_on_first_use(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant
) -> None:
    first = await client.get("/api/v1/pipelines", headers=admin)
    assert first.status_code == 200, first.text
    (pipeline,) = first.json()["items"]
    assert pipeline["name"] == "Patient journey" and pipeline["is_default"] is True
    assert [s["name"] for s in pipeline["stages"]] == [
        "Enquiry",
        "Consultation booked",
        "Treatment plan",
        "Proposal sent",
        "Won",
        "Lost",
    ]
    assert [s["position"] for s in pipeline["stages"]] == list(range(6))
    won, lost = pipeline["stages"][4], pipeline["stages"][5]
    assert (won["is_won"], won["probability"], lost["is_lost"], lost["probability"]) == (True, 100, True, 0)
    again = (await client.get("/api/v1/pipelines", headers=admin)).json()["items"]
    assert [p["id"] for p in again] == [pipeline["id"]]
    await set_tenant(db, tenant.id)
    assert (await db.execute(text("SELECT count(*) FROM pipelines"))).scalar_one() == 1
    action = (
        await db.execute(
            text("SELECT action FROM audit_events WHERE entity_id = :id"), {"id": pipeline["id"]}
        )
    ).scalar_one()
    assert action == "pipeline.create"


async def test_pipelines_are_cached_and_invalidated_on_write(
    client: httpx.AsyncClient, admin: dict[str, str], connection: AsyncConnection
) -> None:
    (pipeline,) = (await client.get("/api/v1/pipelines", headers=admin)).json()["items"]  # creates it
    await client.get("/api/v1/pipelines", headers=admin)  # caches it
    statements: list[str] = []
    listener = _collect(connection, statements)
    try:
        assert (await client.get(f"/api/v1/pipelines/{pipeline['id']}", headers=admin)).status_code == 200
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", listener)  # type: ignore[arg-type]
    assert not [s for s in statements if "FROM pipelines" in s], statements
    renamed = await client.patch(
        f"/api/v1/pipelines/{pipeline['id']}", json={"name": "Journey"}, headers=admin
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Journey"
    assert (await client.get("/api/v1/pipelines", headers=admin)).json()["items"][0]["name"] == "Journey"
    stage = pipeline["stages"][0]
    await client.patch(
        f"/api/v1/pipelines/{pipeline['id']}/stages/{stage['id']}", json={"probability": 15}, headers=admin
    )
    fresh = (await client.get(f"/api/v1/pipelines/{pipeline['id']}", headers=admin)).json()
    assert fresh["stages"][0]["probability"] == 15


async def test_several_pipelines_stages_and_default(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    created = await client.post("/api/v1/pipelines", json=IMPLANTS, headers=admin)
    assert created.status_code == 201, created.text
    implants = created.json()
    assert [s["probability"] for s in implants["stages"]] == [20, 60, 100, 0]
    assert implants["is_default"] is False
    items = (await client.get("/api/v1/pipelines", headers=admin)).json()["items"]
    assert [p["name"] for p in items] == ["Patient journey", "Implants"]
    duplicate = await client.post("/api/v1/pipelines", json=IMPLANTS | {"name": "implants"}, headers=admin)
    assert duplicate.status_code == 409 and duplicate.json()["error"] == "pipeline_exists"
    both = await client.post(
        "/api/v1/pipelines",
        json={"name": "Odd", "stages": [{"name": "X", "is_won": True, "is_lost": True}]},
        headers=admin,
    )
    assert both.status_code == 400 and both.json()["error"] == "invalid_stage"
    assert (
        await client.post("/api/v1/pipelines", json={"name": "Empty", "stages": []}, headers=admin)
    ).status_code == 422

    made_default = await client.patch(
        f"/api/v1/pipelines/{implants['id']}", json={"is_default": True}, headers=admin
    )
    assert made_default.json()["is_default"] is True
    items = (await client.get("/api/v1/pipelines", headers=admin)).json()["items"]
    assert [p["is_default"] for p in items] == [False, True]
    refused = await client.delete(f"/api/v1/pipelines/{implants['id']}", headers=admin)
    assert refused.status_code == 409 and refused.json()["error"] == "default_pipeline"
    archive_default = await client.patch(
        f"/api/v1/pipelines/{implants['id']}", json={"archived": True}, headers=admin
    )
    assert archive_default.status_code == 409

    journey = items[0]
    archived = await client.patch(
        f"/api/v1/pipelines/{journey['id']}", json={"archived": True}, headers=admin
    )
    assert archived.status_code == 200 and archived.json()["archived_at"]
    assert [p["name"] for p in (await client.get("/api/v1/pipelines", headers=admin)).json()["items"]] == [
        "Implants"
    ]
    with_archived = await client.get("/api/v1/pipelines", params={"include_archived": "true"}, headers=admin)
    assert len(with_archived.json()["items"]) == 2
    assert (await client.delete(f"/api/v1/pipelines/{journey['id']}", headers=admin)).status_code == 204
    assert (await client.get(f"/api/v1/pipelines/{journey['id']}", headers=admin)).status_code == 404


async def test_stages_add_reorder_update_delete(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    implants = (await client.post("/api/v1/pipelines", json=IMPLANTS, headers=admin)).json()
    url = f"/api/v1/pipelines/{implants['id']}"
    added = await client.post(
        f"{url}/stages", params={"position": "1"}, json={"name": "X-ray"}, headers=admin
    )
    assert added.status_code == 201
    names = [s["name"] for s in added.json()["stages"]]
    assert names == ["Assessment", "X-ray", "Surgery booked", "Done", "Declined"]
    assert [s["position"] for s in added.json()["stages"]] == list(range(5))
    ids = [s["id"] for s in added.json()["stages"]]

    reordered = await client.post(f"{url}/stages/reorder", json={"stage_ids": ids[::-1]}, headers=admin)
    assert [s["name"] for s in reordered.json()["stages"]] == names[::-1]
    for bad in (ids[:-1], [*ids[:-1], str(uuid.uuid4())], [*ids, ids[0]]):
        response = await client.post(f"{url}/stages/reorder", json={"stage_ids": bad}, headers=admin)
        assert response.status_code == 400 and response.json()["error"] == "invalid_stage_order"

    xray = ids[1]
    updated = await client.patch(
        f"{url}/stages/{xray}", json={"name": "Scan", "probability": 30}, headers=admin
    )
    scan = next(s for s in updated.json()["stages"] if s["id"] == xray)
    assert (scan["name"], scan["probability"]) == ("Scan", 30)
    done = ids[3]
    assert (
        await client.patch(f"{url}/stages/{done}", json={"is_lost": True}, headers=admin)
    ).status_code == 400
    assert (
        await client.patch(f"{url}/stages/{uuid.uuid4()}", json={"name": "Z"}, headers=admin)
    ).status_code == 404
    removed = await client.delete(f"{url}/stages/{xray}", headers=admin)
    assert removed.status_code == 200 and len(removed.json()["stages"]) == 4
    assert [s["position"] for s in removed.json()["stages"]] == list(range(4))

    single = (
        await client.post(
            "/api/v1/pipelines", json={"name": "One", "stages": [{"name": "Only"}]}, headers=admin
        )
    ).json()
    last = await client.delete(
        f"/api/v1/pipelines/{single['id']}/stages/{single['stages'][0]['id']}", headers=admin
    )
    assert last.status_code == 409 and last.json()["error"] == "last_stage"


async def test_roles(client: httpx.AsyncClient, tenant: Tenant, admin: dict[str, str]) -> None:
    (pipeline,) = (await client.get("/api/v1/pipelines", headers=admin)).json()["items"]
    for role in (Role.sales, Role.marketing, Role.support):
        caller = bearer(await token_for(client, tenant.people[role]))
        assert (await client.get("/api/v1/pipelines", headers=caller)).status_code == 200
        assert (await client.post("/api/v1/pipelines", json=IMPLANTS, headers=caller)).status_code == 403
        assert (
            await client.patch(f"/api/v1/pipelines/{pipeline['id']}", json={"name": "Mine"}, headers=caller)
        ).status_code == 403
        assert (
            await client.post(
                f"/api/v1/pipelines/{pipeline['id']}/stages", json={"name": "S"}, headers=caller
            )
        ).status_code == 403


async def test_other_tenants_pipelines_are_invisible(
    client: httpx.AsyncClient, admin: dict[str, str], other_tenant: Tenant
) -> None:
    mine = (await client.post("/api/v1/pipelines", json=IMPLANTS, headers=admin)).json()
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    names = [p["name"] for p in (await client.get("/api/v1/pipelines", headers=theirs)).json()["items"]]
    assert names == ["Patient journey"]  # their own default, not mine
    url = f"/api/v1/pipelines/{mine['id']}"
    stage = mine["stages"][0]["id"]
    for method, path, body in (
        ("GET", url, None),
        ("PATCH", url, {"name": "Stolen"}),
        ("DELETE", url, None),
        ("POST", f"{url}/stages", {"name": "S"}),
        ("PATCH", f"{url}/stages/{stage}", {"name": "S"}),
        ("DELETE", f"{url}/stages/{stage}", None),
        ("POST", f"{url}/stages/reorder", {"stage_ids": [stage]}),
    ):
        response = await client.request(method, path, headers=theirs, json=body)
        assert response.status_code == 404, (method, path, response.text)
