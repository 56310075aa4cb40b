"""The shared request path: the transaction opens scoped to the caller with the session check in
the same round trip; custom-field definitions parsed once stay right after a change; values read
through the driver see what the session has not flushed yet."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.core.security.crypto import OrgCipher
from crm.customfield import values as custom_values
from crm.models import Contact, CustomFieldDefinition, CustomFieldValue, Role
from tests.fixtures.people import Tenant, bearer, token_for


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


async def test_a_session_ended_only_in_the_database_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession
) -> None:
    """The cache never heard of it (another process, or a restarted cache): the check made as the
    transaction opens, under the caller's RLS scope, still refuses the token."""
    token = await token_for(client, tenant.people[Role.sales])
    assert (await client.get("/api/v1/contacts", headers=bearer(token))).status_code == 200
    await set_tenant(db, tenant.id)
    ended = await db.execute(
        text("UPDATE auth_sessions SET revoked_at = now() WHERE revoked_at IS NULL RETURNING id")
    )
    assert ended.first() is not None
    refused = await client.get("/api/v1/contacts", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_token"
    assert refused.headers["www-authenticate"] == "Bearer"


async def test_requests_see_only_their_own_tenant_after_the_scoped_open(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    """Pooled connections serve both tenants in turn; each transaction is scoped afresh."""
    mine = bearer(await token_for(client, tenant.people[Role.admin]))
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    created = await client.post(
        "/api/v1/contacts", json={"first_name": "Only", "last_name": "Mine"}, headers=mine
    )
    assert created.status_code == 201
    for _ in range(3):
        assert [c["id"] for c in (await client.get("/api/v1/contacts", headers=mine)).json()["items"]] == [
            created.json()["id"]
        ]
        assert (await client.get("/api/v1/contacts", headers=theirs)).json()["items"] == []
        assert (
            await client.get(f"/api/v1/contacts/{created.json()['id']}", headers=theirs)
        ).status_code == 404


async def test_changed_definitions_are_used_at_once(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    """Definitions are kept parsed between requests, but an edit or a new field is seen by the
    very next request."""
    field = {"object_type": "contact", "key": "insurer", "label": "Insurer", "field_type": "select"}
    created = await client.post("/api/v1/custom-fields", json=field | {"options": ["AXA"]}, headers=admin)
    assert created.status_code == 201, created.text
    body = {"first_name": "Cf", "custom_fields": {"insurer": "Bupa"}}
    assert (await client.post("/api/v1/contacts", json=body, headers=admin)).status_code == 400
    widened = await client.patch(
        f"/api/v1/custom-fields/{created.json()['id']}", json={"options": ["AXA", "Bupa"]}, headers=admin
    )
    assert widened.status_code == 200, widened.text
    contact = await client.post("/api/v1/contacts", json=body, headers=admin)
    assert contact.status_code == 201, contact.text
    assert contact.json()["custom_fields"] == {"insurer": "Bupa"}
    visits = {"object_type": "contact", "key": "visits", "label": "Visits", "field_type": "number"}
    assert (await client.post("/api/v1/custom-fields", json=visits, headers=admin)).status_code == 201
    listed = await client.get("/api/v1/contacts", params={"cf.visits__empty": "true"}, headers=admin)
    assert listed.status_code == 200, listed.text
    assert [c["id"] for c in listed.json()["items"]] == [contact.json()["id"]]


async def test_values_read_sees_what_the_session_has_not_flushed(db: AsyncSession, tenant: Tenant) -> None:
    await set_tenant(db, tenant.id)
    definition = CustomFieldDefinition(object_type="contact", key="beds", label="Beds", field_type="number")
    contact = Contact(id=uuid.uuid4(), first_name="Un", last_name="Flushed", tags=[])
    db.add_all([definition, contact])
    await db.flush()
    db.add(CustomFieldValue(field_id=definition.id, record_id=contact.id, value_number=12))
    cipher: OrgCipher = None  # type: ignore[assignment]  # no PII field: nothing to decrypt
    found = await custom_values.read(db, cipher, {"beds": definition}, [contact.id, uuid.uuid4()])
    assert found[contact.id] == {"beds": 12}
