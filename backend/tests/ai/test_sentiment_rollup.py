"""The sentiment rollup stored on contacts and companies: its rule, the sweep and the follow-ups that
keep it current (activity delete/restore, contact delete, merge, erase), list filters and sort, and
isolation between organisations. Also: a GDPR erase of a contact removes its SMS outbox rows."""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.ai import sentiment
from crm.ai import sentiment_repository as repo
from crm.ai import sentiment_rollup as rollup
from crm.ai.client import AIClient
from crm.core.config import Settings
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.core.security.crypto import keystore_for, org_cipher
from crm.messaging import service as messaging
from crm.models import Role
from tests.ai import factories
from tests.fixtures.people import Tenant, bearer, token_for


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


Analysis = float | tuple[str, float]  # a score (labelled as VADER would), or the model's label and score


def _labelled(analysis: Analysis) -> tuple[str, float]:
    if isinstance(analysis, tuple):
        return analysis
    return ("positive" if analysis >= 0.05 else "negative" if analysis <= -0.05 else "neutral"), analysis


async def _store(db: AsyncSession, org: uuid.UUID, results: dict[uuid.UUID, Analysis]) -> None:
    await set_tenant(db, org)
    stored = [repo.StoredSentiment(i, *_labelled(a), 0.9, [], "test:1") for i, a in results.items()]
    await repo.store(db, stored)


async def _analysed(db: AsyncSession, org: uuid.UUID, results: dict[uuid.UUID, Analysis]) -> None:
    """What the sweep does once the AI service has answered: store, then refresh in one transaction."""
    await _store(db, org, results)
    await rollup.refresh_for_activities(db, results)


async def _rollup(db: AsyncSession, org: uuid.UUID, table: str, record_id: uuid.UUID) -> dict[str, Any]:
    await set_tenant(db, org)
    row = await db.execute(
        text(
            f"SELECT sentiment_label, sentiment_score, sentiment_count, sentiment_at, version, updated_at"
            f" FROM {table} WHERE id = :id"
        ),
        {"id": record_id},
    )
    return dict(row.one()._mapping)


