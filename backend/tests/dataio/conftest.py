"""Helpers for import/export tests: upload a CSV, run its job in the test's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from crm.auth.permissions import Scope
from crm.core.runtime import Runtime
from crm.dataio.importer import run_import
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for

Upload = Callable[..., Awaitable[httpx.Response]]
RunJob = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


@pytest.fixture
def upload(client: httpx.AsyncClient, admin: dict[str, str]) -> Upload:
    async def send(
        data: bytes | str,
        *,
        headers: dict[str, str] | None = None,
        name: str = "contacts.csv",
        content_type: str = "text/csv",
        encoding: str | None = None,
    ) -> httpx.Response:
        body = data.encode() if isinstance(data, str) else data
        params = {"encoding": encoding} if encoding else {}
        return await client.post(
            "/api/v1/imports",
            files={"file": (name, body, content_type)},
            params=params,
            headers=headers or admin,
        )

    return send


@pytest.fixture
def run_job(client: httpx.AsyncClient, admin: dict[str, str], runtime: Runtime, tenant: Tenant) -> RunJob:
    """POST /run, then do what the worker would (the job is queued in the test's transaction)."""

    async def run(
        import_id: str,
        *,
        policy: str | None = None,
        headers: dict[str, str] | None = None,
        scope: Scope = Scope.all,
    ) -> dict[str, Any]:
        started = await client.post(
            f"/api/v1/imports/{import_id}/run",
            json={"duplicate_policy": policy} if policy else None,
            headers=headers or admin,
        )
        assert started.status_code == 202, started.text
        job_run_id = uuid.UUID(started.json()["job_run_id"])
        await run_import(runtime, tenant.id, uuid.UUID(import_id), job_run_id, scope)
        finished = await client.get(f"/api/v1/imports/{import_id}", headers=headers or admin)
        return dict(finished.json())

    return run
