"""Companies through the API: CRUD, the denormalised name on contacts, filters, keyset pages, custom
fields, optimistic concurrency, soft delete, hard delete, bulk edits, roles and tenant isolation."""

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

ACME = {
    "name": "Harley Street Clinic",
    "domain": "https://www.Harley-Street.example/about",
    "industry": "Healthcare",
    "employee_count": 120,
    "annual_revenue": "12500000.00",
    "currency": "GBP",
    "address": {"street": "35 Weymouth St", "city": "London", "country": "UK"},
    "tags": ["private", "cardio"],
}


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


async def test_create_get_and_audit(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant
) -> None:
    created = await client.post("/api/v1/companies", json=ACME, headers=admin)
    assert created.status_code == 201, created.text
    company = created.json()
    assert company["domain"] == "harley-street.example" and company["address"]["city"] == "London"
    assert company["tags"] == ["cardio", "private"] and company["version"] == 1
    assert company["owner_id"] == str(tenant.people[Role.admin].user_id)
    fetched = await client.get(f"/api/v1/companies/{company['id']}", headers=admin)
    assert fetched.json() == company and fetched.headers["etag"] == '"1"'

    await set_tenant(db, tenant.id)
    audit = (
        await db.execute(
            text("SELECT action, changes FROM audit_events WHERE entity_id = :id"), {"id": company["id"]}
        )
    ).one()
    assert audit.action == "company.create" and audit.changes["name"]["after"] == "Harley Street Clinic"


async def test_rename_updates_contacts_company_name(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant
) -> None:
    company = (await client.post("/api/v1/companies", json={"name": "Old Name Clinic"}, headers=admin)).json()
    contact = (
        await client.post(
            "/api/v1/contacts", json={"first_name": "Ann", "company_id": company["id"]}, headers=admin
        )
    ).json()
    assert contact["company_name"] == "Old Name Clinic"
    renamed = await client.patch(
        f"/api/v1/companies/{company['id']}", json={"name": "Bright Smile Dental"}, headers=admin
    )
    assert renamed.status_code == 200 and renamed.json()["version"] == 2
    after = (await client.get(f"/api/v1/contacts/{contact['id']}", headers=admin)).json()
    assert after["company_name"] == "Bright Smile Dental"
    found = (await client.get("/api/v1/contacts", params={"q": "bright"}, headers=admin)).json()["items"]
    assert [c["id"] for c in found] == [contact["id"]]
    await set_tenant(db, tenant.id)
    change = (
        await db.execute(
            text("SELECT changes FROM audit_events WHERE entity_id = :id AND action = 'company.update'"),
            {"id": company["id"]},
        )
    ).scalar_one()
    assert change["name"] == {"before": "Old Name Clinic", "after": "Bright Smile Dental"}


