"""Job progress is readable by the organisation that owns the job, and by no other."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.models import JobRun, Role
from tests.fixtures.people import Tenant, bearer, token_for


async def test_progress_and_isolation(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    await set_tenant(db, tenant.id)
    run = JobRun(task_name="crm.import_contacts", status="running", done=40, total=100)
    db.add(run)
    await db.flush()
    mine = bearer(await token_for(client, tenant.people[Role.support]))
    body = (await client.get(f"/api/v1/jobs/{run.id}", headers=mine)).json()
    assert (body["status"], body["done"], body["total"]) == ("running", 40, 100)
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    assert (await client.get(f"/api/v1/jobs/{run.id}", headers=theirs)).status_code == 404