async def _new_contact(client: httpx.AsyncClient, admin: dict[str, str], name: str) -> uuid.UUID:
    response = await client.post("/api/v1/contacts", json={"first_name": name}, headers=admin)
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_rule_filters_sort_and_isolation(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, other_tenant: Tenant, admin: dict[str, str]
) -> None:
    clinic = await factories.company(db, tenant.id, "Clinica Sol", "Healthcare", 40)
    unhappy = await factories.contact(db, tenant.id, company_id=clinic.id)
    happy = await factories.contact(db, tenant.id)
    silent = await factories.contact(db, tenant.id)
    older = await factories.activity(db, tenant.id, body="great", days_ago=10, contact_id=unhappy.id)
    newer = await factories.activity(db, tenant.id, body="awful", days_ago=1, contact_id=unhappy.id)
    on_clinic = await factories.activity(db, tenant.id, body="fine", days_ago=3, company_id=clinic.id)
    praise = await factories.activity(db, tenant.id, body="thanks", contact_id=happy.id)
    before = await _rollup(db, tenant.id, "contacts", unhappy.id)
    assert before["sentiment_label"] is None and before["sentiment_count"] == 0

    await _analysed(db, tenant.id, {older.id: 0.6, newer.id: -0.8, on_clinic.id: 0.02, praise.id: 0.7})

    stored = await _rollup(db, tenant.id, "contacts", unhappy.id)
    # Newest weighs 1, the one before 0.8: (-0.8 + 0.8 * 0.6) / 1.8.
    assert stored["sentiment_score"] == pytest.approx((-0.8 + 0.48) / 1.8)
    assert stored["sentiment_label"] == "negative" and stored["sentiment_count"] == 2
    assert stored["sentiment_at"] == newer.occurred_at
    # Not an edit: version and updated_at stay, so nobody's If-Match fails because of the sweep.
    assert (stored["version"], stored["updated_at"]) == (before["version"], before["updated_at"])
    company = await _rollup(db, tenant.id, "companies", clinic.id)
    # The clinic's own note (3 days ago) and its contact's two activities, newest first.
    expected = (-0.8 + 0.8 * 0.02 + 0.64 * 0.6) / (1 + 0.8 + 0.64)
    assert company["sentiment_score"] == pytest.approx(expected) and company["sentiment_count"] == 3
    assert company["sentiment_label"] == "negative"

    got = (await client.get(f"/api/v1/contacts/{unhappy.id}", headers=admin)).json()
    assert got["sentiment_label"] == "negative" and got["sentiment_count"] == 2
    negative = await client.get("/api/v1/contacts", params={"sentiment_label": "negative"}, headers=admin)
    assert _ids(negative) == [str(unhappy.id)]
    ascending = await client.get("/api/v1/contacts", params={"sort": "sentiment_score"}, headers=admin)
    assert _ids(ascending)[:3] == [str(unhappy.id), str(happy.id), str(silent.id)]  # unscored last
    # Keyset pages through the nullable sort: one at a time gives the same order.
    seen, cursor = [], None
    for _ in range(3):
        params = {"sort": "sentiment_score", "limit": "1", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/contacts", params=params, headers=admin)).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [str(unhappy.id), str(happy.id), str(silent.id)]
    hot = await client.get(
        "/api/v1/contacts", params={"sentiment_score__gte": "0.5", "sort": "-sentiment_score"}, headers=admin
    )
    assert _ids(hot) == [str(happy.id)]
    companies = await client.get("/api/v1/companies", params={"sentiment_label": "negative"}, headers=admin)
    assert _ids(companies) == [str(clinic.id)]
    assert (
        _ids(
            await client.get(
                "/api/v1/companies", params={"sentiment_label__in": "positive,neutral"}, headers=admin
            )
        )
        == []
    )

    for bad in (
        {"sentiment_label": "furious"},
        {"sentiment_score__gte": "high"},
        {"sentiment_label__gte": "x"},
    ):
        response = await client.get("/api/v1/contacts", params=bad, headers=admin)
        assert response.status_code == 400 and response.json()["error"] == "invalid_filter", bad

    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    assert (
        _ids(await client.get("/api/v1/contacts", params={"sentiment_label": "negative"}, headers=theirs))
        == []
    )
    assert (
        _ids(await client.get("/api/v1/companies", params={"sort": "sentiment_score"}, headers=theirs)) == []
    )
    assert (await client.get(f"/api/v1/contacts/{unhappy.id}", headers=theirs)).status_code == 404


async def test_label_agrees_with_the_activities_labels(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, admin: dict[str, str]
) -> None:
    # Found in the browser: the model's only label was neutral (score 0.26) and the contact read
    # "Positive", because the mean score was re-labelled with +-0.05 thresholds.
    clinic = await factories.company(db, tenant.id, "Clinica Norte", "Healthcare", 15)
    calm = await factories.contact(db, tenant.id, company_id=clinic.id)
    note = await factories.activity(db, tenant.id, body="we talked", days_ago=2, contact_id=calm.id)
    await _analysed(db, tenant.id, {note.id: ("neutral", 0.26)})
    stored = await _rollup(db, tenant.id, "contacts", calm.id)
    assert stored["sentiment_label"] == "neutral" and stored["sentiment_score"] == pytest.approx(0.26)
    assert (await _rollup(db, tenant.id, "companies", clinic.id))["sentiment_label"] == "neutral"

    # Mixed: the newest positive (weight 1) loses to two older neutral ones (0.8 + 0.64) ...
    outvoted = await factories.contact(db, tenant.id)
    acts = [
        await factories.activity(db, tenant.id, body=b, days_ago=d, contact_id=outvoted.id)
        for b, d in (("great", 1), ("ok", 2), ("fine", 3))
    ]
    await _analysed(
        db,
        tenant.id,
        dict(zip((a.id for a in acts), (0.7, ("neutral", 0.2), ("neutral", -0.1)), strict=True)),
    )
    mixed = await _rollup(db, tenant.id, "contacts", outvoted.id)
    assert mixed["sentiment_label"] == "neutral"
    assert mixed["sentiment_score"] == pytest.approx((0.7 + 0.8 * 0.2 - 0.64 * 0.1) / 2.44)  # the trend
    # ... but beats one older neutral (1 > 0.8), and a newer negative beats an older positive even
    # when the mean leans positive: the label follows the shares, the score stays the mean.
    leaning = await factories.contact(db, tenant.id)
    old_praise = await factories.activity(db, tenant.id, body="superb", days_ago=5, contact_id=leaning.id)
    complaint = await factories.activity(db, tenant.id, body="meh", days_ago=1, contact_id=leaning.id)
    await _analysed(db, tenant.id, {old_praise.id: 0.95, complaint.id: ("negative", -0.3)})
    stored = await _rollup(db, tenant.id, "contacts", leaning.id)
    assert stored["sentiment_label"] == "negative"
    assert (
        stored["sentiment_score"] == pytest.approx((-0.3 + 0.8 * 0.95) / 1.8)
        and stored["sentiment_score"] > 0
    )

    # A label that changes while the score does not is still written.
    await _analysed(db, tenant.id, {complaint.id: ("neutral", -0.3)})
    assert (await _rollup(db, tenant.id, "contacts", leaning.id))["sentiment_label"] == "neutral"

    # Filters and sort read the stored label and score.
    neutral = await client.get("/api/v1/contacts", params={"sentiment_label": "neutral"}, headers=admin)
    assert set(_ids(neutral)) == {str(calm.id), str(outvoted.id), str(leaning.id)}
    scored = await client.get(
        "/api/v1/contacts", params={"sort": "-sentiment_score", "sentiment_score__gte": "0"}, headers=admin
    )
    assert _ids(scored) == [str(outvoted.id), str(calm.id), str(leaning.id)]  # 0.33, 0.26, 0.26-
    companies = await client.get("/api/v1/companies", params={"sentiment_label": "neutral"}, headers=admin)
    assert _ids(companies) == [str(clinic.id)]


async def test_migration_0026_recomputes_stored_labels_with_the_same_rule(
    db: AsyncSession, tenant: Tenant
) -> None:
    """The backfill frozen in migration 0026 gives what the live rule gives (labels written by 0021's
    thresholds are corrected; records without analysed activities are left alone)."""
    path = (
        Path(__file__).parents[2]
        / "migrations"
        / "versions"
        / "0026_sentiment_label_by_share_stale_vectors.py"
    )
    spec = importlib.util.spec_from_file_location("migration_0026", path)
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)

    clinic = await factories.company(db, tenant.id, "Clinica Este", "Healthcare", 9)
    people = [await factories.contact(db, tenant.id, company_id=clinic.id) for _ in range(3)]
    silent = await factories.contact(db, tenant.id)
    results: dict[uuid.UUID, Analysis] = {}
    # Each a day older than the one before, so the clinic's ranks are fixed (newest first: neutral,
    # positive, neutral, negative, positive, positive, neutral: neutral 1.90 beats positive 1.54).
    days = iter(range(1, 8))
    for person, analyses in zip(
        people, ([("neutral", 0.26)], [0.6, ("neutral", 0.1)], [-0.4, 0.9, 0.8]), strict=True
    ):
        for analysis in analyses:
            activity = await factories.activity(
                db, tenant.id, body="x", days_ago=next(days), contact_id=person.id
            )
            results[activity.id] = analysis
    on_clinic = await factories.activity(db, tenant.id, body="y", days_ago=next(days), company_id=clinic.id)
    results[on_clinic.id] = ("neutral", 0.3)
    await _analysed(db, tenant.id, results)
    tables = {"contacts": [*(p.id for p in people), silent.id], "companies": [clinic.id]}
    live = {t: [await _rollup(db, tenant.id, t, i) for i in ids] for t, ids in tables.items()}

    # What 0021 left: the mean read with thresholds (the first person's 0.26 read "positive").
    for table in tables:
        await db.execute(
            text(
                f"UPDATE {table} SET sentiment_label = CASE WHEN sentiment_score >= 0.05 THEN 'positive'"
                " WHEN sentiment_score <= -0.05 THEN 'negative' ELSE 'neutral' END"
                " WHERE sentiment_score IS NOT NULL"
            )
        )
    assert (await _rollup(db, tenant.id, "contacts", people[0].id))["sentiment_label"] == "positive"

    await db.execute(text(migration.CONTACTS))
    await db.execute(text(migration.COMPANIES))
    after = {t: [await _rollup(db, tenant.id, t, i) for i in ids] for t, ids in tables.items()}
    assert after == live
    assert [r["sentiment_label"] for r in after["contacts"]] == ["neutral", "positive", "positive", None]
    assert after["companies"][0]["sentiment_label"] == "neutral"


