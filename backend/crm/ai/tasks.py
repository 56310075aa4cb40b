"""AI jobs: scoring leads, training the scoring model, reading the sentiment of new activity.

Each organisation's work is its own job, locked per organisation, so one organisation's failure or
backlog never holds up another's. When the AI service is down the job raises ``AIUnavailable`` and
Procrastinate retries it with exponential back-off (about an hour in all); what earlier batches
stored stays stored. The periodic sweeps only fan out: they enqueue one job per organisation with
work, each guarded by a queueing lock so a slow hour never stacks duplicates.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai import repository, sentiment, service
from crm.core import jobs
from crm.core.db import unit_of_work
from crm.core.runtime import get_runtime

log = logging.getLogger(__name__)

QUEUE = "ai"
# 3 s, 9 s, 27 s, … : an AI outage of up to ~55 minutes is ridden out, then the job fails for good.
AI_RETRY = procrastinate.RetryStrategy(max_attempts=8, exponential_wait=3)


# --- per organisation -----------------------------------------------------------------------------


@jobs.app.task(name="ai.score_leads", queue=QUEUE, retry=AI_RETRY)
async def score_leads(organization_id: str, force: bool = False, job_run_id: str | None = None) -> None:
    """Score the organisation's open leads: all of them (``force``) or those due a fresh score."""
    runtime = get_runtime()
    org = uuid.UUID(organization_id)
    async with unit_of_work(runtime.sessions, org) as session:
        if not await service.org_flag_on(session, org, "ai.lead_scoring"):
            return
    await service.score_organization(
        runtime.sessions,
        runtime.settings,
        org,
        force=force,
        job_run_id=uuid.UUID(job_run_id) if job_run_id else None,
    )


@jobs.app.task(name="ai.train_lead_model", queue=QUEUE, retry=AI_RETRY)
async def train_lead_model(organization_id: str, job_run_id: str | None = None) -> None:
    """Train a candidate scoring model; the AI service promotes it only if it beats the current one."""
    runtime = get_runtime()
    await service.train_organization(
        runtime.sessions,
        runtime.settings,
        uuid.UUID(organization_id),
        job_run_id=uuid.UUID(job_run_id) if job_run_id else None,
    )


@jobs.app.task(name="ai.sentiment_pending", queue=QUEUE, retry=AI_RETRY)
async def sentiment_pending(organization_id: str) -> None:
    """Read the sentiment of the organisation's activities that have not been analysed yet."""
    runtime = get_runtime()
    await sentiment.sweep_organization(runtime.sessions, runtime.settings, uuid.UUID(organization_id))


# --- enqueueing (in the caller's transaction) -----------------------------------------------------


async def _enqueue_once(
    session: AsyncSession, task: procrastinate.tasks.Task[Any, Any, Any], key: str, **kwargs: Any
) -> int | None:
    """Enqueue unless the same job is already waiting (then None).

    The refused insert would abort the caller's transaction: it runs inside a savepoint.
    """
    try:
        async with session.begin_nested():
            return await jobs.enqueue(session, task, queueing_lock=key, lock=key, **kwargs)
    except AlreadyEnqueued:
        return None


async def enqueue_scoring(
    session: AsyncSession, organization_id: uuid.UUID, *, force: bool = False
) -> int | None:
    return await _enqueue_once(
        session, score_leads, f"ai-score:{organization_id}", organization_id=str(organization_id), force=force
    )


async def request_activity_sentiment(session: AsyncSession, organization_id: uuid.UUID) -> int | None:
    """For the activity code: call after creating an activity or changing its text (and set its
    ``sentiment_at`` to NULL) so its sentiment is read within seconds instead of at the next sweep."""
    return await _enqueue_once(
        session, sentiment_pending, f"ai-sentiment:{organization_id}", organization_id=str(organization_id)
    )


# --- schedules (fan out per organisation) ---------------------------------------------------------


async def _fan_out_scoring() -> int:
    runtime = get_runtime()
    async with unit_of_work(runtime.sessions) as session:
        organizations = await repository.organizations_with_leads(session)
    queued = 0
    for org in organizations:
        if org.open_leads == 0:
            continue
        async with unit_of_work(runtime.sessions, org.organization_id) as session:
            queued += await enqueue_scoring(session, org.organization_id) is not None
    return queued


async def _fan_out_training() -> int:
    runtime = get_runtime()
    async with unit_of_work(runtime.sessions) as session:
        organizations = await repository.organizations_with_leads(session)
    queued = 0
    for org in organizations:
        if min(org.converted, org.lost) < service.MIN_PER_CLASS:
            continue
        async with unit_of_work(runtime.sessions, org.organization_id) as session:
            if not await service.org_flag_on(session, org.organization_id, "ai.lead_scoring"):
                continue
            key = f"ai-train:{org.organization_id}"
            queued += (
                await _enqueue_once(session, train_lead_model, key, organization_id=str(org.organization_id))
                is not None
            )
    return queued


async def _fan_out_sentiment() -> int:
    runtime = get_runtime()
    async with unit_of_work(runtime.sessions) as session:
        organizations = await repository.organizations_with_pending_sentiment(session)
    queued = 0
    for organization_id in organizations:
        async with unit_of_work(runtime.sessions, organization_id) as session:
            queued += await request_activity_sentiment(session, organization_id) is not None
    return queued


@jobs.app.periodic(cron="23 * * * *", periodic_id="ai_score_all")
@jobs.app.task(name="ai.score_all", queue=QUEUE, queueing_lock="ai_score_all")
async def score_all(timestamp: int) -> None:
    """Hourly: rescore leads that were never scored, were edited, or whose score is a day old."""
    log.info("lead scoring sweep", extra={"queued": await _fan_out_scoring()})


@jobs.app.periodic(cron="41 2 * * *", periodic_id="ai_train_all")
@jobs.app.task(name="ai.train_all", queue=QUEUE, queueing_lock="ai_train_all")
async def train_all(timestamp: int) -> None:
    """Nightly: train every organisation with enough converted and lost leads."""
    log.info("lead model training sweep", extra={"queued": await _fan_out_training()})


@jobs.app.periodic(cron="*/5 * * * *", periodic_id="ai_sentiment_all")
@jobs.app.task(name="ai.sentiment_all", queue=QUEUE, queueing_lock="ai_sentiment_all")
async def sentiment_all(timestamp: int) -> None:
    """Every five minutes: read the sentiment of activities nobody asked about yet."""
    log.info("sentiment sweep", extra={"queued": await _fan_out_sentiment()})
