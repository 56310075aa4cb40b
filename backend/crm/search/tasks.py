"""Jobs that keep the vector store current.

Writers call ``request_index`` in their own transaction: it queues the records and enqueues one
``search.index_pending`` job per organisation (a queueing lock coalesces bursts), so a rollback
drops both and a commit publishes both. The job drains the queue in batches; when the AI service
is down it raises and Procrastinate retries with back-off, the queue entries waiting meanwhile.

A changed embedding model (another model, weights or precision: the AI service's ``model_id``)
makes every stored vector stale. A sweep every five minutes asks, per organisation with vectors
and semantic search on, which model the AI service embeds with now, and queues a bounded batch of
the records whose vectors another model made; the index job re-embeds them, and the next sweeps
queue the rest. Until then search still works: queries meet only their own model's vectors and
fall back to words.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.ai.client import AIRejected, AIUnavailable
from crm.audit.service import record_event
from crm.auth.principal import Principal
from crm.core import jobs
from crm.core.config import Settings
from crm.core.db import unit_of_work
from crm.core.runtime import get_runtime
from crm.kit.followups import Change, on_change
from crm.models import JobRun
from crm.models.search import INDEXED_ENTITIES
from crm.search import embedder, indexer, repository

log = logging.getLogger(__name__)

QUEUE = "ai"
AI_RETRY = procrastinate.RetryStrategy(max_attempts=8, exponential_wait=3)
FLAG = "ai.semantic_search"
# Records a sweep may queue per organisation while the queue holds fewer: about a quarter of a
# minute of embedding (~700 texts/s), so edits queued behind them wait little; 120,000 an hour.
STALE_BATCH = 10_000


async def _flag_on(organization_id: uuid.UUID) -> bool:
    from crm.ai.service import org_flag_on

    runtime = get_runtime()
    async with unit_of_work(runtime.sessions, organization_id) as session:
        return await org_flag_on(session, organization_id, FLAG)


@jobs.app.task(name="search.index_pending", queue=QUEUE, retry=AI_RETRY)
async def index_pending(organization_id: str, job_run_id: str | None = None) -> None:
    """Embed and store what the organisation's index queue holds (records created, edited, deleted)."""
    org = uuid.UUID(organization_id)
    if not await _flag_on(org):
        return  # semantic search is off: nothing leaves for the AI service; the queue waits
    runtime = get_runtime()
    await indexer.drain(
        runtime.sessions, runtime.settings, org, job_run_id=uuid.UUID(job_run_id) if job_run_id else None
    )


@jobs.app.task(name="search.reindex", queue=QUEUE, retry=AI_RETRY)
async def reindex(organization_id: str, job_run_id: str | None = None) -> None:
    """Queue every live record of the organisation, then index (unchanged texts cost no AI call)."""
    org = uuid.UUID(organization_id)
    runtime = get_runtime()
    async with unit_of_work(runtime.sessions, org) as session:
        queued = await repository.queue_everything(session)
    log.info("search reindex queued", extra={"org_id": organization_id, "records": queued})
    await index_pending(organization_id, job_run_id)


async def _enqueue_once(
    session: AsyncSession, task: procrastinate.tasks.Task[Any, Any, Any], key: str, **kwargs: Any
) -> int | None:
    # A refused duplicate would abort the caller's transaction: try inside a savepoint.
    try:
        async with session.begin_nested():
            return await jobs.enqueue(session, task, queueing_lock=key, **kwargs)
    except AlreadyEnqueued:
        return None


async def request_index(
    session: AsyncSession, organization_id: uuid.UUID, entity: str, ids: Iterable[uuid.UUID]
) -> None:
    """For any writer of contacts, companies, deals, activities, leads or transcripts (create,
    update, delete, erase, merge, restore): in the writer's transaction, mark the records stale
    and make sure a job runs."""
    if entity not in INDEXED_ENTITIES:
        return
    if await repository.queue(session, entity, ids):
        await _enqueue_once(
            session, index_pending, f"search-index:{organization_id}", organization_id=str(organization_id)
        )


async def request_reindex(session: AsyncSession, organization_id: uuid.UUID) -> int | None:
    """Backfill (the demo seed, ``crm search reindex``): None when one is already waiting."""
    return await _enqueue_once(
        session, reindex, f"search-reindex:{organization_id}", organization_id=str(organization_id)
    )


async def start_reindex(session: AsyncSession, principal: Principal) -> uuid.UUID | None:
    """An admin's reindex, with a job run to follow; None when one is already waiting."""
    org = principal.organization_id
    try:
        async with session.begin_nested():
            run = JobRun(task_name=reindex.name, status="queued")
            session.add(run)
            await session.flush()
            run.procrastinate_job_id = await jobs.enqueue(
                session,
                reindex,
                queueing_lock=f"search-reindex:{org}",
                organization_id=str(org),
                job_run_id=str(run.id),
            )
    except AlreadyEnqueued:
        return None
    await record_event(
        session, action="search.reindex", actor=principal, entity_type="organization", entity_id=org
    )
    return run.id