async def test_deleting_restoring_and_moving_activity_follows(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, admin: dict[str, str]
) -> None:
    clinic = await factories.company(db, tenant.id, "Clinica Mar", "Healthcare", 12)
    person = await factories.contact(db, tenant.id, company_id=clinic.id)
    kind = await factories.activity(db, tenant.id, body="lovely", days_ago=5, contact_id=person.id)
    angry = await factories.activity(db, tenant.id, body="late again", days_ago=1, contact_id=person.id)
    await _analysed(db, tenant.id, {kind.id: 0.9, angry.id: -0.9})
    assert (await _rollup(db, tenant.id, "contacts", person.id))["sentiment_label"] == "negative"

    assert (await client.delete(f"/api/v1/activities/{angry.id}", headers=admin)).status_code == 204
    gone = await _rollup(db, tenant.id, "contacts", person.id)
    assert gone["sentiment_label"] == "positive" and gone["sentiment_count"] == 1
    assert gone["sentiment_score"] == pytest.approx(0.9)
    assert (await _rollup(db, tenant.id, "companies", clinic.id))["sentiment_label"] == "positive"

    assert (await client.post(f"/api/v1/activities/{angry.id}/restore", headers=admin)).status_code == 200
    assert (await _rollup(db, tenant.id, "contacts", person.id))["sentiment_count"] == 2

    # A deleted contact's activities no longer count for its company; restoring brings them back.
    assert (await client.delete(f"/api/v1/contacts/{person.id}", headers=admin)).status_code == 204
    emptied = await _rollup(db, tenant.id, "companies", clinic.id)
    assert emptied["sentiment_label"] is None and emptied["sentiment_count"] == 0
    assert emptied["sentiment_score"] is None and emptied["sentiment_at"] is None
    assert (await client.post(f"/api/v1/contacts/{person.id}/restore", headers=admin)).status_code == 200
    assert (await _rollup(db, tenant.id, "companies", clinic.id))["sentiment_count"] == 2


