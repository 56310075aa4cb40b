"""Next-best actions and e-mail drafts through the real AI service: reasons from the record's facts,
merge fields from the records, the template fallback without an LLM (said so), RBAC, flags,
tenancy and audit."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai.client import AIClient
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.models import Role
from tests.ai import factories
from tests.ai.conftest import audit_events, switch_off
from tests.fixtures.people import Tenant, bearer, token_for


async def test_next_best_actions_for_a_slipping_quiet_deal(
    client: httpx.AsyncClient,
    db: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    other_tenant: Tenant,
    ai: AIClient,
) -> None:
    stages = await factories.pipeline(db, tenant.id)
    overdue = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=20)
    deal = await factories.deal(
        db,
        tenant.id,
        stages,
        name="Quiet one",
        amount=80_000,
        close=overdue,
        owner_id=tenant.people[Role.admin].user_id,
    )
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    response = await client.get(f"/api/v1/deals/{deal.id}/next-best-actions", headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["record_type"] == "deal" and body["version"] and body["actions"]
    top = body["actions"][0]
    assert top["reason"] and top["signals"]
    assert body["actions"] == sorted(body["actions"], key=lambda a: -a["priority"])
    assert any(a["signals"].get("days_to_close") == -20 for a in body["actions"]) or any(
        a["signals"].get("days_since_last_activity") is None for a in body["actions"]
    )

    person = await factories.contact(db, tenant.id)
    contact = await client.get(f"/api/v1/contacts/{person.id}/next-best-actions", headers=admin)
    assert contact.status_code == 200 and contact.json()["record_type"] == "contact"

    events = await audit_events(db, tenant.id, "ai.next_best_actions")
    assert len(events) == 2 and events[0]["actor_type"] == "ai" and events[0]["meta"]["version"]

    # A sales rep does not see the admin's deal; another organisation sees neither.
    rep = bearer(await token_for(client, tenant.people[Role.sales]))
    assert (await client.get(f"/api/v1/deals/{deal.id}/next-best-actions", headers=rep)).status_code == 404
    other = bearer(await token_for(client, other_tenant.people[Role.admin]))
    assert (await client.get(f"/api/v1/deals/{deal.id}/next-best-actions", headers=other)).status_code == 404
    assert (
        await client.get(f"/api/v1/contacts/{person.id}/next-best-actions", headers=other)
    ).status_code == 404

    await set_tenant(db, tenant.id)  # the requests above left the shared connection on the other tenant
    await switch_off(db, runtime, tenant, "ai.personalization")
    assert (await client.get(f"/api/v1/deals/{deal.id}/next-best-actions", headers=admin)).status_code == 403


async def test_email_draft_from_a_template_with_merge_fields(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, other_tenant: Tenant, ai: AIClient
) -> None:
    clinic = await factories.company(db, tenant.id, "Clinica Sol", "Healthcare", 40)
    person = await factories.contact(db, tenant.id, company_id=clinic.id)
    token = bearer(await token_for(client, tenant.people[Role.sales]))
    templates = await client.get("/api/v1/ai/email-templates", headers=token)
    assert templates.status_code == 200
    assert any(t["id"] == "follow_up" and "contact.first_name" in t["fields"] for t in templates.json())

    draft = await client.post(
        "/api/v1/ai/email-drafts",
        json={
            "template": "follow_up",
            "contact_id": str(person.id),
            "next_step": "I will call you on Friday.",
        },
        headers=token,
    )
    assert draft.status_code == 200, draft.text
    body = draft.json()
    # No LLM on this server: the deterministic template, and the answer says so.
    assert body["generator"] == "template" and body["llm_error"]
    assert (
        "Hi Ana," in body["body"]
        and "Clinica Sol" in body["body"]
        and "I will call you on Friday." in body["body"]
    )
    assert "Sales Alpha Clinics" in body["body"]  # the sender is the caller
    assert body["missing_fields"] == []

    events = await audit_events(db, tenant.id, "ai.email_draft")
    assert (
        len(events) == 1 and events[0]["actor_type"] == "ai" and events[0]["meta"]["generator"] == "template"
    )
    assert "Ana" not in str(events)  # the trail keeps facts, never the draft

    bad = [
        {"template": "follow_up"},  # no record
        {"template": "follow_up", "contact_id": str(person.id), "extra": 1},
    ]
    for payload in bad:
        assert (await client.post("/api/v1/ai/email-drafts", json=payload, headers=token)).status_code == 422
    unknown = await client.post(
        "/api/v1/ai/email-drafts", json={"template": "nope", "contact_id": str(person.id)}, headers=token
    )
    assert unknown.status_code == 404
    other = bearer(await token_for(client, other_tenant.people[Role.admin]))
    foreign = await client.post(
        "/api/v1/ai/email-drafts", json={"template": "follow_up", "contact_id": str(person.id)}, headers=other
    )
    assert foreign.status_code == 404
