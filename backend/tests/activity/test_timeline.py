"""The per-record timeline: activities, stage changes and field changes merged newest first, paged
over the merged stream, filtered by what the caller may see, in a constant number of queries."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

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


async def read_all(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, limit: int
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = await client.get(
            url, params={"limit": limit} | ({"cursor": cursor} if cursor else {}), headers=headers
        )
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if not cursor:
            return items


def describe(item: dict[str, Any]) -> str:
    if item["type"] == "activity":
        return f"activity:{item['activity']['subject']}"
    if item["type"] == "stage_change":
        return f"stage:{item['stage_change']['from_stage']}->{item['stage_change']['to_stage']}"
    return f"event:{item['event']['action']}"


async def test_contact_timeline_merges_and_pages(
    client: httpx.AsyncClient, admin: dict[str, str], journey: dict[str, Any]
) -> None:
    contact = (await client.post("/api/v1/contacts", json={"first_name": "Ada"}, headers=admin)).json()
    url = f"/api/v1/contacts/{contact['id']}/timeline"
    await client.post(
        "/api/v1/activities",
        json={"kind": "call", "subject": "first call", "contact_id": contact["id"]},
        headers=admin,
    )
    await client.patch(f"/api/v1/contacts/{contact['id']}", json={"job_title": "Architect"}, headers=admin)
    deal = (
        await client.post(
            "/api/v1/deals", json={"name": "Plan", "contact_ids": [contact["id"]]}, headers=admin
        )
    ).json()
    booked = next(s["id"] for s in journey["stages"] if s["name"] == "Consultation booked")
    await client.post(f"/api/v1/deals/{deal['id']}/move", json={"stage_id": booked}, headers=admin)
    await client.post(
        "/api/v1/activities",
        json={"kind": "note", "subject": "brought x-rays", "contact_id": contact["id"]},
        headers=admin,
    )

    whole = await read_all(client, admin, url, 50)
    assert [describe(item) for item in whole] == [
        "activity:brought x-rays",
        "stage:Enquiry->Consultation booked",
        "stage:None->Enquiry",
        "event:contact.update",
        "activity:first call",
        "event:contact.create",
    ]
    assert [item["at"] for item in whole] == sorted((item["at"] for item in whole), reverse=True)
    update = whole[3]["event"]
    assert update["changes"] == {"job_title": {"before": None, "after": "Architect"}}
    assert whole[1]["stage_change"]["deal_name"] == "Plan"
    for limit in (1, 2, 4):
        assert await read_all(client, admin, url, limit) == whole, limit
    assert (await client.get(url, params={"cursor": "junk"}, headers=admin)).status_code == 400


async def test_deal_company_and_lead_timelines(
    client: httpx.AsyncClient, admin: dict[str, str], journey: dict[str, Any], tenant: Tenant
) -> None:
    company = (await client.post("/api/v1/companies", json={"name": "Smile Co"}, headers=admin)).json()
    deal = (
        await client.post(
            "/api/v1/deals",
            json={"name": "Veneers", "amount": "900", "company_id": company["id"]},
            headers=admin,
        )
    ).json()
    await client.patch(
        f"/api/v1/deals/{deal['id']}", json={"amount": "1200", "name": "Veneers x6"}, headers=admin
    )
    await client.post(
        "/api/v1/activities", json={"kind": "meeting", "subject": "fit", "deal_id": deal["id"]}, headers=admin
    )
    deal_items = [
        describe(i) for i in await read_all(client, admin, f"/api/v1/deals/{deal['id']}/timeline", 10)
    ]
    assert deal_items == ["activity:fit", "event:deal.update", "event:deal.create", "stage:None->Enquiry"]
    company_items = [
        describe(i) for i in await read_all(client, admin, f"/api/v1/companies/{company['id']}/timeline", 10)
    ]
    assert company_items == ["stage:None->Enquiry", "event:company.create"]

    marketing = bearer(await token_for(client, tenant.people[Role.marketing]))
    seen = await read_all(client, marketing, f"/api/v1/deals/{deal['id']}/timeline", 10)
    update = next(
        item["event"]
        for item in seen
        if item["type"] == "field_change" and item["event"]["action"] == "deal.update"
    )
    assert update["changes"] == {"name": {"before": "Veneers", "after": "Veneers x6"}}  # no amount

    lead = (
        await client.post(
            "/api/v1/leads", json={"first_name": "Lin", "email": "lin@example.org"}, headers=admin
        )
    ).json()
    await client.post(
        "/api/v1/activities",
        json={"kind": "email", "subject": "brochure", "lead_id": lead["id"]},
        headers=admin,
    )
    converted = (await client.post(f"/api/v1/leads/{lead['id']}/convert", json={}, headers=admin)).json()
    lead_items = [
        describe(i) for i in await read_all(client, admin, f"/api/v1/leads/{lead['id']}/timeline", 10)
    ]
    assert lead_items == ["event:lead.convert", "activity:brochure", "event:lead.create"]
    contact_items = [
        describe(i)
        for i in await read_all(client, admin, f"/api/v1/contacts/{converted['contact_id']}/timeline", 10)
    ]
    assert contact_items == ["event:contact.create", "activity:brochure"] or contact_items == [
        "activity:brochure",
        "event:contact.create",
    ]


async def test_timelines_follow_permissions_and_tenants(
    client: httpx.AsyncClient, admin: dict[str, str], tenant: Tenant, other_tenant: Tenant
) -> None:
    contact = (await client.post("/api/v1/contacts", json={"first_name": "Ada"}, headers=admin)).json()
    await client.post(
        "/api/v1/deals", json={"name": "Admin's deal", "contact_ids": [contact["id"]]}, headers=admin
    )
    sales = bearer(await token_for(client, tenant.people[Role.sales]))
    items = await read_all(client, sales, f"/api/v1/contacts/{contact['id']}/timeline", 10)
    assert [item["type"] for item in items] == [
        "field_change"
    ]  # not the stage change of a deal Sales cannot see
    support = bearer(await token_for(client, tenant.people[Role.support]))
    lead = (await client.post("/api/v1/leads", json={"first_name": "L"}, headers=admin)).json()
    assert (await client.get(f"/api/v1/leads/{lead['id']}/timeline", headers=support)).status_code == 403
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    company = (await client.post("/api/v1/companies", json={"name": "C"}, headers=admin)).json()
    deal = (await client.post("/api/v1/deals", json={"name": "D"}, headers=admin)).json()
    for path in (
        f"/api/v1/contacts/{contact['id']}/timeline",
        f"/api/v1/companies/{company['id']}/timeline",
        f"/api/v1/leads/{lead['id']}/timeline",
        f"/api/v1/deals/{deal['id']}/timeline",
    ):
        assert (await client.get(path, headers=theirs)).status_code == 404, path


async def test_timeline_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient, admin: dict[str, str], journey: dict[str, Any], connection: AsyncConnection
) -> None:
    contact = (await client.post("/api/v1/contacts", json={"first_name": "Q"}, headers=admin)).json()
    counts = []
    for batch in (1, 6):
        for index in range(batch):
            await client.post(
                "/api/v1/activities",
                json={"kind": "note", "subject": f"{batch}-{index}", "contact_id": contact["id"]},
                headers=admin,
            )
            await client.patch(
                f"/api/v1/contacts/{contact['id']}", json={"job_title": f"T{batch}-{index}"}, headers=admin
            )
            await client.post(
                "/api/v1/deals",
                json={"name": f"D{batch}-{index}", "contact_ids": [contact["id"]]},
                headers=admin,
            )
        await client.get("/api/v1/pipelines", headers=admin)  # the pipeline cache is warm in both rounds
        with recorded_statements(connection) as statements:
            page = await client.get(
                f"/api/v1/contacts/{contact['id']}/timeline", params={"limit": 50}, headers=admin
            )
        assert page.status_code == 200 and {i["type"] for i in page.json()["items"]} == {
            "activity",
            "stage_change",
            "field_change",
        }
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
