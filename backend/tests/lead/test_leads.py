"""Leads through the API: encrypted e-mail/phone with blind-index search, status flow, read-only
scores sorted hottest first, conversion (contact, company, deal, activities) in one transaction,
optimistic concurrency, trash, erase, bulk, roles and tenant isolation."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm.core.db import set_tenant
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for
from tests.fixtures.statements import recorded_statements

GRACE = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "job_title": "Practice manager",
    "company_name": "Navy Dental",
    "email": "Grace.Hopper@NavyDental.example",
    "phone": "+44 20 7946 0958",
    "source": "web form",
}


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


async def test_create_encrypts_pii_and_searches_exactly(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant
) -> None:
    created = await client.post("/api/v1/leads", json=GRACE, headers=admin)
    assert created.status_code == 201, created.text
    lead = created.json()
    assert (lead["status"], lead["email"], lead["score"], lead["version"]) == ("new", GRACE["email"], None, 1)
    fetched = await client.get(f"/api/v1/leads/{lead['id']}", headers=admin)
    assert fetched.json() == lead and fetched.headers["etag"] == '"1"'
    await set_tenant(db, tenant.id)
    raw = (
        await db.execute(
            text("SELECT email, phone, email_bidx, phone_bidx FROM leads WHERE id = :id"), {"id": lead["id"]}
        )
    ).one()
    assert b"Hopper" not in bytes(raw.email) and b"7946" not in bytes(raw.phone)
    assert raw.email_bidx is not None and raw.phone_bidx is not None
    audit = (
        await db.execute(
            text("SELECT changes::text, redacted_fields FROM audit_events WHERE entity_id = :id"),
            {"id": lead["id"]},
        )
    ).one()
    assert "Hopper" not in audit[0] and "7946" not in audit[0]
    assert {"email", "phone", "first_name", "last_name"} <= set(audit[1])

    for params in (
        {"email": " grace.hopper@navydental.EXAMPLE"},
        {"phone": "+442079460958"},
        {"email__empty": "false"},
    ):
        found = (await client.get("/api/v1/leads", params=params, headers=admin)).json()["items"]
        assert [item["id"] for item in found] == [lead["id"]], params
    assert (await client.get("/api/v1/leads", params={"email__empty": "true"}, headers=admin)).json()[
        "items"
    ] == []
    for bad in ({"email__contains": "grace"}, {"email": "not-an-email"}, {"status": "hot"}):
        assert (await client.get("/api/v1/leads", params=bad, headers=admin)).status_code == 400, bad
    assert (await client.post("/api/v1/leads", json={"email": "nope"}, headers=admin)).json()[
        "error"
    ] == "invalid_email"
    assert (await client.post("/api/v1/leads", json={"source": "x"}, headers=admin)).json()[
        "error"
    ] == "empty_lead"
    searched = (await client.get("/api/v1/leads", params={"q": "navy"}, headers=admin)).json()["items"]
    assert [item["id"] for item in searched] == [lead["id"]]


async def test_status_flow(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    lead = (await client.post("/api/v1/leads", json={"first_name": "Flow"}, headers=admin)).json()
    url = f"/api/v1/leads/{lead['id']}"
    assert (await client.patch(url, json={"status": "contacted"}, headers=admin)).json()[
        "status"
    ] == "contacted"
    assert (await client.patch(url, json={"status": "qualified"}, headers=admin)).json()[
        "status"
    ] == "qualified"
    back = await client.patch(url, json={"status": "new"}, headers=admin)
    assert back.status_code == 400 and back.json()["error"] == "invalid_status"
    no_reason = await client.patch(url, json={"status": "lost"}, headers=admin)
    assert no_reason.status_code == 400 and no_reason.json()["error"] == "lost_reason_required"
    lost = (
        await client.patch(url, json={"status": "lost", "lost_reason": "Chose another clinic"}, headers=admin)
    ).json()
    assert (lost["status"], lost["lost_reason"]) == ("lost", "Chose another clinic")
    reopened = (await client.patch(url, json={"status": "contacted"}, headers=admin)).json()
    assert (reopened["status"], reopened["lost_reason"]) == ("contacted", None)
    assert (await client.patch(url, json={"lost_reason": "x"}, headers=admin)).json()["error"] == "not_lost"
    assert (await client.patch(url, json={"status": "converted"}, headers=admin)).status_code == 422


async def test_scores_are_read_only_and_sort_hottest_first(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant
) -> None:
    ids = [
        (await client.post("/api/v1/leads", json={"first_name": f"L{i}"}, headers=admin)).json()["id"]
        for i in range(6)
    ]
    for field in ("score", "score_reasons", "scored_at", "score_model_version"):
        refused = await client.patch(f"/api/v1/leads/{ids[0]}", json={field: None}, headers=admin)
        assert refused.status_code == 422, field
    await set_tenant(db, tenant.id)
    scores = {ids[0]: 0.2, ids[1]: 0.9, ids[3]: 0.55, ids[5]: 0.9}  # ids 2 and 4 unscored
    for lead_id, score in scores.items():
        await db.execute(
            text("UPDATE leads SET score = :s, scored_at = now() WHERE id = :id"), {"s": score, "id": lead_id}
        )
    seen: list[str] = []
    cursor = None
    while True:
        params = {"sort": "-score", "limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/leads", params=params, headers=admin)).json()
        seen += [item["first_name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert set(seen[:2]) == {"L1", "L5"}  # equal scores: by id
    assert seen[2:4] == ["L3", "L0"] and set(seen[4:]) == {"L2", "L4"}
    hot = (await client.get("/api/v1/leads", params={"score__gte": "0.5"}, headers=admin)).json()["items"]
    assert {item["first_name"] for item in hot} == {"L1", "L3", "L5"}


async def test_convert_creates_contact_company_and_deal(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant
) -> None:
    lead = (await client.post("/api/v1/leads", json=GRACE, headers=admin)).json()
    await set_tenant(db, tenant.id)
    await db.execute(
        text("INSERT INTO activities (kind, subject, lead_id) VALUES ('call', 'Intro call', :lead)"),
        {"lead": lead["id"]},
    )
    converted = await client.post(
        f"/api/v1/leads/{lead['id']}/convert",
        json={"create_deal": True, "deal_name": "Whitening", "amount": "800.00"},
        headers=admin,
    )
    assert converted.status_code == 200, converted.text
    result = converted.json()
    assert result["contact_created"] and result["company_created"] and result["deal_id"]
    assert (
        result["lead"]["status"] == "converted"
        and result["lead"]["converted_contact_id"] == result["contact_id"]
    )
    assert result["lead"]["converted_at"] and result["lead"]["version"] == 2
    contact = (await client.get(f"/api/v1/contacts/{result['contact_id']}", headers=admin)).json()
    assert contact["emails"] == [GRACE["email"]] and contact["phones"] == [GRACE["phone"]]
    assert contact["company_id"] == result["company_id"] and contact["company_name"] == "Navy Dental"
    company = (await client.get(f"/api/v1/companies/{result['company_id']}", headers=admin)).json()
    assert company["domain"] == "navydental.example"
    deal = (await client.get(f"/api/v1/deals/{result['deal_id']}", headers=admin)).json()
    assert (deal["name"], deal["amount"], deal["contact_ids"], deal["company_id"]) == (
        "Whitening",
        "800.00",
        [result["contact_id"]],
        result["company_id"],
    )
    linked = (
        await db.execute(text("SELECT contact_id, lead_id FROM activities WHERE subject = 'Intro call'"))
    ).one()
    assert str(linked.contact_id) == result["contact_id"] and str(linked.lead_id) == lead["id"]
    again = await client.post(f"/api/v1/leads/{lead['id']}/convert", json={}, headers=admin)
    assert again.status_code == 409 and again.json()["error"] == "already_converted"
    assert (
        await client.patch(f"/api/v1/leads/{lead['id']}", json={"status": "new"}, headers=admin)
    ).status_code == 409
    audit = (
        await db.execute(
            text("SELECT meta FROM audit_events WHERE entity_id = :id AND action = 'lead.convert'"),
            {"id": lead["id"]},
        )
    ).scalar_one()
    assert audit == {"contact_created": True, "company_created": True, "activities_linked": 1}


async def test_convert_links_existing_contact_and_company(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    company = (
        await client.post(
            "/api/v1/companies",
            json={"name": "Navy Dental Group", "domain": "navydental.example"},
            headers=admin,
        )
    ).json()
    contact = (
        await client.post(
            "/api/v1/contacts",
            json={"first_name": "G", "emails": ["grace.hopper@navydental.example"]},
            headers=admin,
        )
    ).json()
    lead = (await client.post("/api/v1/leads", json=GRACE, headers=admin)).json()
    result = (await client.post(f"/api/v1/leads/{lead['id']}/convert", json={}, headers=admin)).json()
    assert (result["contact_id"], result["contact_created"]) == (contact["id"], False)
    assert (result["company_id"], result["company_created"], result["deal_id"]) == (
        company["id"],
        False,
        None,
    )
    linked = (await client.get(f"/api/v1/contacts/{contact['id']}", headers=admin)).json()
    assert linked["company_id"] == company["id"]

    gmail = (
        await client.post(
            "/api/v1/leads", json={"first_name": "Solo", "email": "solo@gmail.com"}, headers=admin
        )
    ).json()
    solo = (await client.post(f"/api/v1/leads/{gmail['id']}/convert", json={}, headers=admin)).json()
    assert solo["company_id"] is None and solo["contact_created"] is True
    bad_pipeline = await client.post(
        "/api/v1/leads",
        json={"first_name": "P"},
        headers=admin,
    )
    failed = await client.post(
        f"/api/v1/leads/{bad_pipeline.json()['id']}/convert",
        json={"create_deal": True, "pipeline_id": str(uuid.uuid4())},
        headers=admin,
    )
    assert failed.status_code == 404
    untouched = (await client.get(f"/api/v1/leads/{bad_pipeline.json()['id']}", headers=admin)).json()
    assert untouched["status"] == "new"  # nothing half-written
    people = (await client.get("/api/v1/contacts", params={"first_name": "P"}, headers=admin)).json()["items"]
    assert people == []


async def test_roles(client: httpx.AsyncClient, admin: dict[str, str], tenant: Tenant) -> None:
    support = bearer(await token_for(client, tenant.people[Role.support]))
    marketing = bearer(await token_for(client, tenant.people[Role.marketing]))
    assert (await client.get("/api/v1/leads", headers=support)).status_code == 403
    lead = (await client.post("/api/v1/leads", json=GRACE, headers=marketing)).json()
    refused = await client.post(f"/api/v1/leads/{lead['id']}/convert", json={}, headers=marketing)
    assert refused.status_code == 403  # would create a company
    person = (
        await client.post("/api/v1/leads", json={"first_name": "Only a person"}, headers=marketing)
    ).json()
    with_deal = await client.post(
        f"/api/v1/leads/{person['id']}/convert", json={"create_deal": True}, headers=marketing
    )
    assert with_deal.status_code == 403
    plain = await client.post(f"/api/v1/leads/{person['id']}/convert", json={}, headers=marketing)
    assert plain.status_code == 200 and plain.json()["deal_id"] is None
    sales = bearer(await token_for(client, tenant.people[Role.sales]))
    sold = await client.post(f"/api/v1/leads/{lead['id']}/convert", json={"create_deal": True}, headers=sales)
    assert sold.status_code == 200, sold.text
    deal = (await client.get(f"/api/v1/deals/{sold.json()['deal_id']}", headers=sales)).json()
    assert deal["owner_id"] == str(tenant.people[Role.sales].user_id)


async def test_concurrency_trash_erase_and_bulk(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant
) -> None:
    lead = (await client.post("/api/v1/leads", json=GRACE, headers=admin)).json()
    url = f"/api/v1/leads/{lead['id']}"
    assert (
        await client.patch(url, json={"source": "fair"}, headers=admin | {"If-Match": '"1"'})
    ).status_code == 200
    stale = await client.patch(url, json={"source": "ads"}, headers=admin | {"If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await client.delete(url, headers=admin)).status_code == 204
    assert (await client.get(url, headers=admin)).status_code == 404
    assert (await client.post(f"{url}/restore", headers=admin)).status_code == 200
    other = (
        await client.post("/api/v1/leads", json={"first_name": "B", "tags": ["old"]}, headers=admin)
    ).json()
    missing = str(uuid.uuid4())
    result = await client.post(
        "/api/v1/leads/bulk-update",
        headers=admin,
        json={
            "ids": [lead["id"], missing, other["id"]],
            "status": "contacted",
            "add_tags": ["new"],
            "remove_tags": ["old"],
        },
    )
    assert [r["ok"] for r in result.json()["results"]] == [True, False, True]
    lost = await client.post(
        "/api/v1/leads/bulk-update", headers=admin, json={"ids": [other["id"]], "status": "lost"}
    )
    assert lost.json()["results"][0]["ok"] is False
    assert (
        await client.post("/api/v1/leads/bulk-delete", headers=admin, json={"ids": [other["id"], missing]})
    ).json()["results"][1]["ok"] is False

    converted = (await client.post(f"{url}/convert", json={}, headers=admin)).json()
    await set_tenant(db, tenant.id)
    await db.execute(
        text("INSERT INTO activities (kind, subject, lead_id, contact_id) VALUES ('note', 'kept', :l, :c)"),
        {"l": lead["id"], "c": converted["contact_id"]},
    )
    await db.execute(
        text("INSERT INTO activities (kind, subject, lead_id) VALUES ('note', 'lead only', :l)"),
        {"l": lead["id"]},
    )
    assert (await client.delete(f"{url}/erase", headers=admin)).status_code == 204
    left = (await db.execute(text("SELECT subject, lead_id FROM activities ORDER BY subject"))).all()
    assert [(row.subject, row.lead_id) for row in left] == [("kept", None)]
    assert (
        await db.execute(text("SELECT count(*) FROM leads WHERE id = :id"), {"id": lead["id"]})
    ).scalar_one() == 0


async def test_other_tenants_leads_are_invisible(
    client: httpx.AsyncClient, admin: dict[str, str], other_tenant: Tenant
) -> None:
    mine = (await client.post("/api/v1/leads", json=GRACE, headers=admin)).json()
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    assert (await client.get("/api/v1/leads", headers=theirs)).json()["items"] == []
    assert (await client.get("/api/v1/leads", params={"email": GRACE["email"]}, headers=theirs)).json()[
        "items"
    ] == []
    for method, suffix, body in (
        ("GET", "", None),
        ("PATCH", "", {}),
        ("DELETE", "", None),
        ("POST", "/restore", None),
        ("DELETE", "/erase", None),
        ("POST", "/convert", {}),
    ):
        response = await client.request(
            method, f"/api/v1/leads/{mine['id']}{suffix}", headers=theirs, json=body
        )
        assert response.status_code == 404, (method, suffix)


async def test_custom_fields_and_constant_queries(
    client: httpx.AsyncClient, admin: dict[str, str], connection: AsyncConnection
) -> None:
    field = {"object_type": "lead", "key": "budget", "label": "Budget", "field_type": "currency"}
    assert (await client.post("/api/v1/custom-fields", json=field, headers=admin)).status_code == 201
    counts = []
    for batch in (2, 10):
        for index in range(batch):
            await client.post(
                "/api/v1/leads",
                json={
                    "first_name": f"Q{batch}-{index}",
                    "email": f"q{batch}{index}@x.example",
                    "custom_fields": {"budget": index * 100},
                },
                headers=admin,
            )
        with recorded_statements(connection) as statements:
            page = await client.get("/api/v1/leads", params={"limit": "50", "count": "false"}, headers=admin)
        assert page.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    rich = (
        await client.get(
            "/api/v1/leads", params={"cf.budget__gte": "800", "sort": "-cf.budget"}, headers=admin
        )
    ).json()
    assert [item["first_name"] for item in rich["items"]] == ["Q10-9", "Q10-8"]
