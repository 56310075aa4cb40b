"""Helpers for the dedupe tests: records through the contacts API or at the model level, and runs."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.config import Settings
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.core.security.crypto import keystore_for
from crm.dedupe import service
from crm.models import Company, JobRun, Role
from tests.fixtures.people import Tenant, bearer, token_for


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


async def new_contact(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/contacts", json=body, headers=headers, params={"allow_duplicate": "true"}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def new_company(db: AsyncSession, tenant_id: uuid.UUID, name: str, **values: Any) -> Company:
    await set_tenant(db, tenant_id)
    company = Company(id=uuid.uuid4(), name=name, tags=values.pop("tags", []), **values)
    db.add(company)
    await db.flush()
    return company


async def run_search(
    db: AsyncSession,
    runtime: Runtime,
    settings: Settings,
    tenant_id: uuid.UUID,
    types: list[str] | None = None,
) -> dict[str, dict[str, int]]:
    """What the job does, run inline (the worker test runs the real thing)."""
    await set_tenant(db, tenant_id)
    run = JobRun(task_name=service.TASK_NAME, status="queued")
    db.add(run)
    await db.flush()
    result = await service.run_job(
        runtime.sessions, keystore_for(settings), tenant_id, run.id, types or ["contact", "company"]
    )
    await db.refresh(run)
    assert run.status == "succeeded" and run.done == sum(r["found"] for r in result.values())
    return result
