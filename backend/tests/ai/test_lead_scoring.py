"""Lead scoring through the real AI service: scores stored on leads with reasons and the model
version, RBAC, flags, audit, tenant isolation, training with a registry and promotion."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.ai import repository, service, tasks
from crm.ai.client import AIClient
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.models import JobRun, Lead, Role
from tests.ai import factories
from tests.ai.conftest import audit_events, switch_off
from tests.fixtures.people import Tenant, bearer, token_for

SCORE = "/api/v1/ai/leads/score"
MODEL = "/api/v1/ai/leads/model"
TRAIN = "/api/v1/ai/leads/train"


async def test_scores_are_stored_on_the_leads_with_reasons_and_version(
    client: httpx.AsyncClient, db: AsyncSession, runtime: Runtime, tenant: Tenant, ai: AIClient
) -> None:
    hospital = await factories.company(db, tenant.id, "Hospital Norte", "Hospitals", 2500)
    warm = await factories.lead(
        db,
        runtime.settings,
        tenant.id,
        source="Referral",
        title="Chief Medical Officer",
        company_name=hospital.name,
        email="cmo@hospitalnorte.es",
    )
    for days in (1, 3, 8):
        await factories.activity(db, tenant.id, kind="meeting", body="demo", lead_id=warm.id, days_ago=days)
    cold = await factories.lead(
        db,
        runtime.settings,
        tenant.id,
        source="cold outbound",
        title=None,
        email="someone@gmail.com",
        age_days=300,
    )
    token = await token_for(client, tenant.people[Role.sales])
    missing = uuid.uuid4()

    response = await client.post(
        SCORE, json={"lead_ids": [str(warm.id), str(cold.id), str(missing)]}, headers=bearer(token)
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["not_found"] == [str(missing)] and body["job"] is None
    scores = {r["lead_id"]: r for r in body["results"]}
    assert scores[str(warm.id)]["score"] > scores[str(cold.id)]["score"]
    for result in scores.values():
        assert result["model_kind"] == "prior" and result["model_version"].startswith("prior")
        assert 1 <= len(result["reasons"]) <= 3
        assert round(result["probability"] * 100) == result["score"]
    warm_reasons = {r["feature"]: r for r in scores[str(warm.id)]["reasons"]}
    assert any(r["impact"] > 0 for r in warm_reasons.values())
    await set_tenant(db, tenant.id)
    stored = (await db.execute(select(Lead).where(Lead.id == warm.id))).scalar_one()
    await db.refresh(stored)
    assert stored.score == scores[str(warm.id)]["probability"]
    assert stored.score_model_version == scores[str(warm.id)]["model_version"]
    assert stored.score_reasons == scores[str(warm.id)]["reasons"]
    assert stored.scored_at is not None and stored.version == 1  # a score is not an edit

    (event,) = await audit_events(db, tenant.id, "lead.score")
    assert event["actor_type"] == "ai" and event["actor_id"] == tenant.people[Role.sales].user_id
    assert event["meta"]["model"] == "lead_scoring"
    assert event["meta"]["version"].startswith("prior") and event["meta"]["leads"] == 2


async def test_another_organisations_leads_are_not_found(
    client: httpx.AsyncClient,
    db: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    other_tenant: Tenant,
    ai: AIClient,
) -> None:
    theirs = await factories.lead(db, runtime.settings, other_tenant.id)
    token = await token_for(client, tenant.people[Role.admin])
    response = await client.post(SCORE, json={"lead_ids": [str(theirs.id)]}, headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {"results": [], "not_found": [str(theirs.id)], "job": None}
    await set_tenant(db, other_tenant.id)
    assert (await db.execute(select(Lead.scored_at).where(Lead.id == theirs.id))).scalar_one() is None


async def test_rbac_flags_and_validation(
    client: httpx.AsyncClient, db: AsyncSession, runtime: Runtime, tenant: Tenant, ai: AIClient
) -> None:
    row = await factories.lead(db, runtime.settings, tenant.id)
    support = bearer(await token_for(client, tenant.people[Role.support]))
    assert (await client.post(SCORE, json={"lead_ids": [str(row.id)]}, headers=support)).status_code == 403
    assert (await client.post(TRAIN, headers=support)).status_code == 403  # ai:manage is for admins

    sales = bearer(await token_for(client, tenant.people[Role.sales]))
    for bad in ({}, {"lead_ids": []}, {"lead_ids": [str(row.id)], "all": True}, {"all": False}):
        response = await client.post(SCORE, json=bad, headers=sales)
        assert response.status_code == 422, bad
    too_many = {"lead_ids": [str(uuid.uuid4()) for _ in range(1001)]}
    assert (await client.post(SCORE, json=too_many, headers=sales)).status_code == 422

    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    await switch_off(db, runtime, tenant, "ai.lead_scoring")
    refused = await client.post(SCORE, json={"lead_ids": [str(row.id)]}, headers=admin)
    assert refused.status_code == 403 and refused.json()["error"] == "feature_disabled"
    assert (await client.get(MODEL, headers=admin)).status_code == 403


async def test_scoring_everything_is_a_job(
    client: httpx.AsyncClient,
    db: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    ai: AIClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    open_ids = [(await factories.lead(db, runtime.settings, tenant.id)).id for _ in range(3)]
    closed = await factories.lead(db, runtime.settings, tenant.id, status="lost")
    token = bearer(await token_for(client, tenant.people[Role.admin]))
    response = await client.post(SCORE, json={"all": True}, headers=token)
    assert response.status_code == 202, response.text
    job = response.json()["job"]
    assert job["status"] == "queued"
    progress = await client.get(f"/api/v1/jobs/{job['job_id']}", headers=token)
    assert progress.status_code == 200 and progress.json()["task_name"] == "ai.score_leads"

    # What the job runs (a worker would call this with its own sessions).
    scored = await service.score_organization(
        sessions, runtime.settings, tenant.id, force=True, job_run_id=uuid.UUID(job["job_id"])
    )
    assert scored == 3
    await set_tenant(db, tenant.id)
    rows = dict((await db.execute(select(Lead.id, Lead.scored_at))).all())
    assert all(rows[i] is not None for i in open_ids) and rows[closed.id] is None
    run = (await db.execute(select(JobRun).where(JobRun.id == uuid.UUID(job["job_id"])))).scalar_one()
    await db.refresh(run)
    assert (run.status, run.done, run.total) == ("succeeded", 3, 3)
    # Nothing is due a second time.
    assert await service.score_organization(sessions, runtime.settings, tenant.id, force=False) == 0
    events = await audit_events(db, tenant.id, "lead.score")
    assert [e["meta"]["trigger"] for e in events] == ["rescore"] and events[0]["actor_type"] == "ai"


async def test_too_little_history_is_an_explicit_state(
    client: httpx.AsyncClient, db: AsyncSession, runtime: Runtime, tenant: Tenant, ai: AIClient
) -> None:
    for status in ("converted", "lost", "lost"):
        await factories.lead(db, runtime.settings, tenant.id, status=status)
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    refused = await client.post(TRAIN, headers=admin)
    assert refused.status_code == 409 and refused.json()["error"] == "not_enough_data"
    assert "1 converted and 2 lost" in refused.json()["detail"]
    model = await client.get(MODEL, headers=bearer(await token_for(client, tenant.people[Role.marketing])))
    assert model.status_code == 200, model.text
    body = model.json()
    assert body["kind"] == "prior" and body["versions"] == []
    assert body["training_data"] == {"converted": 1, "lost": 2, "min_per_class": 50, "enough": False}


async def test_training_promotes_a_better_model_for_that_organisation_only(
    client: httpx.AsyncClient,
    db: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    other_tenant: Tenant,
    ai: AIClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await factories.history(db, runtime.settings, tenant.id, per_class=70)
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    queued = await client.post(TRAIN, headers=admin)
    assert queued.status_code == 202, queued.text
    assert queued.json()["training_data"]["enough"] is True
    job_id = uuid.UUID(queued.json()["job"]["job_id"])

    report = await service.train_organization(sessions, runtime.settings, tenant.id, job_run_id=job_id)

    assert report is not None and report["status"] == "promoted", report
    assert report["holdout"]["auc"] > report["compared_with"]["auc"]
    model = (await client.get(MODEL, headers=admin)).json()
    assert model["serving"] == report["version"] and model["kind"] == "gradient_boosting"
    (entry,) = model["versions"]
    assert {"auc", "brier", "calibration"} <= set(entry["holdout"])
    assert entry["holdout"]["calibration"] and entry["status"] == "promoted"
    (event,) = await audit_events(db, tenant.id, "ai.lead_model_train")
    assert event["actor_type"] == "ai" and event["meta"]["version"] == report["version"]

    fresh = await factories.lead(db, runtime.settings, tenant.id, source="cold outbound")
    scored = await client.post(SCORE, json={"lead_ids": [str(fresh.id)]}, headers=admin)
    assert scored.json()["results"][0]["model_version"] == report["version"]

    # The other organisation still has the prior, and its own empty registry.
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    other = (await client.get(MODEL, headers=theirs)).json()
    assert other["kind"] == "prior" and other["versions"] == []


async def test_organisation_sweep_lookup_sees_ids_and_counts_only(
    db: AsyncSession, runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    await factories.lead(db, runtime.settings, tenant.id)
    await factories.lead(db, runtime.settings, tenant.id, status="converted")
    await factories.lead(db, runtime.settings, other_tenant.id, status="lost")
    counts = {c.organization_id: c for c in await repository.organizations_with_leads(db)}
    assert (counts[tenant.id].open_leads, counts[tenant.id].converted, counts[tenant.id].lost) == (1, 1, 0)
    assert (counts[other_tenant.id].open_leads, counts[other_tenant.id].lost) == (0, 1)


async def test_a_waiting_job_is_not_queued_twice(db: AsyncSession, tenant: Tenant) -> None:
    await set_tenant(db, tenant.id)
    assert await tasks.enqueue_scoring(db, tenant.id) is not None
    assert await tasks.enqueue_scoring(db, tenant.id) is None
    assert await tasks.request_activity_sentiment(db, tenant.id) is not None
    # The refused insert ran in a savepoint: the caller's transaction goes on.
    assert await repository.count_leads(db, repository.is_open()) == 0
