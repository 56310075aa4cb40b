"""Lead scoring through the AI service: score now, score in batches, train, read the model registry.

The AI service holds each organisation's model (the transparent prior until one is promoted); this
side extracts features, stores scores on the leads and audits every AI action with the model and
version that acted.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, true
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.ai import repository
from crm.ai.client import BATCH, INTERACTIVE, TRAINING, NotEnoughData, client_for
from crm.ai.features import LeadFacts, email_domain_of, to_features
from crm.ai.repository import LeadRow
from crm.ai.schemas import (
    JobRef,
    LeadModelOut,
    LeadScoreOut,
    ReasonOut,
    ScoreLeadsOut,
    TrainingData,
    TrainOut,
)
from crm.audit.service import record_event
from crm.auth.permissions import Action, Scope
from crm.auth.principal import ActorType, Principal
from crm.core import jobs
from crm.core.config import Settings
from crm.core.db import unit_of_work
from crm.core.errors import Forbidden
from crm.core.security.crypto import OrgCipher, keystore_for, org_cipher
from crm.kit.records import scope_clause
from crm.models import Lead

log = logging.getLogger(__name__)

MODEL = "lead_scoring"
MIN_PER_CLASS = 50  # the AI service's rule; repeated here to answer "enough data?" without a call
SCORE_BATCH = 1_000
MAX_TRAINING_LEADS = 100_000  # ~300 bytes each: stays under the AI service's request size limit
STALE_AFTER = dt.timedelta(hours=20)


async def org_flag_on(session: AsyncSession, organization_id: uuid.UUID, key: str) -> bool:
    """The org-wide value of a feature flag: background jobs act for no role."""
    from crm.flags import service as flags

    return flags.evaluate(key, None, await flags.load_overrides(session, organization_id))


# --- features -----------------------------------------------------------------------------------


async def _cipher_if_needed(
    session: AsyncSession, settings: Settings, organization_id: uuid.UUID, rows: Sequence[LeadRow]
) -> OrgCipher | None:
    if not any(row.email for row in rows):
        return None
    return await org_cipher(session, keystore_for(settings), organization_id)


def _domain(cipher: OrgCipher | None, row: LeadRow) -> str | None:
    if cipher is None or row.email is None:
        return None
    try:
        return email_domain_of(cipher.decrypt(row.email, "leads", "email", row.id))
    except Exception:  # an undecryptable value is an unknown domain, not a failed batch
        log.warning("lead e-mail could not be read for scoring", extra={"lead_id": str(row.id)})
        return None


def _features(row: LeadRow, cipher: OrgCipher | None) -> dict[str, Any]:
    return to_features(
        LeadFacts(
            id=row.id,
            source=row.source,
            job_title=row.job_title,
            email_domain=_domain(cipher, row),
            created_at=row.created_at,
            cutoff=row.cutoff,
            industry=row.industry,
            employee_count=row.employee_count,
            emails=row.emails,
            calls=row.calls,
            meetings=row.meetings,
            last_activity_at=row.last_activity_at,
        )
    )


# --- scoring ------------------------------------------------------------------------------------


async def _score_rows(
    session: AsyncSession,
    settings: Settings,
    organization_id: uuid.UUID,
    rows: Sequence[LeadRow],
    *,
    subject: str,
    interactive: bool,
) -> list[tuple[dict[str, Any], dt.datetime]]:
    """Score ``rows`` with the organisation's model and store the results on the leads."""
    cipher = await _cipher_if_needed(session, settings, organization_id, rows)
    payload = {"leads": [{"id": str(row.id), "features": _features(row, cipher)} for row in rows]}
    answer = await client_for(settings).call(
        "POST",
        "/v1/lead-scoring/score",
        org_id=str(organization_id),
        subject=subject,
        json=payload,
        idempotent=True,
        limits=INTERACTIVE if interactive else BATCH,
    )
    results: list[dict[str, Any]] = answer["results"]
    stored = await repository.write_scores(
        session,
        [(uuid.UUID(r["id"]), float(r["probability"]), r["reasons"], r["model_version"]) for r in results],
    )
    return [(r, stored[uuid.UUID(r["id"])]) for r in results if uuid.UUID(r["id"]) in stored]


