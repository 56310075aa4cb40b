"""Duplicate search jobs: one organisation per job, never two at once for one organisation, and a
nightly sweep that queues one for every organisation holding contacts or companies.

The sweep only fans out (like the AI sweeps): each organisation's search is its own job, so one
organisation's size or failure never holds up another's, and the per-organisation queueing lock
(the same one ``POST /duplicates/run`` takes) means a search already waiting is not queued twice.
"""

from __future__ import annotations

import logging
import uuid

from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.audit.service import record_event
from crm.auth.principal import ActorType
from crm.core import jobs
from crm.core.db import unit_of_work
from crm.core.runtime import get_runtime
from crm.core.security.crypto import keystore_for
from crm.dedupe import service
from crm.models import JobRun

log = logging.getLogger(__name__)

QUEUE = "dedupe"
NIGHTLY_TASK = "dedupe.nightly"


@jobs.app.task(name=service.TASK_NAME, queue=QUEUE, retry=jobs.DEFAULT_RETRY)
async def find_duplicates(job_run_id: str, organization_id: str, object_types: list[str]) -> None:
    """Recompute the organisation's fuzzy duplicate suggestions (contacts and/or companies)."""
    runtime = get_runtime()
    await service.run_job(
        runtime.sessions,
        keystore_for(runtime.settings),
        uuid.UUID(organization_id),
        uuid.UUID(job_run_id),
        object_types,
    )


async def organizations_with_records(session: AsyncSession) -> list[uuid.UUID]:
    """Every organisation with a live contact or company (a SECURITY DEFINER look-up: ids only)."""
    return list((await session.execute(text("SELECT * FROM dedupe_orgs_with_records()"))).scalars())


async def enqueue_search(session: AsyncSession, organization_id: uuid.UUID) -> JobRun | None:
    """Queue a search of every object type for the session's organisation; None when one is waiting."""
    lock = f"dedupe:{organization_id}"
    types = sorted(service.OBJECT_TYPES)
    try:
        async with session.begin_nested():  # a refused enqueue must not abort the caller's transaction
            run = JobRun(task_name=service.TASK_NAME, status="queued")
            session.add(run)
            await session.flush()
            run.procrastinate_job_id = await jobs.enqueue(
                session,
                find_duplicates,
                queueing_lock=lock,
                lock=lock,
                job_run_id=str(run.id),
                organization_id=str(organization_id),
                object_types=types,
            )
    except AlreadyEnqueued:
        return None
    await record_event(
        session,
        action="duplicate.run",
        actor=None,
        organization_id=organization_id,
        actor_type=ActorType.service,
        entity_type="job_run",
        entity_id=run.id,
        meta={"types": types, "schedule": "nightly"},
    )
    return run


async def fan_out(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Queue one search per organisation with records; returns how many were queued."""
    async with unit_of_work(sessions) as session:
        organizations = await organizations_with_records(session)
    queued = 0
    for organization_id in organizations:
        async with unit_of_work(sessions, organization_id) as session:
            queued += await enqueue_search(session, organization_id) is not None
    return queued


@jobs.app.periodic(cron="17 3 * * *", periodic_id="dedupe_nightly")
@jobs.app.task(name=NIGHTLY_TASK, queue=QUEUE, queueing_lock="dedupe_nightly")
async def find_duplicates_nightly(timestamp: int) -> None:
    """Nightly (03:17): refresh every organisation's duplicate suggestions."""
    log.info("nightly duplicate search", extra={"queued": await fan_out(get_runtime().sessions)})