async def test_merge_moves_the_rollup_to_the_survivor(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, admin: dict[str, str]
) -> None:
    # Through the API, as people merge them (the request loads its own instances).
    primary = await _new_contact(client, admin, "Jose")
    duplicate = await _new_contact(client, admin, "Pepe")
    mine = await factories.activity(db, tenant.id, body="ok", days_ago=9, contact_id=primary)
    theirs = await factories.activity(db, tenant.id, body="angry", days_ago=1, contact_id=duplicate)
    await _analysed(db, tenant.id, {mine.id: 0.3, theirs.id: -0.7})
    assert (await _rollup(db, tenant.id, "contacts", primary))["sentiment_label"] == "positive"

    # The whole test is one transaction, so now() never moves: age the rows as real ones would be,
    # or the merge's "updated_at = now()" is no change to the ORM and it reloads the column.
    await db.execute(text("UPDATE contacts SET updated_at = now() - interval '1 hour'"))
    body = {"primary_id": str(primary), "duplicate_id": str(duplicate), "fields": {}}
    response = await client.post("/api/v1/contacts/merge", json=body, headers=admin)
    assert response.status_code == 200, response.text

    survivor = await _rollup(db, tenant.id, "contacts", primary)
    assert survivor["sentiment_count"] == 2 and survivor["sentiment_label"] == "negative"
    assert survivor["sentiment_score"] == pytest.approx((-0.7 + 0.8 * 0.3) / 1.8)
    assert (await _rollup(db, tenant.id, "contacts", duplicate))["sentiment_count"] == 0

    one = await factories.company(db, tenant.id, "Atlas", "Logistics", 5)
    two = await factories.company(db, tenant.id, "Atlas S.L.", "Logistics", 5)
    complaint = await factories.activity(db, tenant.id, body="broken", company_id=two.id)
    await _analysed(db, tenant.id, {complaint.id: -0.5})
    assert (await _rollup(db, tenant.id, "companies", one.id))["sentiment_count"] == 0
    await db.execute(text("UPDATE companies SET updated_at = now() - interval '1 hour'"))
    body = {"primary_id": str(one.id), "duplicate_id": str(two.id), "fields": {}}
    response = await client.post("/api/v1/companies/merge", json=body, headers=admin)
    assert response.status_code == 200, response.text
    merged = await _rollup(db, tenant.id, "companies", one.id)
    assert merged["sentiment_label"] == "negative" and merged["sentiment_count"] == 1