async def test_filters_sort_search_and_keyset_pages(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for index in range(7):
        body = {
            "name": f"Clinic {chr(ord('G') - index)}",
            "industry": "Dental" if index % 2 else "Cosmetic surgery",
            "employee_count": index * 10,
            "annual_revenue": str(1000 * index) if index != 3 else None,
            "tags": ["even"] if index % 2 == 0 else [],
        }
        assert (await client.post("/api/v1/companies", json=body, headers=admin)).status_code == 201
    for sort in ("name", "-annual_revenue", "employee_count", "-updated_at"):
        seen: list[dict[str, object]] = []
        cursor = None
        while True:
            params = {"limit": "3", "sort": sort} | ({"cursor": cursor} if cursor else {})
            page = (await client.get("/api/v1/companies", params=params, headers=admin)).json()
            seen += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert len({c["id"] for c in seen}) == 7, sort
        if sort == "name":
            assert [c["name"] for c in seen] == sorted(c["name"] for c in seen)
        if sort == "-annual_revenue":
            revenues = [c["annual_revenue"] for c in seen]
            assert revenues[0] is None and [float(r) for r in revenues[1:]] == [
                6000,
                5000,
                4000,
                2000,
                1000,
                0,
            ]
    first = (await client.get("/api/v1/companies", params={"limit": "3"}, headers=admin)).json()
    assert first["total"] == {"value": 7, "exact": True}
    dental = (await client.get("/api/v1/companies", params={"q": "dental"}, headers=admin)).json()
    assert len(dental["items"]) == 3
    big = (
        await client.get(
            "/api/v1/companies", params={"employee_count__gte": "30", "tags__contains": "even"}, headers=admin
        )
    ).json()
    assert sorted(c["employee_count"] for c in big["items"]) == [40, 60]
    for bad in ({"employee_count": "many"}, {"nope": "1"}, {"sort": "address"}, {"cursor": "garbage"}):
        response = await client.get("/api/v1/companies", params=bad, headers=admin)
        assert response.status_code == 400, bad


async def test_custom_fields_filter_and_sort(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for field in (
        {"object_type": "company", "key": "beds", "label": "Beds", "field_type": "number"},
        {
            "object_type": "company",
            "key": "tier",
            "label": "Tier",
            "field_type": "select",
            "options": ["A", "B"],
        },
    ):
        assert (await client.post("/api/v1/custom-fields", json=field, headers=admin)).status_code == 201
    for beds, tier in ((40, "A"), (10, "B"), (25, "A")):
        body = {"name": f"Beds {beds}", "custom_fields": {"beds": beds, "tier": tier}}
        assert (await client.post("/api/v1/companies", json=body, headers=admin)).status_code == 201
    by_beds = (await client.get("/api/v1/companies", params={"sort": "-cf.beds"}, headers=admin)).json()[
        "items"
    ]
    assert [float(c["custom_fields"]["beds"]) for c in by_beds] == [40, 25, 10]
    cursor_page = (
        await client.get("/api/v1/companies", params={"sort": "cf.beds", "limit": "2"}, headers=admin)
    ).json()
    rest = (
        await client.get(
            "/api/v1/companies",
            params={"sort": "cf.beds", "limit": "2", "cursor": cursor_page["next_cursor"]},
            headers=admin,
        )
    ).json()
    assert [c["name"] for c in cursor_page["items"] + rest["items"]] == ["Beds 10", "Beds 25", "Beds 40"]
    tier_a = (
        await client.get("/api/v1/companies", params={"cf.tier": "A", "cf.beds__lt": "30"}, headers=admin)
    ).json()["items"]
    assert [c["name"] for c in tier_a] == ["Beds 25"]
    invalid = await client.post(
        "/api/v1/companies", json={"name": "X", "custom_fields": {"tier": "Z"}}, headers=admin
    )
    assert invalid.status_code == 400 and invalid.json()["error"] == "invalid_custom_field"


async def test_optimistic_concurrency_and_bad_input(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    company = (await client.post("/api/v1/companies", json={"name": "Opt"}, headers=admin)).json()
    url = f"/api/v1/companies/{company['id']}"
    ok = await client.patch(url, json={"industry": "Physio"}, headers=admin | {"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = await client.patch(url, json={"industry": "Optics"}, headers=admin | {"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["error"] == "version_conflict"
    stale_body = await client.patch(url, json={"industry": "Optics", "version": 1}, headers=admin)
    assert stale_body.status_code == 412
    assert (await client.get(url, headers=admin)).json()["industry"] == "Physio"
    assert (await client.patch(url, json={"employee_count": "lots"}, headers=admin)).status_code == 422
    assert (await client.patch(url, json={"colour": "red"}, headers=admin)).status_code == 422
    assert (await client.post("/api/v1/companies", json={}, headers=admin)).status_code == 422
    bad_domain = await client.patch(url, json={"domain": "not a domain"}, headers=admin)
    assert bad_domain.status_code == 400 and bad_domain.json()["error"] == "invalid_domain"
    bad_owner = await client.patch(url, json={"owner_id": str(uuid.uuid4())}, headers=admin)
    assert bad_owner.status_code == 400 and bad_owner.json()["error"] == "invalid_owner"


async def test_soft_delete_restore_and_erase(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant
) -> None:
    company = (await client.post("/api/v1/companies", json=ACME, headers=admin)).json()
    contact = (
        await client.post(
            "/api/v1/contacts", json={"first_name": "Eve", "company_id": company["id"]}, headers=admin
        )
    ).json()
    url = f"/api/v1/companies/{company['id']}"
    assert (await client.delete(url, headers=admin)).status_code == 204
    assert (await client.get(url, headers=admin)).status_code == 404
    listed = (await client.get("/api/v1/companies", params={"include_deleted": "true"}, headers=admin)).json()
    assert [c["id"] for c in listed["items"]] == [company["id"]] and listed["items"][0]["deleted_at"]
    restored = await client.post(f"{url}/restore", headers=admin)
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    assert (await client.post(f"{url}/restore", headers=admin)).status_code == 409
    assert (await client.delete(f"{url}/erase", headers=admin)).status_code == 204
    assert (await client.get(url, headers=admin)).status_code == 404
    orphan = (await client.get(f"/api/v1/contacts/{contact['id']}", headers=admin)).json()
    assert orphan["company_id"] is None and orphan["company_name"] is None
    await set_tenant(db, tenant.id)
    actions = (
        (
            await db.execute(
                text("SELECT action FROM audit_events WHERE entity_id = :id ORDER BY seq"),
                {"id": company["id"]},
            )
        )
        .scalars()
        .all()
    )
    assert actions == ["company.create", "company.delete", "company.restore", "company.erase"]


async def test_bulk_results_per_row(client: httpx.AsyncClient, admin: dict[str, str], tenant: Tenant) -> None:
    a = (await client.post("/api/v1/companies", json={"name": "A"}, headers=admin)).json()
    b = (await client.post("/api/v1/companies", json={"name": "B", "tags": ["old"]}, headers=admin)).json()
    missing = str(uuid.uuid4())
    result = await client.post(
        "/api/v1/companies/bulk-update",
        headers=admin,
        json={
            "ids": [a["id"], missing, b["id"]],
            "add_tags": ["new"],
            "remove_tags": ["old"],
            "owner_id": str(tenant.people[Role.sales].user_id),
        },
    )
    assert [r["ok"] for r in result.json()["results"]] == [True, False, True]
    assert result.json()["results"][1]["error"] == "no such company"
    after = (await client.get(f"/api/v1/companies/{b['id']}", headers=admin)).json()
    assert after["tags"] == ["new"] and after["owner_id"] == str(tenant.people[Role.sales].user_id)
    bad_owner = await client.post(
        "/api/v1/companies/bulk-update", headers=admin, json={"ids": [a["id"]], "owner_id": missing}
    )
    assert bad_owner.json()["results"][0]["ok"] is False
    deleted = await client.post(
        "/api/v1/companies/bulk-delete", headers=admin, json={"ids": [a["id"], missing]}
    )
    assert [r["ok"] for r in deleted.json()["results"]] == [True, False]


async def test_other_tenants_companies_are_invisible(
    client: httpx.AsyncClient, admin: dict[str, str], other_tenant: Tenant
) -> None:
    mine = (await client.post("/api/v1/companies", json=ACME, headers=admin)).json()
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    assert (await client.get("/api/v1/companies", headers=theirs)).json()["items"] == []
    for method, suffix in (
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/restore"),
        ("DELETE", "/erase"),
    ):
        response = await client.request(
            method,
            f"/api/v1/companies/{mine['id']}{suffix}",
            headers=theirs,
            json={} if method == "PATCH" else None,
        )
        assert response.status_code == 404, (method, suffix)
    bulk = await client.post("/api/v1/companies/bulk-delete", headers=theirs, json={"ids": [mine["id"]]})
    assert bulk.json()["results"][0]["ok"] is False
    # A contact in the other tenant cannot be linked to my company either.
    linked = await client.post(
        "/api/v1/contacts", json={"first_name": "X", "company_id": mine["id"]}, headers=theirs
    )
    assert linked.status_code == 404


async def test_roles(client: httpx.AsyncClient, tenant: Tenant, admin: dict[str, str]) -> None:
    company = (await client.post("/api/v1/companies", json={"name": "R"}, headers=admin)).json()
    url = f"/api/v1/companies/{company['id']}"
    support = bearer(await token_for(client, tenant.people[Role.support]))
    marketing = bearer(await token_for(client, tenant.people[Role.marketing]))
    sales = bearer(await token_for(client, tenant.people[Role.sales]))
    for reader in (support, marketing):
        assert (await client.get(url, headers=reader)).status_code == 200
        assert (await client.patch(url, json={"industry": "x"}, headers=reader)).status_code == 403
        assert (await client.post("/api/v1/companies", json={"name": "N"}, headers=reader)).status_code == 403
        assert (await client.delete(url, headers=reader)).status_code == 403
    assert (await client.patch(url, json={"industry": "Sales edit"}, headers=sales)).status_code == 200
    assert (await client.post("/api/v1/companies", json={"name": "S"}, headers=sales)).status_code == 201


async def test_list_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient, admin: dict[str, str], connection: AsyncConnection
) -> None:
    field = {"object_type": "company", "key": "size", "label": "Size", "field_type": "number"}
    assert (await client.post("/api/v1/custom-fields", json=field, headers=admin)).status_code == 201
    counts = []
    for batch in (2, 10):
        for index in range(batch):
            await client.post(
                "/api/v1/companies",
                json={"name": f"Q{batch}-{index}", "custom_fields": {"size": index}},
                headers=admin,
            )
        with recorded_statements(connection) as statements:
            page = await client.get(
                "/api/v1/companies", params={"limit": "50", "count": "false"}, headers=admin
            )
        assert page.status_code == 200 and len(page.json()["items"]) >= batch
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
