"""When the AI service is down or slow the CRM keeps working: AI endpoints answer 503 with
Retry-After (fast, once the circuit is open), everything else (stored scores and sentiment
included) is served as usual, AI jobs retry, and service resumes by itself once it is back."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from crm.ai import sentiment_repository, tasks
from crm.ai.client import AIClient, CircuitBreaker, install_client
from crm.core.config import Settings
from crm.core.db import DatabaseUrls, unit_of_work
from crm.core.runtime import Runtime, build_runtime, install_runtime
from crm.models import Lead, Organization, Role
from tests.ai import factories
from tests.ai.conftest import AIService, point_at
from tests.fixtures.people import Tenant, bearer, token_for
from tests.fixtures.worker import drain

CAP_SECONDS = 1.5


@pytest.fixture
async def flaky_ai(runtime: Runtime, disposable_ai_service: AIService) -> AsyncIterator[AIClient]:
    client = point_at(
        runtime,
        disposable_ai_service,
        backoff=0.01,
        cap_seconds=CAP_SECONDS,
        breaker=CircuitBreaker(threshold=3, reset_after=0.5),
    )
    yield client
    install_client(runtime.settings, None)
    await client.close()


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "ai_unavailable"
    assert int(response.headers["Retry-After"]) >= 1


async def test_service_down_then_back(
    client: httpx.AsyncClient,
    db: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    disposable_ai_service: AIService,
    flaky_ai: AIClient,
) -> None:
    lead = await factories.lead(db, runtime.settings, tenant.id)
    person = await factories.contact(db, tenant.id)
    note = await factories.activity(
        db, tenant.id, kind="note", body="Great visit, thanks!", contact_id=person.id
    )
    await sentiment_repository.store(
        db, [sentiment_repository.StoredSentiment(note.id, "positive", 0.8, 0.9, [], "vader:test")]
    )
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    score = {"lead_ids": [str(lead.id)]}
    first = await client.post("/api/v1/ai/leads/score", json=score, headers=admin)
    assert first.status_code == 200, first.text
    stored_score = first.json()["results"][0]["probability"]

    disposable_ai_service.stop()

    _assert_unavailable(await client.post("/api/v1/ai/leads/score", json=score, headers=admin))
    _assert_unavailable(await client.get("/api/v1/ai/leads/model", headers=admin))
    assert flaky_ai.breaker.state == "open"
    started = time.monotonic()
    for method, path, body in (
        ("POST", "/api/v1/ai/sentiment", {"text": "hello"}),
        ("POST", f"/api/v1/activities/{note.id}/sentiment", None),
        ("POST", "/api/v1/ai/leads/score", score),
    ):
        _assert_unavailable(await client.request(method, path, json=body, headers=admin))
    assert time.monotonic() - started < 1.0  # the open circuit answers at once

    # Nothing else breaks, and what the AI produced before is still served.
    assert (await client.get("/api/v1/contacts", headers=admin)).status_code == 200
    created = await client.post("/api/v1/companies", json={"name": "Still Working SL"}, headers=admin)
    assert created.status_code == 201, created.text
    trend = await client.get(f"/api/v1/ai/sentiment/contacts/{person.id}", headers=admin)
    assert trend.status_code == 200 and trend.json()["overall"]["positive"] == 1
    queued = await client.post("/api/v1/ai/leads/score", json={"all": True}, headers=admin)
    assert queued.status_code == 202  # the job will retry until the service is back
    row = (await db.execute(select(Lead).where(Lead.id == lead.id))).scalar_one()
    await db.refresh(row)
    assert row.score == stored_score

    disposable_ai_service.start()
    disposable_ai_service.wait_until("/v1/lead-scoring/model", timeout=120)
    await asyncio.sleep(0.6)  # past reset_after: the next call is the half-open probe
    again = await client.post("/api/v1/ai/leads/score", json=score, headers=admin)
    assert again.status_code == 200, again.text
    assert flaky_ai.breaker.state == "closed"


async def test_slow_service_times_out_with_503(
    client: httpx.AsyncClient,
    db: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    disposable_ai_service: AIService,
    flaky_ai: AIClient,
) -> None:
    lead = await factories.lead(db, runtime.settings, tenant.id)
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    score = {"lead_ids": [str(lead.id)]}
    started = time.monotonic()
    assert (await client.post("/api/v1/ai/leads/score", json=score, headers=admin)).status_code == 200
    normal = time.monotonic() - started
    disposable_ai_service.freeze()  # accepts connections, never answers
    try:
        started = time.monotonic()
        slow = await client.post("/api/v1/ai/leads/score", json=score, headers=admin)
        elapsed = time.monotonic() - started
    finally:
        disposable_ai_service.thaw()
    _assert_unavailable(slow)
    assert "timed out" in slow.json()["detail"]
    assert CAP_SECONDS <= elapsed < normal + CAP_SECONDS + 1.0, (elapsed, normal)
    flaky_ai.breaker.record_success()  # forget the failure so this test's last call goes through
    assert (await client.post("/api/v1/ai/leads/score", json=score, headers=admin)).status_code == 200


# --- jobs: a real worker, committed data ------------------------------------------------------------


@pytest.fixture
async def live_runtime(settings: Settings, database_urls: DatabaseUrls) -> AsyncIterator[Runtime]:
    runtime = build_runtime(settings, database_urls)
    install_runtime(runtime)
    yield runtime
    install_runtime(None)
    await runtime.close()


async def _job(owner_engine: AsyncEngine, job_id: int) -> tuple[str, int]:
    async with owner_engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT status, attempts FROM procrastinate_jobs WHERE id = :id"), {"id": job_id}
            )
        ).one()
    return str(row.status), int(row.attempts)


async def test_scoring_job_retries_until_the_service_is_back(
    live_runtime: Runtime, owner_engine: AsyncEngine, disposable_ai_service: AIService
) -> None:
    client = point_at(
        live_runtime,
        disposable_ai_service,
        backoff=0.01,
        cap_seconds=CAP_SECONDS,
        breaker=CircuitBreaker(threshold=3, reset_after=0.5),
    )
    org_id = uuid.uuid4()
    async with unit_of_work(live_runtime.sessions, org_id) as session:
        session.add(Organization(id=org_id, name="Outage Clinic", slug=f"outage-{org_id.hex[:12]}"))
        await session.flush()
        lead = await factories.lead(session, live_runtime.settings, org_id)
    disposable_ai_service.stop()
    async with unit_of_work(live_runtime.sessions, org_id) as session:
        job_id = await tasks.enqueue_scoring(session, org_id, force=True)
    assert job_id is not None

    await drain(live_runtime, [tasks.QUEUE])
    status, attempts = await _job(owner_engine, job_id)
    assert (status, attempts) == ("todo", 1)  # failed once, retry scheduled with back-off

    disposable_ai_service.start()
    disposable_ai_service.wait_until("/v1/lead-scoring/model", timeout=120)
    await asyncio.sleep(3.5)  # the first retry waits 3 s
    await drain(live_runtime, [tasks.QUEUE])
    assert await _job(owner_engine, job_id) == ("succeeded", 2)
    async with unit_of_work(live_runtime.sessions, org_id) as session:
        scored = (await session.execute(select(Lead.scored_at).where(Lead.id == lead.id))).scalar_one()
    assert scored is not None
    install_client(live_runtime.settings, None)
    await client.close()


async def test_readyz_reports_the_ai_service_without_failing(
    client: httpx.AsyncClient, runtime: Runtime, disposable_ai_service: AIService, flaky_ai: AIClient
) -> None:
    """/readyz says whether the AI service is up, but the CRM stays ready when it is down."""
    up = await client.get("/readyz")
    assert up.json()["checks"]["ai"] in ("ok", "loading")
    disposable_ai_service.stop()
    down = await client.get("/readyz")
    assert down.json()["checks"]["ai"] == "unavailable"
    assert down.status_code == 200 or down.json()["checks"]["database"] != "ok"
    runtime.settings = runtime.settings.model_copy(
        update={"ai_service_private_key_file": disposable_ai_service.data_dir / "missing.key"}
    )
    assert (await client.get("/readyz")).json()["checks"]["ai"] == "disabled"
