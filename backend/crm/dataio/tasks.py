"""The import job: one Procrastinate job per run of an import (a rerun after a failure resumes)."""

from __future__ import annotations

import uuid

from crm.auth.permissions import Scope
from crm.core import jobs
from crm.core.runtime import get_runtime
from crm.dataio.importer import run_import

QUEUE = "imports"
TASK_NAME = "dataio.run_import"


@jobs.app.task(name=TASK_NAME, queue=QUEUE)
async def run_import_job(job_run_id: str, organization_id: str, import_id: str, update_scope: str) -> None:
    # A failure is recorded on the import (and resumable by running it again), never retried blindly.
    await run_import(
        get_runtime(),
        uuid.UUID(organization_id),
        uuid.UUID(import_id),
        uuid.UUID(job_run_id),
        Scope[update_scope],
    )
