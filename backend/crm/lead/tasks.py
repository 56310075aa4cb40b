"""Lead follow-ups: a new lead, or an edit to what the scoring model reads, queues scoring.

Registered on import (this module is in ``crm.core.jobs.TASK_MODULES``, see ``crm.kit.followups``).
The scoring job is one per organisation behind a queueing lock, so a bulk edit or an import batch
queues at most one; it scores every open lead edited since its last score.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai.tasks import enqueue_scoring
from crm.kit.followups import Change, on_change

# What crm.ai.features reads from the lead itself (company facts come from the company record).
SCORING_FIELDS = frozenset({"source", "job_title", "email", "company_name", "status"})


@on_change("lead")
async def lead_changed(session: AsyncSession, change: Change) -> None:
    if change.verb in {"created", "restored"} or (
        change.verb == "updated" and (not change.fields or change.fields & SCORING_FIELDS)
    ):
        await enqueue_scoring(session, change.organization_id)
