"""Sentiment through the AI service: free text, one activity, the pending sweep, and trends.

Results are stored on the activity (label, signed score, confidence, driving sentences, model), so
record pages, filters and the per-contact/company trends read the database, not the AI service:
they keep working while it is down. Storing one also refreshes the rollup on its contact and company
(``crm.ai.sentiment_rollup``) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.ai import sentiment_repository as repo
from crm.ai import sentiment_rollup as rollup
from crm.ai.client import BATCH, INTERACTIVE, AIRejected, client_for
from crm.ai.schemas import (
    MAX_TEXT_CHARS,
    ActivitySentimentOut,
    DriverOut,
    RecentSentiment,
    SentimentBucket,
    SentimentOut,
    SentimentSummary,
    SentimentTrendOut,
)
from crm.ai.service import org_flag_on, subject_of
from crm.audit.service import record_event
from crm.auth.permissions import Action
from crm.auth.principal import ActorType, Principal
from crm.core.config import Settings
from crm.core.db import unit_of_work
from crm.core.errors import BadRequest, NotFound
from crm.kit.records import scope_clause
from crm.models import Company, Contact

log = logging.getLogger(__name__)

MODEL = "sentiment"
BATCH_SIZE = 64  # the AI service's default CRM_AI_SENTIMENT_MAX_BATCH
SWEEP_LIMIT = 2_000  # per job run; the next sweep continues
DIRECTION_THRESHOLD = 0.15


def text_of(kind: str, subject: str | None, body: str | None) -> str | None:
    """What is read: the body (note, call transcript, meeting notes), with an e-mail's subject."""
    parts = [subject] if kind == "email" and subject else []
    if body:
        parts.append(body)
    joined = "\n".join(p.strip() for p in parts if p and p.strip())
    return joined[:MAX_TEXT_CHARS] or None


async def _analyze(
    settings: Settings,
    organization_id: uuid.UUID,
    texts: Sequence[str],
    *,
    subject: str,
    model: str | None = None,
    interactive: bool = True,
) -> dict[str, Any]:
    return dict(
        await client_for(settings).call(
            "POST",
            "/v1/sentiment",
            org_id=str(organization_id),
            subject=subject,
            json={"texts": list(texts), "model": model},
            idempotent=True,
            limits=INTERACTIVE if interactive else BATCH,
        )
    )


def _model_tag(answer: dict[str, Any]) -> str:
    return f"{answer['model']}:{answer['model_version']}"[:80]


async def analyze_text(
    session: AsyncSession, settings: Settings, principal: Principal, text: str, model: str | None
) -> SentimentOut:
    """Sentiment of a text the caller sends; nothing is stored but the audit event (never the text)."""
    answer = await _analyze(
        settings, principal.organization_id, [text], subject=subject_of(principal), model=model
    )
    result = answer["results"][0]
    await record_event(
        session,
        action="ai.sentiment_analyze",
        actor=principal,
        actor_type=ActorType.ai,
        meta={"model": answer["model"], "version": answer["model_version"], "chars": len(text)},
    )
    return SentimentOut(
        label=result["label"],
        score=result["score"],
        confidence=result["confidence"],
        drivers=[DriverOut(**d) for d in result["drivers"]],
        model=answer["model"],
        model_version=answer["model_version"],
    )


def _stored(activity_id: uuid.UUID, result: dict[str, Any] | None, tag: str | None) -> repo.StoredSentiment:
    if result is None:  # nothing to read: marked as done so the sweep does not come back
        return repo.StoredSentiment(activity_id, None, None, None, [], None)
    return repo.StoredSentiment(
        activity_id, result["label"], result["score"], result["confidence"], result["drivers"], tag
    )


async def analyze_activity(
    session: AsyncSession, settings: Settings, principal: Principal, activity_id: uuid.UUID
) -> ActivitySentimentOut:
    """Read one activity now and store its sentiment on it."""
    scope = scope_clause(principal.scope("activities", Action.update), repo.A.owner_id, principal)
    activity = await repo.activity_text(session, activity_id, scope)
    if activity is None:
        raise NotFound("no such activity")
    text = text_of(activity.kind, activity.subject, activity.body)
    if text is None:
        raise BadRequest("this activity has no text to analyse", code="no_text")
    answer = await _analyze(settings, principal.organization_id, [text], subject=subject_of(principal))
    result = answer["results"][0]
    before = await repo.previous_label(session, activity_id)
    stored = _stored(activity_id, result, _model_tag(answer))
    at = await repo.store(session, [stored])
    await rollup.refresh_for_activities(session, [activity_id])
    await record_event(
        session,
        action="activity.sentiment",
        actor=principal,
        actor_type=ActorType.ai,
        entity_type="activity",
        entity_id=activity_id,
        changes={"sentiment_label": (before, result["label"])},
        meta={"model": answer["model"], "version": answer["model_version"]},
    )
    return _activity_out(stored, at)


def _activity_out(stored: repo.StoredSentiment, at: dt.datetime) -> ActivitySentimentOut:
    return ActivitySentimentOut(
        activity_id=stored.activity_id,
        label=stored.label,
        score=stored.score,
        confidence=stored.confidence,
        drivers=[DriverOut(**d) for d in stored.drivers],
        model=stored.model,
        analyzed_at=at,
    )