async def requeue_stale(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    organization_id: uuid.UUID,
    *,
    batch: int = STALE_BATCH,
) -> int:
    """Queue records whose vectors a model other than the AI service's current one made, up to
    ``batch`` queued at once, and make sure the index job runs; the number queued. The AI service
    down or unreadable, or semantic search off: nothing is queued (the next sweep tries again)."""
    from crm.ai.service import org_flag_on

    async with unit_of_work(sessions, organization_id) as session:
        if not await org_flag_on(session, organization_id, FLAG):
            return 0
    try:
        current = await embedder.current_model(settings, organization_id)
    except (AIUnavailable, AIRejected) as exc:
        log.info("stale vector check skipped", extra={"org_id": str(organization_id), "reason": str(exc)})
        return 0
    queued = 0
    async with unit_of_work(sessions, organization_id) as session:
        room = batch - await repository.queued_count(session)
        for model in await repository.vector_models(session, organization_id):
            if model != current and queued < room:
                queued += await repository.queue_made_by(session, organization_id, model, room - queued)
        if queued:
            key = f"search-index:{organization_id}"
            await _enqueue_once(session, index_pending, key, organization_id=str(organization_id))
    if queued:
        log.info("stale vectors queued", extra={"org_id": str(organization_id), "records": queued})
    return queued


@jobs.app.task(name="search.requeue_stale", queue=QUEUE)
async def requeue_stale_vectors(organization_id: str) -> None:
    """Queue a batch of the organisation's records whose vectors another model made (no retry: the
    next sweep is the retry)."""
    runtime = get_runtime()
    await requeue_stale(runtime.sessions, runtime.settings, uuid.UUID(organization_id))


async def fan_out_stale_checks(sessions: async_sessionmaker[AsyncSession]) -> int:
    """One stale-vector check per organisation holding vectors; how many were queued."""
    async with unit_of_work(sessions) as session:
        organizations = await repository.organizations_with_vectors(session)
    queued = 0
    for org in organizations:
        async with unit_of_work(sessions, org) as session:
            job = await _enqueue_once(
                session, requeue_stale_vectors, f"search-stale:{org}", organization_id=str(org)
            )
            queued += job is not None
    return queued


@jobs.app.periodic(cron="*/5 * * * *", periodic_id="search_stale_vectors")
@jobs.app.task(name="search.requeue_stale_all", queue=QUEUE, queueing_lock="search_stale_vectors")
async def requeue_stale_all(timestamp: int) -> None:
    """Every five minutes: re-embed, a batch at a time, what an earlier embedding model made."""
    log.info("stale vector sweep", extra={"queued": await fan_out_stale_checks(get_runtime().sessions)})


# Fields whose change alters the text a record is embedded from (texts.header_and_body).
TEXT_FIELDS: dict[str, frozenset[str]] = {
    "contact": frozenset(
        {"first_name", "last_name", "job_title", "company_id", "company_name", "lifecycle_stage", "tags"}
    ),
    "company": frozenset({"name", "domain", "industry", "employee_count", "address", "tags"}),
    "deal": frozenset({"name", "status", "lost_reason", "tags", "company_id", "stage_id", "pipeline_id"}),
    "activity": frozenset({"kind", "subject", "body", "contact_id", "company_id"}),
    "lead": frozenset(
        {"first_name", "last_name", "job_title", "company_name", "status", "source", "lost_reason", "tags"}
    ),
    "transcript": frozenset({"status", "text", "summary", "kind"}),
}
GONE = frozenset({"deleted", "erased", "merged"})
# A recording removed from a record takes its transcript with it (ON DELETE CASCADE).
DETACHED = "detached"


@on_change(*INDEXED_ENTITIES)
async def keep_index_current(session: AsyncSession, change: Change) -> None:
    """Every write to an indexed record: its vectors follow in a batched job; removals are immediate.

    A deleted, merged-away or erased record's vectors go in the write's own transaction (an erased
    person's text must not outlive the erasure by a job's delay); the queued entry then finds the
    record gone, or live again after a restore, and settles it either way. Activities and
    transcripts cascade with an erased contact, company, deal or lead (transcripts also with a
    deleted recording), so their vectors go too.
    """
    if change.verb == DETACHED:
        await repository.delete_orphans(session)
        return
    if change.verb == "updated" and change.fields and not change.fields & TEXT_FIELDS[change.entity]:
        return
    if change.verb in GONE:
        await repository.delete_records(session, change.entity, change.ids)
        if change.verb == "erased" and change.entity not in ("activity", "transcript"):
            await repository.delete_orphans(session)
    await request_index(session, change.organization_id, change.entity, change.ids)
