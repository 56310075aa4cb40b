"""Sentiment through the real AI service: free text, one activity stored on its row, the sweep that
reads new activity, and the per-contact / per-company trends, with RBAC, flags, audit, isolation."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.ai import sentiment
from crm.ai.client import AIClient
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.models import Role
from tests.ai import factories
from tests.ai.conftest import audit_events, switch_off
from tests.fixtures.people import Tenant, bearer, token_for

HAPPY = "The nurse was lovely and the results arrived early. Thank you so much, we are delighted!"
ANGRY = "Third time the delivery is late. This is unacceptable and we are very unhappy with the service."


async def _stored(db: AsyncSession, org: uuid.UUID, activity_id: uuid.UUID) -> dict[str, object]:
    await set_tenant(db, org)
    row = await db.execute(
        text(
            "SELECT sentiment_label, sentiment_score, sentiment_confidence, sentiment_drivers,"
            " sentiment_model, sentiment_at FROM activities WHERE id = :id"
        ),
        {"id": activity_id},
    )
    return dict(row.one()._mapping)


async def test_free_text(client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, ai: AIClient) -> None:
    token = bearer(await token_for(client, tenant.people[Role.support]))
    happy = await client.post("/api/v1/ai/sentiment", json={"text": HAPPY}, headers=token)
    assert happy.status_code == 200, happy.text
    body = happy.json()
    assert body["label"] == "positive" and body["score"] > 0 and body["drivers"]
    assert body["model"] in ("minilm_lr", "vader") and body["model_version"]
    angry = await client.post("/api/v1/ai/sentiment", json={"text": ANGRY, "model": "vader"}, headers=token)
    assert angry.json()["label"] == "negative" and angry.json()["model"] == "vader"

    for bad in ({"text": "   "}, {"text": "x" * 20_001}, {"text": "ok", "model": "gpt"}, {}):
        assert (await client.post("/api/v1/ai/sentiment", json=bad, headers=token)).status_code == 422

    events = await audit_events(db, tenant.id, "ai.sentiment_analyze")
    assert len(events) == 2 and all(e["actor_type"] == "ai" for e in events)
    assert events[1]["meta"]["model"] == "vader" and events[1]["meta"]["version"]
    assert HAPPY not in str(events) and "nurse" not in str(events)  # never the text


async def test_an_activity_gets_its_sentiment_stored(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, other_tenant: Tenant, ai: AIClient
) -> None:
    person = await factories.contact(db, tenant.id)
    email = await factories.activity(
        db, tenant.id, kind="email", subject="Late again", body=ANGRY, contact_id=person.id
    )
    empty = await factories.activity(db, tenant.id, kind="call", body="  ", contact_id=person.id)
    theirs = await factories.activity(
        db,
        other_tenant.id,
        kind="note",
        body=HAPPY,
        contact_id=(await factories.contact(db, other_tenant.id)).id,
    )
    sales = bearer(await token_for(client, tenant.people[Role.sales]))

    response = await client.post(f"/api/v1/activities/{email.id}/sentiment", headers=sales)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["label"] == "negative" and body["score"] < 0 and body["model"]
    stored = await _stored(db, tenant.id, email.id)
    assert stored["sentiment_label"] == "negative" and stored["sentiment_model"] == body["model"]
    assert stored["sentiment_drivers"] and stored["sentiment_at"] is not None
    (event,) = await audit_events(db, tenant.id, "activity.sentiment")
    assert event["actor_type"] == "ai" and event["entity_id"] == str(email.id)
    assert event["changes"] == {"sentiment_label": {"before": None, "after": "negative"}}

    nothing = await client.post(f"/api/v1/activities/{empty.id}/sentiment", headers=sales)
    assert nothing.status_code == 400 and nothing.json()["error"] == "no_text"
    assert (await client.post(f"/api/v1/activities/{theirs.id}/sentiment", headers=sales)).status_code == 404
    await set_tenant(db, other_tenant.id)
    assert (await _stored(db, other_tenant.id, theirs.id))["sentiment_label"] is None
    marketing = bearer(await token_for(client, tenant.people[Role.marketing]))
    assert (
        await client.post(f"/api/v1/activities/{email.id}/sentiment", headers=marketing)
    ).status_code == 403


async def test_the_sweep_reads_new_activity_and_trends_follow(
    client: httpx.AsyncClient,
    db: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    other_tenant: Tenant,
    ai: AIClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clinic = await factories.company(db, tenant.id, "Clinica Sol", "Healthcare", 40)
    person = await factories.contact(db, tenant.id, company_id=clinic.id)
    made = []
    for days_ago, kind, body in (
        (95, "note", ANGRY),
        (65, "call", "Customer complained the delivery was late and the invoice was wrong. Very annoyed."),
        (35, "email", "Thanks, the new schedule works perfectly for us."),
        (5, "meeting", HAPPY),
        (4, "note", ""),
    ):
        made.append(
            await factories.activity(
                db, tenant.id, kind=kind, body=body, days_ago=days_ago, contact_id=person.id
            )
        )
    on_company = await factories.activity(db, tenant.id, kind="note", body=ANGRY, company_id=clinic.id)
    task = await factories.activity(db, tenant.id, kind="task", body="call back", contact_id=person.id)
    await factories.activity(
        db,
        other_tenant.id,
        kind="note",
        body=HAPPY,
        contact_id=(await factories.contact(db, other_tenant.id)).id,
    )

    token = bearer(await token_for(client, tenant.people[Role.support]))
    before = (await client.get(f"/api/v1/ai/sentiment/contacts/{person.id}", headers=token)).json()
    assert before["overall"]["count"] == 0 and before["pending"] == 5 and before["direction"] == "unknown"

    assert await sentiment.analyze_pending(sessions, runtime.settings, tenant.id) == 6

    labels = [(await _stored(db, tenant.id, a.id))["sentiment_label"] for a in made]
    assert labels[0] == "negative" and labels[3] == "positive" and labels[4] is None  # empty: nothing to read
    assert (await _stored(db, tenant.id, task.id))["sentiment_at"] is None  # tasks are not read
    assert (await _stored(db, tenant.id, on_company.id))["sentiment_label"] == "negative"
    # The other organisation's activity waits for its own sweep.
    await set_tenant(db, other_tenant.id)
    assert (
        await db.execute(text("SELECT count(*) FROM activities WHERE sentiment_at IS NULL"))
    ).scalar_one() == 1

    contact_view = await client.get(f"/api/v1/ai/sentiment/contacts/{person.id}", headers=token)
    assert contact_view.status_code == 200, contact_view.text
    view = contact_view.json()
    assert view["overall"]["count"] == 4 and view["pending"] == 0
    assert view["overall"]["negative"] >= 1 and view["overall"]["positive"] >= 1
    assert [b["count"] for b in view["trend"]] == [1, 1, 1, 1]
    assert view["direction"] == "improving"
    assert view["recent"][0]["activity_id"] == str(made[3].id)

    company_view = (
        await client.get(f"/api/v1/ai/sentiment/companies/{clinic.id}?period=week&periods=52", headers=token)
    ).json()
    assert company_view["overall"]["count"] == 5 and company_view["period"] == "week"
    short = (await client.get(f"/api/v1/ai/sentiment/contacts/{person.id}?periods=2", headers=token)).json()
    assert sum(b["count"] for b in short["trend"]) == 2 and short["overall"]["count"] == 4

    events = await audit_events(db, tenant.id, "activity.sentiment")
    assert events and all(e["actor_type"] == "ai" and e["meta"]["model"] for e in events)

    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    assert (await client.get(f"/api/v1/ai/sentiment/contacts/{person.id}", headers=theirs)).status_code == 404
    assert (
        await client.get(f"/api/v1/ai/sentiment/companies/{clinic.id}", headers=theirs)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/ai/sentiment/contacts/{person.id}?period=day", headers=token)
    ).status_code == 422


async def test_flag_off_stops_the_endpoints_and_the_sweep(
    client: httpx.AsyncClient,
    db: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    ai: AIClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    person = await factories.contact(db, tenant.id)
    note = await factories.activity(db, tenant.id, kind="note", body=HAPPY, contact_id=person.id)
    await switch_off(db, runtime, tenant, "ai.sentiment")
    token = bearer(await token_for(client, tenant.people[Role.admin]))
    for method, path in (
        ("POST", "/api/v1/ai/sentiment"),
        ("POST", f"/api/v1/activities/{note.id}/sentiment"),
        ("GET", f"/api/v1/ai/sentiment/contacts/{person.id}"),
    ):
        response = await client.request(method, path, json={"text": HAPPY}, headers=token)
        assert response.status_code == 403 and response.json()["error"] == "feature_disabled", path
    assert await sentiment.sweep_organization(sessions, runtime.settings, tenant.id) == 0
    assert (await _stored(db, tenant.id, note.id))["sentiment_at"] is None