async def _audit_scoring(
    session: AsyncSession,
    results: Sequence[dict[str, Any]],
    *,
    actor: Principal | None,
    organization_id: uuid.UUID,
    trigger: str,
) -> None:
    versions = sorted({r["model_version"] for r in results})
    await record_event(
        session,
        action="lead.score",
        actor=actor,
        organization_id=organization_id,
        actor_type=ActorType.ai,
        entity_type="lead",
        entity_id=results[0]["id"] if len(results) == 1 else None,
        meta={"model": MODEL, "version": ",".join(versions), "leads": len(results), "trigger": trigger},
    )


async def score_leads(
    session: AsyncSession, settings: Settings, principal: Principal, lead_ids: Sequence[uuid.UUID]
) -> ScoreLeadsOut:
    """Score these leads now (those the caller may update) and store the scores on them."""
    wanted = list(dict.fromkeys(lead_ids))
    scope = scope_clause(principal.scope("leads", Action.update), Lead.owner_id, principal)
    rows = await repository.lead_facts(session, wanted, scope)
    found = {row.id for row in rows}
    out = ScoreLeadsOut(not_found=[i for i in wanted if i not in found])
    if not rows:
        return out
    scored = await _score_rows(
        session, settings, principal.organization_id, rows, subject=subject_of(principal), interactive=True
    )
    await _audit_scoring(
        session,
        [r for r, _ in scored],
        actor=principal,
        organization_id=principal.organization_id,
        trigger="request",
    )
    out.results = [_score_out(result, at) for result, at in scored]
    return out


def _score_out(result: dict[str, Any], scored_at: dt.datetime) -> LeadScoreOut:
    return LeadScoreOut(
        lead_id=uuid.UUID(result["id"]),
        score=int(result["score"]),
        probability=float(result["probability"]),
        model_version=result["model_version"],
        model_kind=result["model_kind"],
        reasons=[ReasonOut(**reason) for reason in result["reasons"]],
        scored_at=scored_at,
    )


def subject_of(principal: Principal) -> str:
    """Who the AI service logs as acting (the user or API key), never personal data."""
    return str(principal.actor_id or principal.organization_id)


async def score_organization(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    organization_id: uuid.UUID,
    *,
    force: bool,
    job_run_id: uuid.UUID | None = None,
) -> int:
    """Score the organisation's open leads (all of them, or only those due) in batches.

    Each batch is its own transaction, so an outage mid-way keeps what was stored and the retried
    job continues with what is still due.
    """
    due: ColumnElement[bool] = true() if force else repository.needs_score(STALE_AFTER)
    where = repository.is_open() & due
    async with unit_of_work(sessions, organization_id) as session:
        total = await repository.count_leads(session, where)
        if job_run_id is not None:
            await jobs.report_progress(session, job_run_id, done=0, total=total)
    done, after = 0, None
    while True:
        async with unit_of_work(sessions, organization_id) as session:
            rows = await repository.lead_facts_page(session, after=after, limit=SCORE_BATCH, where=where)
            if not rows:
                break
            scored = await _score_rows(
                session, settings, organization_id, rows, subject="job:score_leads", interactive=False
            )
            if scored:
                await _audit_scoring(
                    session,
                    [r for r, _ in scored],
                    actor=None,
                    organization_id=organization_id,
                    trigger="rescore" if force else "schedule",
                )
            done += len(scored)
            after = rows[-1].id
            if job_run_id is not None:
                await jobs.report_progress(session, job_run_id, done=done)
    if job_run_id is not None:
        async with unit_of_work(sessions, organization_id) as session:
            await jobs.report_progress(
                session, job_run_id, done=done, total=max(total, done), status="succeeded"
            )
    return done


# --- training -----------------------------------------------------------------------------------


async def training_data(session: AsyncSession) -> TrainingData:
    converted, lost = await repository.outcome_counts(session)
    return TrainingData(
        converted=converted,
        lost=lost,
        min_per_class=MIN_PER_CLASS,
        enough=converted >= MIN_PER_CLASS and lost >= MIN_PER_CLASS,
    )


def not_enough(data: TrainingData) -> NotEnoughData:
    return NotEnoughData(
        f"training needs at least {data.min_per_class} converted and {data.min_per_class} lost leads; "
        f"this organisation has {data.converted} converted and {data.lost} lost, so leads are scored "
        "by the transparent prior until then"
    )


