"""Deals through the API: pipeline and stage rules, won/lost, stage history, contacts and company,
filters, keyset pages, custom fields, optimistic concurrency, trash, bulk, the "own" scope of Sales,
hidden amounts for Marketing, and tenant isolation."""

from __future__ import annotations

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


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


@pytest.fixture
async def journey(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, Any]:
    (pipeline,) = (await client.get("/api/v1/pipelines", headers=admin)).json()["items"]
    return pipeline  # type: ignore[no-any-return]


def stage(pipeline: dict[str, Any], name: str) -> str:
    return next(s["id"] for s in pipeline["stages"] if s["name"] == name)  # type: ignore[no-any-return]


async def history(
    client: httpx.AsyncClient, headers: dict[str, str], deal_id: str
) -> list[tuple[str | None, str]]:
    rows = (await client.get(f"/api/v1/deals/{deal_id}/stage-history", headers=headers)).json()
    return [(r["from_stage_id"], r["to_stage_id"]) for r in rows]


async def test_create_defaults_and_links(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    journey: dict[str, Any],
    db: AsyncSession,
    tenant: Tenant,
) -> None:
    company = (await client.post("/api/v1/companies", json={"name": "Smile Co"}, headers=admin)).json()
    ada = (await client.post("/api/v1/contacts", json={"first_name": "Ada"}, headers=admin)).json()
    created = await client.post(
        "/api/v1/deals",
        json={
            "name": "Veneers",
            "amount": "4500.00",
            "currency": "GBP",
            "expected_close_date": "2027-01-31",
            "company_id": company["id"],
            "contact_ids": [ada["id"], ada["id"]],
            "tags": ["cosmetic"],
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    deal = created.json()
    assert deal["pipeline_id"] == journey["id"] and deal["stage_id"] == stage(journey, "Enquiry")
    assert deal["probability"] == 10 and deal["status"] == "open" and deal["closed_at"] is None
    assert (
        deal["amount"] == "4500.00"
        and deal["contact_ids"] == [ada["id"]]
        and deal["company_id"] == company["id"]
    )
    assert deal["owner_id"] == str(tenant.people[Role.admin].user_id) and deal["board_rank"]
    fetched = await client.get(f"/api/v1/deals/{deal['id']}", headers=admin)
    assert fetched.json() == deal and fetched.headers["etag"] == '"1"'
    assert await history(client, admin, deal["id"]) == [(None, stage(journey, "Enquiry"))]
    await set_tenant(db, tenant.id)
    audit = (
        await db.execute(
            text("SELECT action, changes FROM audit_events WHERE entity_id = :id"), {"id": deal["id"]}
        )
    ).one()
    assert audit.action == "deal.create" and audit.changes["amount"]["after"] == "4500.00"

    explicit = await client.post(
        "/api/v1/deals",
        json={"name": "Plan", "stage_id": stage(journey, "Treatment plan"), "probability": 65},
        headers=admin,
    )
    assert explicit.json()["probability"] == 65 and explicit.json()["pipeline_id"] == journey["id"]
    for bad, status, error in (
        ({"name": "X", "stage_id": str(uuid.uuid4())}, 404, "not_found"),
        ({"name": "X", "pipeline_id": str(uuid.uuid4())}, 404, "not_found"),
        ({"name": "X", "company_id": str(uuid.uuid4())}, 404, "not_found"),
        ({"name": "X", "contact_ids": [str(uuid.uuid4())]}, 404, "not_found"),
        ({"name": "X", "status": "lost"}, 400, "lost_reason_required"),
        ({"name": "X", "stage_id": stage(journey, "Won"), "status": "open"}, 400, "status_mismatch"),
        ({"name": "X", "owner_id": str(uuid.uuid4())}, 400, "invalid_owner"),
    ):
        response = await client.post("/api/v1/deals", json=bad, headers=admin)
        assert (response.status_code, response.json()["error"]) == (status, error), bad
    for invalid in (
        {"name": "X", "amount": "-1"},
        {"name": "X", "currency": "euro"},
        {"name": "X", "score": 1},
        {},
    ):
        assert (await client.post("/api/v1/deals", json=invalid, headers=admin)).status_code == 422, invalid


async def test_stage_must_belong_to_the_pipeline(
    client: httpx.AsyncClient, admin: dict[str, str], journey: dict[str, Any]
) -> None:
    implants = (
        await client.post(
            "/api/v1/pipelines",
            json={
                "name": "Implants",
                "stages": [{"name": "Scan", "probability": 30}, {"name": "Fitted", "is_won": True}],
            },
            headers=admin,
        )
    ).json()
    mismatch = await client.post(
        "/api/v1/deals",
        json={"name": "X", "pipeline_id": journey["id"], "stage_id": implants["stages"][0]["id"]},
        headers=admin,
    )
    assert mismatch.status_code == 400 and mismatch.json()["error"] == "stage_not_in_pipeline"
    deal = (await client.post("/api/v1/deals", json={"name": "Switch"}, headers=admin)).json()
    switched = await client.patch(
        f"/api/v1/deals/{deal['id']}", json={"pipeline_id": implants["id"]}, headers=admin
    )
    assert switched.status_code == 200, switched.text
    assert switched.json()["stage_id"] == implants["stages"][0]["id"] and switched.json()["probability"] == 30
    won = await client.patch(f"/api/v1/deals/{deal['id']}", json={"status": "won"}, headers=admin)
    assert won.json()["stage_id"] == implants["stages"][1]["id"] and won.json()["status"] == "won"
    no_lost = await client.patch(
        f"/api/v1/deals/{deal['id']}", json={"status": "lost", "lost_reason": "x"}, headers=admin
    )
    assert no_lost.status_code == 400 and no_lost.json()["error"] == "no_lost_stage"


async def test_won_lost_reopen_and_stage_history(
    client: httpx.AsyncClient, admin: dict[str, str], journey: dict[str, Any]
) -> None:
    deal = (
        await client.post("/api/v1/deals", json={"name": "Braces", "amount": "3000"}, headers=admin)
    ).json()
    url = f"/api/v1/deals/{deal['id']}"
    moved = (
        await client.patch(url, json={"stage_id": stage(journey, "Proposal sent")}, headers=admin)
    ).json()
    assert moved["probability"] == 75 and moved["version"] == 2
    refused = await client.patch(url, json={"stage_id": stage(journey, "Lost")}, headers=admin)
    assert refused.status_code == 400 and refused.json()["error"] == "lost_reason_required"
    lost = (await client.patch(url, json={"status": "lost", "lost_reason": "Price"}, headers=admin)).json()
    assert (lost["status"], lost["stage_id"], lost["lost_reason"], lost["probability"]) == (
        "lost",
        stage(journey, "Lost"),
        "Price",
        0,
    )
    assert lost["closed_at"] is not None
    reason = await client.patch(url, json={"lost_reason": "Went abroad"}, headers=admin)
    assert reason.json()["lost_reason"] == "Went abroad"
    cleared = await client.patch(url, json={"lost_reason": None}, headers=admin)
    assert cleared.status_code == 400
    reopen_without_stage = await client.patch(url, json={"status": "open"}, headers=admin)
    assert (
        reopen_without_stage.status_code == 400 and reopen_without_stage.json()["error"] == "stage_required"
    )
    reopened = (await client.patch(url, json={"stage_id": stage(journey, "Enquiry")}, headers=admin)).json()
    assert (reopened["status"], reopened["closed_at"], reopened["lost_reason"]) == ("open", None, None)
    not_lost = await client.patch(url, json={"lost_reason": "x"}, headers=admin)
    assert not_lost.status_code == 400 and not_lost.json()["error"] == "not_lost"
    won = (await client.patch(url, json={"status": "won"}, headers=admin)).json()
    assert won["status"] == "won" and won["probability"] == 100 and won["closed_at"]
    names = {s["id"]: s["name"] for s in journey["stages"]}
    assert [(names.get(a or ""), names[b]) for a, b in await history(client, admin, deal["id"])] == [
        (None, "Enquiry"),
        ("Enquiry", "Proposal sent"),
        ("Proposal sent", "Lost"),
        ("Lost", "Enquiry"),
        ("Enquiry", "Won"),
    ]


async def test_filters_sort_search_keyset_and_custom_fields(
    client: httpx.AsyncClient, admin: dict[str, str], journey: dict[str, Any]
) -> None:
    field = {
        "object_type": "deal",
        "key": "source",
        "label": "Source",
        "field_type": "select",
        "options": ["web", "gp"],
    }
    assert (await client.post("/api/v1/custom-fields", json=field, headers=admin)).status_code == 201
    ada = (await client.post("/api/v1/contacts", json={"first_name": "Ada"}, headers=admin)).json()
    for index in range(6):
        body = {
            "name": f"Deal {index} {'implant' if index % 2 else 'whitening'}",
            "amount": str(1000 * (index + 1)),
            "expected_close_date": f"2027-0{index + 1}-15",
            "custom_fields": {"source": "web" if index < 3 else "gp"},
            "contact_ids": [ada["id"]] if index in (1, 4) else [],
        }
        if index == 5:
            body |= {"status": "won"}
        assert (await client.post("/api/v1/deals", json=body, headers=admin)).status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "4", "sort": "-amount"} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/deals", params=params, headers=admin)).json()
        seen += [d["amount"] for d in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [float(a) for a in seen] == [6000, 5000, 4000, 3000, 2000, 1000]
    first = (await client.get("/api/v1/deals", params={"limit": "2"}, headers=admin)).json()
    assert first["total"] == {"value": 6, "exact": True}

    async def names(params: dict[str, str]) -> list[str]:
        response = await client.get("/api/v1/deals", params=params, headers=admin)
        assert response.status_code == 200, (params, response.text)
        return sorted(d["name"].split()[1] for d in response.json()["items"])

    assert await names({"status": "won"}) == ["5"]
    assert await names({"amount__gte": "2500", "amount__lt": "5000"}) == ["2", "3"]
    assert await names({"q": "implant"}) == ["1", "3", "5"]
    assert await names({"contact_id": ada["id"]}) == ["1", "4"]
    assert await names({"cf.source": "gp", "stage_id": stage(journey, "Enquiry")}) == ["3", "4"]
    assert await names({"expected_close_date__lte": "2027-02-28"}) == ["0", "1"]
    by_close = (
        await client.get("/api/v1/deals", params={"sort": "expected_close_date"}, headers=admin)
    ).json()
    assert [d["name"].split()[1] for d in by_close["items"]] == ["0", "1", "2", "3", "4", "5"]
    for bad in (
        {"status": "maybe"},
        {"contact_id": "x"},
        {"contact_id__in": "a"},
        {"sort": "contact_ids"},
        {"amount": "lots"},
    ):
        assert (await client.get("/api/v1/deals", params=bad, headers=admin)).status_code == 400, bad


async def test_optimistic_concurrency(
    client: httpx.AsyncClient, admin: dict[str, str], journey: dict[str, Any]
) -> None:
    deal = (await client.post("/api/v1/deals", json={"name": "Opt"}, headers=admin)).json()
    url = f"/api/v1/deals/{deal['id']}"
    assert (await client.patch(url, json={"amount": "10"}, headers=admin | {"If-Match": '"1"'})).json()[
        "version"
    ] == 2
    stale = await client.patch(url, json={"amount": "20"}, headers=admin | {"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["error"] == "version_conflict"
    stale_move = await client.patch(
        url, json={"stage_id": stage(journey, "Won"), "version": 1}, headers=admin
    )
    assert stale_move.status_code == 412
    assert (await client.get(url, headers=admin)).json()["amount"] == "10.00"


async def test_soft_delete_restore_erase_and_bulk(
    client: httpx.AsyncClient, admin: dict[str, str], journey: dict[str, Any], tenant: Tenant
) -> None:
    a = (await client.post("/api/v1/deals", json={"name": "A"}, headers=admin)).json()
    b = (await client.post("/api/v1/deals", json={"name": "B", "tags": ["old"]}, headers=admin)).json()
    url = f"/api/v1/deals/{a['id']}"
    assert (await client.delete(url, headers=admin)).status_code == 204
    assert (await client.get(url, headers=admin)).status_code == 404
    restored = await client.post(f"{url}/restore", headers=admin)
    assert restored.status_code == 200 and restored.json()["board_rank"] > b["board_rank"]
    missing = str(uuid.uuid4())
    result = await client.post(
        "/api/v1/deals/bulk-update",
        headers=admin,
        json={
            "ids": [a["id"], missing, b["id"]],
            "stage_id": stage(journey, "Consultation booked"),
            "add_tags": ["new"],
            "remove_tags": ["old"],
            "owner_id": str(tenant.people[Role.sales].user_id),
        },
    )
    assert [r["ok"] for r in result.json()["results"]] == [True, False, True]
    after = (await client.get(f"/api/v1/deals/{b['id']}", headers=admin)).json()
    assert after["tags"] == ["new"] and after["stage_id"] == stage(journey, "Consultation booked")
    lost = await client.post(
        "/api/v1/deals/bulk-update",
        headers=admin,
        json={"ids": [a["id"]], "stage_id": stage(journey, "Lost")},
    )
    assert lost.json()["results"][0] == {
        "id": a["id"],
        "ok": False,
        "error": "a lost deal needs a reason (lost_reason)",
    }
    deleted = await client.post("/api/v1/deals/bulk-delete", headers=admin, json={"ids": [a["id"], missing]})
    assert [r["ok"] for r in deleted.json()["results"]] == [True, False]
    assert (await client.delete(f"/api/v1/deals/{b['id']}/erase", headers=admin)).status_code == 204
    assert (await client.get(f"/api/v1/deals/{b['id']}/stage-history", headers=admin)).status_code == 404


async def test_sales_reach_only_their_own_deals(
    client: httpx.AsyncClient, admin: dict[str, str], journey: dict[str, Any], tenant: Tenant
) -> None:
    sales = bearer(await token_for(client, tenant.people[Role.sales]))
    admins = (await client.post("/api/v1/deals", json={"name": "Admin's"}, headers=admin)).json()
    mine = await client.post("/api/v1/deals", json={"name": "Mine", "amount": "100"}, headers=sales)
    assert mine.status_code == 201 and mine.json()["owner_id"] == str(tenant.people[Role.sales].user_id)
    assert [d["name"] for d in (await client.get("/api/v1/deals", headers=sales)).json()["items"]] == ["Mine"]
    url = f"/api/v1/deals/{admins['id']}"
    for method, suffix, body in (
        ("GET", "", None),
        ("PATCH", "", {"name": "x"}),
        ("DELETE", "", None),
        ("POST", "/move", {"stage_id": stage(journey, "Won")}),
        ("GET", "/stage-history", None),
    ):
        response = await client.request(method, f"{url}{suffix}", json=body, headers=sales)
        assert response.status_code == 404, (method, suffix)
    for_other = await client.post(
        "/api/v1/deals",
        json={"name": "For admin", "owner_id": str(tenant.people[Role.admin].user_id)},
        headers=sales,
    )
    assert for_other.status_code == 403
    give_away = await client.patch(
        f"/api/v1/deals/{mine.json()['id']}",
        json={"owner_id": str(tenant.people[Role.admin].user_id)},
        headers=sales,
    )
    assert give_away.status_code == 403
    assert (await client.get("/api/v1/deals", params={"sort": "-amount"}, headers=sales)).status_code == 200


async def test_marketing_never_sees_amounts(
    client: httpx.AsyncClient, admin: dict[str, str], journey: dict[str, Any], tenant: Tenant
) -> None:
    deal = (
        await client.post("/api/v1/deals", json={"name": "Secret", "amount": "999"}, headers=admin)
    ).json()
    marketing = bearer(await token_for(client, tenant.people[Role.marketing]))
    assert (await client.get(f"/api/v1/deals/{deal['id']}", headers=marketing)).json()["amount"] is None
    listed = (await client.get("/api/v1/deals", headers=marketing)).json()["items"]
    assert [d["amount"] for d in listed] == [None]
    for params in ({"amount__gte": "1"}, {"sort": "-amount"}, {"amount__empty": "false"}):
        response = await client.get("/api/v1/deals", params=params, headers=marketing)
        assert response.status_code == 403 and response.json()["error"] == "forbidden", params
    assert (await client.post("/api/v1/deals", json={"name": "M"}, headers=marketing)).status_code == 403
    board = (await client.get(f"/api/v1/pipelines/{journey['id']}/board", headers=marketing)).json()
    enquiry = board["columns"][0]
    assert enquiry["count"] == 1 and enquiry["total_amount"] is None
    assert enquiry["totals"][0]["amount"] is None and enquiry["cards"][0]["amount"] is None
    support = bearer(await token_for(client, tenant.people[Role.support]))
    assert (await client.get(f"/api/v1/deals/{deal['id']}", headers=support)).json()["amount"] == "999.00"
    assert (
        await client.patch(f"/api/v1/deals/{deal['id']}", json={"name": "x"}, headers=support)
    ).status_code == 403


async def test_other_tenants_deals_are_invisible(
    client: httpx.AsyncClient, admin: dict[str, str], journey: dict[str, Any], other_tenant: Tenant
) -> None:
    mine = (await client.post("/api/v1/deals", json={"name": "Mine"}, headers=admin)).json()
    my_contact = (await client.post("/api/v1/contacts", json={"first_name": "C"}, headers=admin)).json()
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    assert (await client.get("/api/v1/deals", headers=theirs)).json()["items"] == []
    for method, suffix, body in (
        ("GET", "", None),
        ("PATCH", "", {}),
        ("DELETE", "", None),
        ("POST", "/restore", None),
        ("DELETE", "/erase", None),
        ("POST", "/move", {"stage_id": stage(journey, "Won")}),
        ("GET", "/stage-history", None),
    ):
        response = await client.request(
            method, f"/api/v1/deals/{mine['id']}{suffix}", headers=theirs, json=body
        )
        assert response.status_code == 404, (method, suffix)
    for body in (
        {"name": "X", "stage_id": stage(journey, "Won")},
        {"name": "X", "pipeline_id": journey["id"]},
        {"name": "X", "contact_ids": [my_contact["id"]]},
    ):
        assert (await client.post("/api/v1/deals", json=body, headers=theirs)).status_code == 404, body
    assert (await client.get(f"/api/v1/pipelines/{journey['id']}/board", headers=theirs)).status_code == 404


async def test_list_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient, admin: dict[str, str], connection: AsyncConnection
) -> None:
    ada = (await client.post("/api/v1/contacts", json={"first_name": "Ada"}, headers=admin)).json()
    counts = []
    for batch in (2, 10):
        for index in range(batch):
            await client.post(
                "/api/v1/deals", json={"name": f"Q{batch}-{index}", "contact_ids": [ada["id"]]}, headers=admin
            )
        with recorded_statements(connection) as statements:
            page = await client.get("/api/v1/deals", params={"limit": "50", "count": "false"}, headers=admin)
        assert page.status_code == 200 and all(d["contact_ids"] == [ada["id"]] for d in page.json()["items"])
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


async def test_get_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient, admin: dict[str, str], connection: AsyncConnection
) -> None:
    people = [
        (await client.post("/api/v1/contacts", json={"first_name": f"P{i}"}, headers=admin)).json()["id"]
        for i in range(5)
    ]
    counts = []
    for linked in (people[:1], people):
        deal = (
            await client.post("/api/v1/deals", json={"name": "G", "contact_ids": linked}, headers=admin)
        ).json()
        with recorded_statements(connection) as statements:
            response = await client.get(f"/api/v1/deals/{deal['id']}", headers=admin)
        assert response.status_code == 200 and sorted(response.json()["contact_ids"]) == sorted(linked)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


async def test_amount_filters_are_exact_and_bounded_by_the_float_twin(
    client: httpx.AsyncClient, admin: dict[str, str], connection: AsyncConnection
) -> None:
    """``amount`` conditions are also stated on ``amount_float`` (the index bound under RLS,
    migration 0031); the numeric column still decides, even between amounts a float cannot tell
    apart."""
    top, below = "9999999999999999.99", "9999999999999999.98"
    assert float(top) == float(below)  # the premise: one float for both
    for name, amount in (
        ("small", "100.00"),
        ("edge", "1000.00"),
        ("above", "1000.01"),
        ("below", below),
        ("top", top),
    ):
        response = await client.post("/api/v1/deals", json={"name": name, "amount": amount}, headers=admin)
        assert response.status_code == 201, response.text

    async def names(params: dict[str, str]) -> list[str]:
        response = await client.get("/api/v1/deals", params={"sort": "amount", **params}, headers=admin)
        assert response.status_code == 200, response.text
        return [d["name"] for d in response.json()["items"]]

    assert await names({"amount__gte": "1000"}) == ["edge", "above", "below", "top"]
    assert await names({"amount__gt": "1000"}) == ["above", "below", "top"]
    assert await names({"amount__lt": "1000.01"}) == ["small", "edge"]
    assert await names({"amount__gt": below}) == ["top"]
    assert await names({"amount__lte": below, "amount__gte": "1000.01"}) == ["above", "below"]
    assert await names({"amount": top}) == ["top"]
    assert await names({"amount__in": f"100,{below}"}) == ["small", "below"]
    with recorded_statements(connection) as statements:
        assert await names({"amount__gte": "1000.01", "count": "true"}) == ["above", "below", "top"]
    (page,) = [s for s in statements if "ORDER BY" in s]
    assert "deals.amount_float >=" in page and "deals.amount >=" in page
