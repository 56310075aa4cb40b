"""The duplicate search job: one organisation per job, never two at once for one organisation."""

from __future__ import annotations

import uuid

from crm.core import jobs
from crm.core.runtime import get_runtime
from crm.core.security.crypto import keystore_for
from crm.dedupe import service

QUEUE = "dedupe"


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
