"""Background jobs on Procrastinate, in the same PostgreSQL database.

Enqueueing runs on the caller's own connection, inside its transaction: a rollback
drops the job, a commit publishes it (no outbox table needed). Workers open their own
pool as the app role; each tenant job opens its own unit of work for its organisation.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import procrastinate
from procrastinate import builtin_tasks
from psycopg import AsyncConnection
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models.jobs import JobRun

# Task modules register themselves on import; the worker imports them all.
TASK_MODULES: Sequence[str] = (
    "crm.core.jobs",
    "crm.messaging.tasks",
    "crm.audit.tasks",
    "crm.keys.tasks",
    "crm.dedupe.tasks",
    "crm.ai.tasks",
    "crm.transcript.tasks",
    "crm.dataio.tasks",
    "crm.activity.tasks",
    "crm.lead.tasks",
    "crm.notification.tasks",
    "crm.search.tasks",
)

app = procrastinate.App(connector=procrastinate.PsycopgConnector(), import_paths=list(TASK_MODULES))

# Exponential backoff: 2 s, 4 s, 8 s, … up to 8 attempts, then the job is failed for good.
DEFAULT_RETRY = procrastinate.RetryStrategy(max_attempts=8, exponential_wait=2)


async def _driver_connection(session: AsyncSession) -> AsyncConnection[Any]:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert isinstance(driver, AsyncConnection)
    return driver


async def enqueue(
    session: AsyncSession,
    task: procrastinate.tasks.Task[Any, Any, Any],
    *,
    queueing_lock: str | None = None,
    lock: str | None = None,
    schedule_in: dict[str, int] | None = None,
    **task_kwargs: Any,
) -> int:
    """Defer ``task`` inside ``session``'s transaction and return the job id."""
    connection = await _driver_connection(session)
    options: dict[str, Any] = {"connection": connection}
    if queueing_lock:
        options["queueing_lock"] = queueing_lock
    if lock:
        options["lock"] = lock
    if schedule_in:
        options["schedule_in"] = schedule_in
    job_id: int = await task.configure(**options).defer_async(**task_kwargs)
    return job_id


async def start_tracked(
    session: AsyncSession,
    task: procrastinate.tasks.Task[Any, Any, Any],
    total: int | None = None,
    **task_kwargs: Any,
) -> JobRun:
    """Enqueue ``task`` with a ``JobRun`` row the tenant can poll for progress.

    The task receives ``job_run_id`` and reports through ``report_progress``.
    """
    run = JobRun(task_name=task.name, total=total, status="queued")
    session.add(run)
    await session.flush()
    run.procrastinate_job_id = await enqueue(session, task, job_run_id=str(run.id), **task_kwargs)
    return run


async def report_progress(
    session: AsyncSession,
    job_run_id: uuid.UUID,
    *,
    done: int,
    total: int | None = None,
    status: str = "running",
    message: str | None = None,
) -> None:
    values: dict[str, Any] = {"done": done, "status": status}
    if total is not None:
        values["total"] = total
    if message is not None:
        values["message"] = message
    await session.execute(update(JobRun).where(JobRun.id == job_run_id).values(**values))


def worker_connector(conninfo: str, *, max_size: int = 4) -> procrastinate.PsycopgConnector:
    """A connector with its own pool, for ``app.replace_connector`` around a worker run.

    A fresh connector per run, because Procrastinate keeps a reference to an external
    pool after closing and would reuse the closed pool on the next open.
    """
    return procrastinate.PsycopgConnector(conninfo=conninfo, min_size=1, max_size=max_size)


@app.periodic(cron="17 3 * * *", periodic_id="prune_finished_jobs")
@app.task(queueing_lock="prune_finished_jobs", pass_context=True, name="crm.prune_finished_jobs")
async def prune_finished_jobs(context: procrastinate.JobContext, timestamp: int) -> None:
    """Daily: forget finished job records older than 14 days (the JobRun rows stay)."""
    await builtin_tasks.remove_old_jobs(
        context, max_hours=14 * 24, remove_failed=True, remove_cancelled=True, remove_aborted=True
    )