async def test_erase_removes_sms_and_refreshes_the_company(
    client: httpx.AsyncClient,
    db: AsyncSession,
    settings: Settings,
    tenant: Tenant,
    other_tenant: Tenant,
    admin: dict[str, str],
) -> None:
    clinic = await factories.company(db, tenant.id, "Clinica Luz", "Healthcare", 8)
    created = await client.post(
        "/api/v1/contacts",
        json={
            "first_name": "Ana",
            "phones": ["+34 600 111 222", "+34 600 999 000"],
            "company_id": str(clinic.id),
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    person = uuid.UUID(created.json()["id"])
    # A colleague shares the clinic's line: messages to it may be theirs and stay.
    colleague = await client.post(
        "/api/v1/contacts", json={"first_name": "Luis", "phones": ["+34600999000"]}, headers=admin
    )
    assert colleague.status_code in (201, 409), colleague.text
    if colleague.status_code == 409:  # duplicate phone: create anyway, as the UI offers
        colleague = await client.post(
            "/api/v1/contacts?allow_duplicate=true",
            json={"first_name": "Luis", "phones": ["+34600999000"]},
            headers=admin,
        )
        assert colleague.status_code == 201, colleague.text
    note = await factories.activity(db, tenant.id, body="unhappy", contact_id=person)
    await _analysed(db, tenant.id, {note.id: -0.6})
    assert (await _rollup(db, tenant.id, "companies", clinic.id))["sentiment_count"] == 1

    await set_tenant(db, tenant.id)
    cipher = await org_cipher(db, keystore_for(settings), tenant.id)
    to_her = (await messaging.queue_sms(db, cipher, "0034600111222", "Your results are ready")).id
    shared = (await messaging.queue_sms(db, cipher, "+34 600 999 000", "Clinic closed Monday")).id
    stranger = (await messaging.queue_sms(db, cipher, "+34 611 000 000", "Hello")).id
    await set_tenant(db, other_tenant.id)
    their_cipher = await org_cipher(db, keystore_for(settings), other_tenant.id)
    same_number_elsewhere = (await messaging.queue_sms(db, their_cipher, "+34600111222", "Hi")).id

    assert (await client.delete(f"/api/v1/contacts/{person}/erase", headers=admin)).status_code == 204

    await set_tenant(db, tenant.id)
    left = set((await db.execute(text("SELECT id FROM sms_messages"))).scalars())
    assert to_her not in left and {shared, stranger} <= left
    company = await _rollup(db, tenant.id, "companies", clinic.id)
    assert company["sentiment_count"] == 0 and company["sentiment_label"] is None
    await set_tenant(db, other_tenant.id)
    assert same_number_elsewhere in set((await db.execute(text("SELECT id FROM sms_messages"))).scalars())


async def test_the_sweep_keeps_the_rollup_current(
    db: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    ai: AIClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clinic = await factories.company(db, tenant.id, "Clinica Rio", "Healthcare", 20)
    person = await factories.contact(db, tenant.id, company_id=clinic.id)
    await factories.activity(
        db,
        tenant.id,
        kind="email",
        body="Third time the delivery is late. This is unacceptable and we are very unhappy.",
        contact_id=person.id,
    )
    await factories.activity(db, tenant.id, kind="note", body="", contact_id=person.id)

    assert await sentiment.analyze_pending(sessions, runtime.settings, tenant.id) == 2

    stored = await _rollup(db, tenant.id, "contacts", person.id)
    assert stored["sentiment_label"] == "negative" and stored["sentiment_count"] == 1
    assert stored["sentiment_score"] is not None and stored["sentiment_score"] < 0
    company = await _rollup(db, tenant.id, "companies", clinic.id)
    assert company["sentiment_label"] == "negative" and company["sentiment_count"] == 1
