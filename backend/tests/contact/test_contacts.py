"""Contacts through the API: encryption at rest, blind-index search, dedupe, filters, keyset pages,
optimistic concurrency, soft delete, GDPR erase, bulk edits, scopes and tenant isolation."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm.core.db import set_tenant
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for

ADA = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "job_title": "Head of Cardiology",
    "emails": ["Ada.Lovelace@Example.org"],
    "phones": ["+44 20 7946 0018"],
    "date_of_birth": "1815-12-10",
    "address": {"street": "12 St James's Square", "city": "London", "country": "UK"},
    "tags": ["vip", "cardio"],
    "consent_email": True,
}


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


async def test_create_get_and_pii_is_encrypted_at_rest(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant
) -> None:
    created = await client.post("/api/v1/contacts", json=ADA, headers=admin)
    assert created.status_code == 201, created.text
    contact = created.json()
    assert contact["emails"] == ["Ada.Lovelace@Example.org"] and contact["address"]["city"] == "London"
    fetched = await client.get(f"/api/v1/contacts/{contact['id']}", headers=admin)
    assert fetched.json() == contact and fetched.headers["etag"] == '"1"'

    await set_tenant(db, tenant.id)
    raw = (
        await db.execute(
            text("SELECT emails, phones, date_of_birth, address, first_name FROM contacts WHERE id = :id"),
            {"id": contact["id"]},
        )
    ).one()
    stored = b"".join(bytes(value) for value in raw[:4])
    for secret in (b"Lovelace@", b"7946", b"1815", b"James"):
        assert secret not in stored
    assert raw.first_name == "Ada"  # names stay searchable
    audit = (
        await db.execute(
            text("SELECT changes::text, redacted_fields FROM audit_events WHERE entity_id = :id"),
            {"id": contact["id"]},
        )
    ).one()
    assert "Lovelace" not in audit[0] and "7946" not in audit[0]
    assert {"emails", "phones", "date_of_birth", "address", "last_name"} <= set(audit[1])


async def test_exact_search_and_duplicates_by_blind_index(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    first = (await client.post("/api/v1/contacts", json=ADA, headers=admin)).json()
    found = await client.get(
        "/api/v1/contacts", params={"email": "  ada.lovelace@example.ORG "}, headers=admin
    )
    assert [c["id"] for c in found.json()["items"]] == [first["id"]]
    assert (await client.get("/api/v1/contacts", params={"phone": "+442079460018"}, headers=admin)).json()[
        "items"
    ]

    duplicate = await client.post(
        "/api/v1/contacts", json={"first_name": "A", "emails": ["ADA.LOVELACE@example.org"]}, headers=admin
    )
    assert duplicate.status_code == 409 and duplicate.json()["error"] == "duplicate"
    assert first["id"] in duplicate.json()["detail"]
    allowed = await client.post(
        "/api/v1/contacts?allow_duplicate=true",
        json={"first_name": "A", "emails": ["ada.lovelace@example.org"]},
        headers=admin,
    )
    assert allowed.status_code == 201


async def test_filters_sort_search_and_keyset_pages(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    names = ["Zoe", "Yann", "Xavier", "Wanda", "Victor", "Uma", "Tom"]
    for index, name in enumerate(names):
        body = {
            "first_name": name,
            "last_name": f"Patient{index}",
            "lifecycle_stage": "patient" if index % 2 else "lead",
            "job_title": "Nurse" if index < 3 else "Surgeon",
            "tags": ["even"] if index % 2 == 0 else [],
        }
        assert (await client.post("/api/v1/contacts", json=body, headers=admin)).status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "3", "sort": "name"} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/contacts", params=params, headers=admin)).json()
        seen += [c["last_name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen) and len(seen) == 7
    first = (await client.get("/api/v1/contacts", params={"limit": "3"}, headers=admin)).json()
    assert first["total"] == {"value": 7, "exact": True}

    patients = (
        await client.get("/api/v1/contacts", params={"lifecycle_stage": "patient"}, headers=admin)
    ).json()
    assert {c["lifecycle_stage"] for c in patients["items"]} == {"patient"} and len(patients["items"]) == 3
    surgeons = (await client.get("/api/v1/contacts", params={"q": "surgeon"}, headers=admin)).json()
    assert len(surgeons["items"]) == 4
    tagged = (await client.get("/api/v1/contacts", params={"tags__contains": "even"}, headers=admin)).json()
    assert len(tagged["items"]) == 4
    several = (
        await client.get("/api/v1/contacts", params={"first_name__in": "Zoe,Tom"}, headers=admin)
    ).json()
    assert {c["first_name"] for c in several["items"]} == {"Zoe", "Tom"}
    for bad in (
        {"lifecycle_stage": "alien"},
        {"nope": "1"},
        {"created_at__gte": "yesterday"},
        {"sort": "emails"},
        {"email__contains": "x"},
        {"cursor": "garbage"},
    ):
        response = await client.get("/api/v1/contacts", params=bad, headers=admin)
        assert response.status_code == 400, bad
        assert response.json()["error"] in {"invalid_filter", "invalid_cursor"}


async def test_custom_fields_filter_and_sort(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for field in (
        {"object_type": "contact", "key": "visits", "label": "Visits", "field_type": "number"},
        {
            "object_type": "contact",
            "key": "insurer",
            "label": "Insurer",
            "field_type": "select",
            "options": ["AXA", "Bupa"],
        },
        {
            "object_type": "contact",
            "key": "nhs_number",
            "label": "NHS number",
            "field_type": "text",
            "is_pii": True,
        },
    ):
        assert (await client.post("/api/v1/custom-fields", json=field, headers=admin)).status_code == 201
    for visits, insurer, nhs in ((3, "AXA", "943 476 5919"), (12, "Bupa", "943 476 5870"), (7, "AXA", None)):
        body = {
            "first_name": f"V{visits}",
            "custom_fields": {"visits": visits, "insurer": insurer} | ({"nhs_number": nhs} if nhs else {}),
        }
        assert (await client.post("/api/v1/contacts", json=body, headers=admin)).status_code == 201
    by_visits = (await client.get("/api/v1/contacts", params={"sort": "-cf.visits"}, headers=admin)).json()[
        "items"
    ]
    assert [c["custom_fields"]["visits"] for c in by_visits] == ["12.000000", "7.000000", "3.000000"] or [
        float(c["custom_fields"]["visits"]) for c in by_visits
    ] == [12, 7, 3]
    axa = (
        await client.get(
            "/api/v1/contacts", params={"cf.insurer": "AXA", "cf.visits__gte": "5"}, headers=admin
        )
    ).json()["items"]
    assert [c["first_name"] for c in axa] == ["V7"]
    nhs = (
        await client.get("/api/v1/contacts", params={"cf.nhs_number": "943 476 5870"}, headers=admin)
    ).json()
    assert [c["first_name"] for c in nhs["items"]] == ["V12"]
    assert nhs["items"][0]["custom_fields"]["nhs_number"] == "943 476 5870"
    empty = (
        await client.get("/api/v1/contacts", params={"cf.nhs_number__empty": "true"}, headers=admin)
    ).json()
    assert [c["first_name"] for c in empty["items"]] == ["V7"]
    refused = await client.get("/api/v1/contacts", params={"cf.nhs_number__contains": "943"}, headers=admin)
    assert refused.status_code == 400
    invalid = await client.post(
        "/api/v1/contacts", json={"custom_fields": {"insurer": "Aviva"}}, headers=admin
    )
    assert invalid.status_code == 400 and invalid.json()["error"] == "invalid_custom_field"


async def test_custom_field_filter_and_sort_on_the_same_field_pages_through_every_match(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    """The filter on the sorted field is applied to the joined value row (one index range): the
    pages must still hold exactly the matches, in order, ties broken by id, none twice."""
    field = {"object_type": "contact", "key": "score", "label": "Score", "field_type": "number"}
    assert (await client.post("/api/v1/custom-fields", json=field, headers=admin)).status_code == 201
    scores = [5, 40, 40, 40, 12, 99, 3, 40, 70]
    for index, score in enumerate(scores):
        body = {"first_name": f"S{index}", "custom_fields": {"score": score}}
        assert (await client.post("/api/v1/contacts", json=body, headers=admin)).status_code == 201
    assert (
        await client.post("/api/v1/contacts", json={"first_name": "none"}, headers=admin)
    ).status_code == 201
    seen: list[tuple[float, str]] = []
    cursor = None
    totals = []
    while True:
        params = {"limit": "2", "sort": "-cf.score", "cf.score__gte": "12"} | (
            {"cursor": cursor} if cursor else {}
        )
        response = await client.get("/api/v1/contacts", params=params, headers=admin)
        assert response.status_code == 200, response.text
        page = response.json()
        totals.append(page["total"])
        seen += [(float(c["custom_fields"]["score"]), c["id"]) for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert totals[0] == {"value": 7, "exact": True} and totals[1:] == [None] * (len(totals) - 1)
    assert [score for score, _ in seen] == [99, 70, 40, 40, 40, 40, 12]
    assert seen == sorted(seen, key=lambda pair: (-pair[0], uuid.UUID(pair[1]).int * -1))
    assert len({contact_id for _, contact_id in seen}) == 7
    between = (
        await client.get(
            "/api/v1/contacts",
            params={"sort": "cf.score", "cf.score__gt": "3", "cf.score__lt": "70"},
            headers=admin,
        )
    ).json()
    assert [float(c["custom_fields"]["score"]) for c in between["items"]] == [5, 12, 40, 40, 40, 40]


async def test_optimistic_concurrency(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    contact = (await client.post("/api/v1/contacts", json={"first_name": "Opt"}, headers=admin)).json()
    ok = await client.patch(
        f"/api/v1/contacts/{contact['id']}", json={"job_title": "GP"}, headers=admin | {"If-Match": '"1"'}
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = await client.patch(
        f"/api/v1/contacts/{contact['id']}",
        json={"job_title": "Dentist"},
        headers=admin | {"If-Match": '"1"'},
    )
    assert stale.status_code == 412 and stale.json()["error"] == "version_conflict"
    assert (await client.get(f"/api/v1/contacts/{contact['id']}", headers=admin)).json()["job_title"] == "GP"
    wrong_type = await client.patch(
        f"/api/v1/contacts/{contact['id']}", json={"consent_sms": "maybe"}, headers=admin
    )
    assert wrong_type.status_code == 422


async def test_soft_delete_restore_and_erase(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant
) -> None:
    contact = (await client.post("/api/v1/contacts", json=ADA, headers=admin)).json()
    url = f"/api/v1/contacts/{contact['id']}"
    assert (await client.delete(url, headers=admin)).status_code == 204
    assert (await client.get(url, headers=admin)).status_code == 404
    assert (await client.post(f"{url}/restore", headers=admin)).status_code == 200
    assert (await client.delete(f"{url}/erase", headers=admin)).status_code == 204
    await set_tenant(db, tenant.id)
    leftovers = (
        await db.execute(
            text(
                "SELECT (SELECT count(*) FROM contacts WHERE id = :id) + (SELECT count(*) FROM contact_identifiers"
                " WHERE contact_id = :id)"
            ),
            {"id": contact["id"]},
        )
    ).scalar_one()
    assert leftovers == 0
    actions = (
        (
            await db.execute(
                text("SELECT action FROM audit_events WHERE entity_id = :id ORDER BY seq"),
                {"id": contact["id"]},
            )
        )
        .scalars()
        .all()
    )
    assert actions[-1] == "contact.erase"


async def test_bulk_results_per_row(client: httpx.AsyncClient, admin: dict[str, str], tenant: Tenant) -> None:
    a = (await client.post("/api/v1/contacts", json={"first_name": "A"}, headers=admin)).json()
    b = (
        await client.post("/api/v1/contacts", json={"first_name": "B", "tags": ["old"]}, headers=admin)
    ).json()
    missing = str(uuid.uuid4())
    result = await client.post(
        "/api/v1/contacts/bulk-update",
        headers=admin,
        json={
            "ids": [a["id"], missing, b["id"]],
            "add_tags": ["new"],
            "remove_tags": ["old"],
            "owner_id": str(tenant.people[Role.sales].user_id),
        },
    )
    assert [r["ok"] for r in result.json()["results"]] == [True, False, True]
    assert (await client.get(f"/api/v1/contacts/{b['id']}", headers=admin)).json()["tags"] == ["new"]
    deleted = await client.post(
        "/api/v1/contacts/bulk-delete", headers=admin, json={"ids": [a["id"], missing]}
    )
    assert [r["ok"] for r in deleted.json()["results"]] == [True, False]


async def test_other_tenants_contacts_are_invisible(
    client: httpx.AsyncClient, admin: dict[str, str], other_tenant: Tenant
) -> None:
    mine = (await client.post("/api/v1/contacts", json=ADA, headers=admin)).json()
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    assert (await client.get("/api/v1/contacts", headers=theirs)).json()["items"] == []
    for method, suffix in (
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/restore"),
        ("DELETE", "/erase"),
    ):
        response = await client.request(
            method,
            f"/api/v1/contacts/{mine['id']}{suffix}",
            headers=theirs,
            json={} if method == "PATCH" else None,
        )
        assert response.status_code == 404, (method, suffix)
    # Same e-mail in another tenant: no duplicate there (blind indexes are per organisation).
    assert (await client.post("/api/v1/contacts", json=ADA, headers=theirs)).status_code == 201
    assert (await client.get("/api/v1/contacts", params={"email": ADA["emails"][0]}, headers=theirs)).json()[
        "items"
    ]


async def test_support_cannot_delete_and_marketing_cannot_touch_deals_amounts(
    client: httpx.AsyncClient, tenant: Tenant, admin: dict[str, str]
) -> None:
    contact = (await client.post("/api/v1/contacts", json={"first_name": "S"}, headers=admin)).json()
    support = bearer(await token_for(client, tenant.people[Role.support]))
    assert (await client.get(f"/api/v1/contacts/{contact['id']}", headers=support)).status_code == 200
    assert (await client.delete(f"/api/v1/contacts/{contact['id']}", headers=support)).status_code == 403


async def test_list_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient, admin: dict[str, str], connection: AsyncConnection
) -> None:
    counts = []
    for batch in (2, 10):
        for index in range(batch):
            await client.post(
                "/api/v1/contacts",
                json={"first_name": f"Q{batch}-{index}", "emails": [f"q{batch}{index}@x.example"]},
                headers=admin,
            )
        statements: list[str] = []

        def count(
            conn: object, cursor: object, statement: str, *args: object, sink: list[str] = statements
        ) -> None:
            sink.append(statement)

        event.listen(connection.sync_connection, "before_cursor_execute", count)  # type: ignore[arg-type]
        try:
            page = await client.get(
                "/api/v1/contacts", params={"limit": "50", "count": "false"}, headers=admin
            )
        finally:
            event.remove(connection.sync_connection, "before_cursor_execute", count)  # type: ignore[arg-type]
        assert page.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
