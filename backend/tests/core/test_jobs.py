"""Jobs are enqueued inside the caller's transaction, run by a worker, retried, and report progress."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncIterator

import procrastinate
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from crm.core import jobs
from crm.core.config import Settings
from crm.core.db import DatabaseUrls, set_tenant, unit_of_work
from crm.core.runtime import Runtime, build_runtime, get_runtime, install_runtime
from crm.models import JobRun, Organization
from tests.fixtures.worker import drain

ATTEMPTS: dict[str, int] = {}


@jobs.app.task(name="tests.mark_done", queue="tests")
async def mark_done(job_run_id: str, organization_id: str) -> None:
    async with unit_of_work(get_runtime().sessions, uuid.UUID(organization_id)) as session:
        await jobs.report_progress(session, uuid.UUID(job_run_id), done=3, total=3, status="succeeded")


@jobs.app.task(name="tests.flaky", queue="tests", retry=procrastinate.RetryStrategy(max_attempts=3))
async def flaky(key: str) -> None:
    ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
    if ATTEMPTS[key] < 2:
        raise RuntimeError("first attempt fails")


@pytest.fixture
async def live_runtime(settings: Settings, database_urls: DatabaseUrls) -> AsyncIterator[Runtime]:
    """A runtime whose transactions really commit (a worker must see the jobs)."""
    runtime = build_runtime(settings, database_urls)
    install_runtime(runtime)
    yield runtime
    install_runtime(None)
    await runtime.close()


async def _committed_org(runtime: Runtime) -> uuid.UUID:
    org_id = uuid.uuid4()
    async with unit_of_work(runtime.sessions, org_id) as session:
        session.add(Organization(id=org_id, name="Jobs Clinic", slug=f"jobs-{org_id.hex[:12]}"))
    return org_id


async def _job_status(owner_engine: AsyncEngine, job_id: int) -> tuple[str, int] | None:
    async with owner_engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT status, attempts FROM procrastinate_jobs WHERE id = :id"), {"id": job_id}
            )
        ).first()
    return (str(row.status), int(row.attempts)) if row else None


async def _drain(runtime: Runtime) -> None:
    await drain(runtime, ["tests"])


async def test_rollback_drops_the_job(live_runtime: Runtime, owner_engine: AsyncEngine) -> None:
    org_id = await _committed_org(live_runtime)
    job_ids: list[int] = []
    with pytest.raises(RuntimeError, match="boom"):
        async with unit_of_work(live_runtime.sessions, org_id) as session:
            job_ids.append(
                await jobs.enqueue(
                    session, mark_done, job_run_id=str(uuid.uuid4()), organization_id=str(org_id)
                )
            )
            raise RuntimeError("boom")
    assert await _job_status(owner_engine, job_ids[0]) is None


async def test_commit_publishes_and_a_worker_runs_it_with_progress(
    live_runtime: Runtime, owner_engine: AsyncEngine
) -> None:
    org_id = await _committed_org(live_runtime)
    async with unit_of_work(live_runtime.sessions, org_id) as session:
        run = await jobs.start_tracked(session, mark_done, total=3, organization_id=str(org_id))
        # Not visible outside the transaction until it commits.
        assert run.procrastinate_job_id is not None
        assert await _job_status(owner_engine, run.procrastinate_job_id) is None
    assert await _job_status(owner_engine, run.procrastinate_job_id) == ("todo", 0)

    await _drain(live_runtime)

    assert await _job_status(owner_engine, run.procrastinate_job_id) == ("succeeded", 1)
    async with unit_of_work(live_runtime.sessions, org_id) as session:
        stored = (await session.execute(select(JobRun).where(JobRun.id == run.id))).scalar_one()
        assert (stored.status, stored.done, stored.total) == ("succeeded", 3, 3)
        # Another tenant cannot read this job's progress.
        await set_tenant(session, uuid.uuid4())
        assert (await session.execute(select(JobRun).where(JobRun.id == run.id))).first() is None


async def test_failed_job_is_retried(live_runtime: Runtime, owner_engine: AsyncEngine) -> None:
    org_id = await _committed_org(live_runtime)
    key = uuid.uuid4().hex
    async with unit_of_work(live_runtime.sessions, org_id) as session:
        job_id = await jobs.enqueue(session, flaky, key=key)
    await _drain(live_runtime)
    assert ATTEMPTS[key] == 2
    assert await _job_status(owner_engine, job_id) == ("succeeded", 2)


def _wait_after(attempts: int) -> int | None:
    job = procrastinate.jobs.Job(
        id=1, queue="q", lock=None, queueing_lock=None, task_name="t", attempts=attempts
    )
    before = datetime.datetime.now(datetime.UTC)
    decision = jobs.DEFAULT_RETRY.get_retry_decision(exception=RuntimeError(), job=job)
    if decision is None or decision.retry_at is None:
        return None
    return round((decision.retry_at - before).total_seconds())


def test_default_retry_backs_off_exponentially() -> None:
    assert [_wait_after(n) for n in range(4)] == [2, 4, 8, 16]
    assert _wait_after(8) is None


def test_periodic_jobs_are_registered() -> None:
    names = {task.task.name for task in jobs.app.periodic_registry.periodic_tasks.values()}
    assert "crm.prune_finished_jobs" in names
