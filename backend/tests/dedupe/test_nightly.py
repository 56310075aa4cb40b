"""The nightly duplicate search: a periodic sweep that queues one search per organisation holding
contacts or companies (each under the organisation's own lock), audited, never twice while waiting."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core import jobs
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.dedupe import service, tasks
from crm.models import Organization
from tests.dedupe.conftest import new_company, new_contact
from tests.fixtures.people import Tenant


async def queued_searches(db: AsyncSession) -> dict[str, list[str]]:
    rows = await db.execute(
        text(
            "SELECT args->>'organization_id', args->'object_types', args->>'job_run_id', queueing_lock"
            " FROM procrastinate_jobs WHERE task_name = :task AND status = 'todo'"
        ),
        {"task": service.TASK_NAME},
    )
    found: dict[str, list[str]] = {}
    for organization_id, types, job_run_id, lock in rows.all():
        assert lock == f"dedupe:{organization_id}" and job_run_id
        found[organization_id] = types
    return found


def test_the_sweep_is_scheduled_nightly() -> None:
    periodic = {task.task.name: task.cron for task in jobs.app.periodic_registry.periodic_tasks.values()}
    assert periodic[tasks.NIGHTLY_TASK] == "17 3 * * *"


async def test_the_sweep_queues_one_search_per_organisation_with_records(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    db: AsyncSession,
    runtime: Runtime,
    tenant: Tenant,
    other_tenant: Tenant,
) -> None:
    await new_contact(client, admin, first_name="Ada", last_name="Lovelace")
    await new_company(db, other_tenant.id, "Telvia Communications")
    empty = uuid.uuid4()
    await set_tenant(db, empty)
    db.add(Organization(id=empty, name="Empty Clinic", slug=f"empty-{empty.hex[:12]}"))
    await db.flush()

    assert await tasks.fan_out(runtime.sessions) >= 2
    await set_tenant(db, None)
    queued = await queued_searches(db)
    assert queued[str(tenant.id)] == ["company", "contact"]
    assert queued[str(other_tenant.id)] == ["company", "contact"]
    assert str(empty) not in queued  # nothing to compare there

    # Audited in each organisation's own trail, as the scheduler's doing.
    await set_tenant(db, tenant.id)
    event = (
        await db.execute(
            text("SELECT actor_type, meta FROM audit_events WHERE action = 'duplicate.run' ORDER BY seq")
        )
    ).one()
    assert event.actor_type == "service" and event.meta["schedule"] == "nightly"
    job = (
        await db.execute(
            text("SELECT status, task_name FROM job_runs WHERE task_name = :task"),
            {"task": service.TASK_NAME},
        )
    ).one()
    assert tuple(job) == ("queued", service.TASK_NAME)

    # A search still waiting is not queued again (the same lock as POST /duplicates/run).
    before = await queued_searches(db)
    await tasks.fan_out(runtime.sessions)
    await set_tenant(db, None)
    assert await queued_searches(db) == before
    conflict = await client.post("/api/v1/duplicates/run", json={}, headers=admin)
    assert conflict.status_code == 409, conflict.text