async def _analyze_batch(
    settings: Settings, organization_id: uuid.UUID, batch: Sequence[tuple[uuid.UUID, str]]
) -> tuple[list[repo.StoredSentiment], dict[str, str]]:
    """Results for a batch; a text the AI service refuses is marked unreadable, not retried forever."""
    try:
        answer = await _analyze(
            settings, organization_id, [t for _, t in batch], subject="job:sentiment", interactive=False
        )
    except AIRejected:
        if len(batch) == 1:
            log.warning("AI service refused an activity's text", extra={"activity_id": str(batch[0][0])})
            return [_stored(batch[0][0], None, None)], {}
        stored: list[repo.StoredSentiment] = []
        versions: dict[str, str] = {}
        for item in batch:
            one, version = await _analyze_batch(settings, organization_id, [item])
            stored += one
            versions |= version
        return stored, versions
    tag = _model_tag(answer)
    results = [_stored(i, r, tag) for (i, _), r in zip(batch, answer["results"], strict=True)]
    return results, {answer["model"]: answer["model_version"]}


async def analyze_pending(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, organization_id: uuid.UUID
) -> int:
    """The sweep: read activities not analysed yet, newest first, 64 a call, one transaction a batch."""
    done = 0
    while done < SWEEP_LIMIT:
        async with unit_of_work(sessions, organization_id) as session:
            pending = await repo.pending_texts(session, BATCH_SIZE)
            if not pending:
                break
            readable = [(a.id, t) for a in pending if (t := text_of(a.kind, a.subject, a.body))]
            unreadable = [
                _stored(a.id, None, None) for a in pending if not text_of(a.kind, a.subject, a.body)
            ]
            stored, versions = (
                await _analyze_batch(settings, organization_id, readable) if readable else ([], {})
            )
            await repo.store(session, [*stored, *unreadable])
            # Same transaction: a contact's or company's stored rollup never lags its activities.
            await rollup.refresh_for_activities(session, [s.activity_id for s in stored])
            if stored:
                await record_event(
                    session,
                    action="activity.sentiment",
                    actor=None,
                    organization_id=organization_id,
                    actor_type=ActorType.ai,
                    entity_type="activity",
                    entity_id=stored[0].activity_id if len(stored) == 1 else None,
                    meta={
                        "model": ",".join(sorted(versions)),
                        "version": ",".join(versions[m] for m in sorted(versions)),
                        "activities": len(stored),
                        "trigger": "schedule",
                    },
                )
            done += len(pending)
    return done


# --- trends -------------------------------------------------------------------------------------


async def _visible(session: AsyncSession, principal: Principal, entity: str, entity_id: uuid.UUID) -> None:
    model: Any = Contact if entity == "contact" else Company
    resource = "contacts" if entity == "contact" else "companies"
    statement = select(model.id).where(
        model.id == entity_id,
        model.deleted_at.is_(None),
        scope_clause(principal.scope(resource, Action.read), model.owner_id, principal),
    )
    if (await session.execute(statement)).first() is None:
        raise NotFound(f"no such {entity}")


def _direction(buckets: Sequence[SentimentBucket]) -> str:
    if len(buckets) < 2:
        return "unknown"
    earlier = sum(b.average_score * b.count for b in buckets[:-1]) / sum(b.count for b in buckets[:-1])
    change = buckets[-1].average_score - earlier
    if change > DIRECTION_THRESHOLD:
        return "improving"
    if change < -DIRECTION_THRESHOLD:
        return "worsening"
    return "steady"


async def trend_for(
    session: AsyncSession,
    principal: Principal,
    entity: str,
    entity_id: uuid.UUID,
    *,
    period: str,
    periods: int,
) -> SentimentTrendOut:
    """Sentiment of the activities about a contact (or a company and its contacts) over time."""
    await _visible(session, principal, entity, entity_id)
    about: ColumnElement[bool] = (
        repo.about_contact(entity_id) if entity == "contact" else repo.about_company(entity_id)
    )
    now = dt.datetime.now(dt.UTC)
    since = now - (dt.timedelta(weeks=periods) if period == "week" else dt.timedelta(days=31 * periods))
    count, average, positive, neutral, negative = await repo.summary(session, about)
    buckets = [
        SentimentBucket(
            period_start=start,
            count=n,
            average_score=round(avg, 4),
            positive=pos,
            neutral=neu,
            negative=neg,
        )
        for start, n, avg, pos, neu, neg in await repo.trend(session, about, period=period, since=since)
    ]
    recent = [
        RecentSentiment(
            activity_id=r.id,
            kind=r.kind,
            occurred_at=r.occurred_at,
            label=r.sentiment_label,
            score=r.sentiment_score,
        )
        for r in await repo.recent(session, about, 10)
    ]
    return SentimentTrendOut(
        entity_type=entity,
        entity_id=entity_id,
        period=period,
        overall=SentimentSummary(
            count=count,
            average_score=round(average, 4) if average is not None else None,
            positive=positive,
            neutral=neutral,
            negative=negative,
        ),
        trend=buckets,
        direction=_direction(buckets),
        recent=recent,
        pending=await repo.pending_count(session, about),
    )


async def sweep_organization(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, organization_id: uuid.UUID
) -> int:
    async with unit_of_work(sessions, organization_id) as session:
        if not await org_flag_on(session, organization_id, "ai.sentiment"):
            return 0
    return await analyze_pending(sessions, settings, organization_id)