async def start_training(session: AsyncSession, principal: Principal) -> TrainOut:
    """Queue a training run (409 ``not_enough_data`` at once when the history is too short)."""
    from crm.ai.tasks import train_lead_model  # tasks import this module

    data = await training_data(session)
    if not data.enough:
        raise not_enough(data)
    run = await jobs.start_tracked(
        session,
        train_lead_model,
        total=data.converted + data.lost,
        organization_id=str(principal.organization_id),
    )
    await record_event(
        session,
        action="ai.lead_model_train_requested",
        actor=principal,
        entity_type="job_run",
        entity_id=run.id,
        meta={"model": MODEL, "converted": data.converted, "lost": data.lost},
    )
    return TrainOut(job=JobRef(job_id=run.id, status=run.status), training_data=data)


async def start_scoring(session: AsyncSession, principal: Principal) -> JobRef:
    """Queue scoring of every open lead; needs leads:update over all of them."""
    from crm.ai.tasks import score_leads as score_task

    if principal.scope("leads", Action.update) is not Scope.all:
        raise Forbidden("scoring every lead needs permission to update every lead", code="forbidden")
    run = await jobs.start_tracked(
        session, score_task, organization_id=str(principal.organization_id), force=True
    )
    return JobRef(job_id=run.id, status=run.status)


async def train_organization(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    organization_id: uuid.UUID,
    *,
    job_run_id: uuid.UUID | None = None,
    seed: int = 0,
) -> dict[str, Any] | None:
    """Train a candidate on the organisation's outcomes; the AI service promotes it only if it beats
    the served scorer. Returns the registry entry, or None when there is not enough data yet."""
    async with unit_of_work(sessions, organization_id) as session:
        data = await training_data(session)
        if not data.enough:
            if job_run_id is not None:
                await jobs.report_progress(
                    session,
                    job_run_id,
                    done=0,
                    status="not_enough_data",
                    message=str(not_enough(data).detail),
                )
            return None
        rows = await repository.labelled_lead_facts(session, limit=MAX_TRAINING_LEADS)
        cipher = await _cipher_if_needed(session, settings, organization_id, rows)
        leads = [
            {
                "id": str(row.id),
                "features": _features(row, cipher),
                "outcome": "converted" if row.converted else "lost",
            }
            for row in rows
        ]
        if job_run_id is not None:
            await jobs.report_progress(session, job_run_id, done=0, total=len(leads), message="training")
    # No transaction is held while the model trains (it may take minutes).
    try:
        report: dict[str, Any] = await client_for(settings).call(
            "POST",
            "/v1/lead-scoring/train",
            org_id=str(organization_id),
            subject="job:train_lead_model",
            json={"leads": leads, "seed": seed},
            idempotent=False,
            limits=TRAINING,
        )
    except NotEnoughData as exc:
        if job_run_id is not None:
            async with unit_of_work(sessions, organization_id) as session:
                await jobs.report_progress(
                    session, job_run_id, done=0, status="not_enough_data", message=exc.detail
                )
        return None
    async with unit_of_work(sessions, organization_id) as session:
        await record_event(
            session,
            action="ai.lead_model_train",
            actor=None,
            organization_id=organization_id,
            actor_type=ActorType.ai,
            entity_type="lead_model",
            entity_id=report["version"],
            meta={
                "model": MODEL,
                "version": report["version"],
                "status": report["status"],
                "holdout_auc": report["holdout"]["auc"],
                "holdout_brier": report["holdout"]["brier"],
                "compared_with": report["compared_with"]["version"],
            },
        )
        if report["status"] == "promoted":
            from crm.ai.tasks import enqueue_scoring

            # Stored scores must come from the promoted model, not the one it replaced.
            await enqueue_scoring(session, organization_id, force=True)
        if job_run_id is not None:
            await jobs.report_progress(
                session,
                job_run_id,
                done=len(leads),
                total=len(leads),
                status="succeeded",
                message=report["reason"],
            )
    return report


async def model_state(session: AsyncSession, settings: Settings, principal: Principal) -> LeadModelOut:
    """The registry as the AI service keeps it, with this organisation's training data beside it."""
    state = await client_for(settings).call(
        "GET",
        "/v1/lead-scoring/model",
        org_id=str(principal.organization_id),
        subject=subject_of(principal),
        idempotent=True,
    )
    return LeadModelOut(**state, training_data=await training_data(session))
