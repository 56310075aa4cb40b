"""Sealing jobs: every minute for every organisation, or on demand for one."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import chain
from crm.core import jobs
from crm.core.runtime import get_runtime

QUEUE = "audit"


# The queueing lock keeps at most one run waiting, however far behind the workers are.
@jobs.app.periodic(cron="* * * * *", periodic_id="audit_seal_all")
@jobs.app.task(name="audit.seal_all", queue=QUEUE, queueing_lock="audit_seal_all")
async def seal_all_audit_events(timestamp: int) -> None:
    """Every minute: extend each organisation's chain with its newly committed events."""
    await chain.seal_all(get_runtime().sessions)


@jobs.app.task(name="audit.seal_organization", queue=QUEUE, retry=jobs.DEFAULT_RETRY)
async def seal_organization_audit_events(organization_id: str) -> None:
    """On demand: seal one organisation's committed events now."""
    await chain.seal_organization(get_runtime().sessions, uuid.UUID(organization_id))


async def request_seal(session: AsyncSession, organization_id: uuid.UUID) -> int:
    """Enqueue a seal of one organisation in the caller's transaction (runs once it commits)."""
    return await jobs.enqueue(session, seal_organization_audit_events, organization_id=str(organization_id))
