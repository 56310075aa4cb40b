"""A NUL character, which PostgreSQL text cannot hold, anywhere a client can put text: a clear 400
and nothing written, never a 500, and the connection serves the next request."""

from __future__ import annotations

import httpx
import pytest

from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for

LISTS = ("contacts", "companies", "deals", "leads", "activities")


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    headers = bearer(await token_for(client, tenant.people[Role.admin]))
    field = {"object_type": "contact", "key": "insurer", "label": "Insurer", "field_type": "text"}
    assert (await client.post("/api/v1/custom-fields", json=field, headers=headers)).status_code == 201
    return headers


@pytest.mark.parametrize("path", LISTS)
async def test_in_a_list_filter_or_search(
    client: httpx.AsyncClient, admin: dict[str, str], path: str
) -> None:
    named = await client.get(f"/api/v1/{path}", params={"tags__contains": "vip\x00"}, headers=admin)
    assert named.status_code == 400 and named.json()["error"] == "invalid_filter"
    assert "tags" in named.json()["detail"]
    searched = await client.get(f"/api/v1/{path}", params={"q": "ada\x00"}, headers=admin)
    assert searched.status_code == 400, searched.text
    assert searched.json()["error"] == "invalid_value" and "NUL" in searched.json()["detail"]
    assert (await client.get(f"/api/v1/{path}", headers=admin)).status_code == 200


async def test_in_a_custom_field_filter(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await client.get("/api/v1/contacts", params={"cf.insurer": "AXA\x00"}, headers=admin)
    assert response.status_code == 400 and "insurer" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"first_name": "Ada\x00"},
        {"first_name": "Ada", "job_title": "\x00"},
        {"first_name": "Ada", "tags": ["vip\x00"]},
        {"first_name": "Ada", "custom_fields": {"insurer": "AXA\x00"}},
    ],
)
async def test_in_a_written_record(
    client: httpx.AsyncClient, admin: dict[str, str], body: dict[str, object]
) -> None:
    before = (await client.get("/api/v1/contacts", params={"count": "true"}, headers=admin)).json()["total"]
    response = await client.post("/api/v1/contacts", json=body, headers=admin)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_value"
    after = (await client.get("/api/v1/contacts", params={"count": "true"}, headers=admin)).json()["total"]
    assert after == before
