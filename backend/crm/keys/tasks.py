"""The data key rotation job: resumable, one organisation per job, never two at once for one org."""

from __future__ import annotations

import math
import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.core import jobs
from crm.core.db import unit_of_work
from crm.core.runtime import get_runtime
from crm.core.security.crypto import KeyStore, keystore_for
from crm.keys.rotation import TASK_NAME, RotationOutcome, run_rotation, start_data_key_rotation
from crm.models import JobRun

QUEUE = "keys"


def _lock(organization_id: uuid.UUID) -> str:
    return f"keys-rotation:{organization_id}"


@jobs.app.task(name=TASK_NAME, queue=QUEUE, retry=jobs.DEFAULT_RETRY)
async def rotate_data_key(job_run_id: str, organization_id: str) -> None:
    runtime = get_runtime()
    await rotate_and_reschedule(
        runtime.sessions, keystore_for(runtime.settings), uuid.UUID(organization_id), uuid.UUID(job_run_id)
    )


async def rotate_and_reschedule(
    sessions: async_sessionmaker[AsyncSession],
    keystore: KeyStore,
    organization_id: uuid.UUID,
    job_run_id: uuid.UUID,
) -> RotationOutcome:
    """Run the rotation; when it must wait (caches, busy rows), schedule its next run."""
    outcome = await run_rotation(sessions, keystore, organization_id, job_run_id)
    if outcome.retry_in is not None:
        async with unit_of_work(sessions, organization_id) as session:
            await enqueue_rotation(session, organization_id, job_run_id, delay=outcome.retry_in)
    return outcome


async def enqueue_rotation(
    session: AsyncSession, organization_id: uuid.UUID, job_run_id: uuid.UUID, *, delay: float = 0.0
) -> int:
    """Queue (or re-queue) the job for ``job_run_id``; the per-organisation lock serializes runs."""
    job_id = await jobs.enqueue(
        session,
        rotate_data_key,
        lock=_lock(organization_id),
        schedule_in={"seconds": math.ceil(delay)} if delay > 0 else None,
        job_run_id=str(job_run_id),
        organization_id=str(organization_id),
    )
    await session.execute(update(JobRun).where(JobRun.id == job_run_id).values(procrastinate_job_id=job_id))
    return job_id


async def start_rotation(
    session: AsyncSession, keystore: KeyStore, organization_id: uuid.UUID
) -> tuple[int, JobRun]:
    """Add a data key version and queue the job that moves every value onto it (same transaction)."""
    version, run = await start_data_key_rotation(session, keystore, organization_id)
    # The new key must reach every process's cache before it may encrypt: start after that.
    run.procrastinate_job_id = await enqueue_rotation(
        session, organization_id, run.id, delay=keystore.cache_ttl
    )
    return version, run
