"""/api/v1/jobs: progress of long-running jobs (imports, exports, training) of the organisation."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.errors import NotFound
from crm.kit import examples as ex
from crm.kit.examples import example
from crm.models import JobRun

router = APIRouter(prefix="/jobs", tags=["jobs"])


class JobRunOut(BaseModel):
    model_config = example(
        {
            "id": ex.JOB_ID,
            "task_name": "ai.score_leads",
            "status": "running",
            "done": 1200,
            "total": 4800,
            "message": "scoring leads",
            "created_at": ex.CREATED_AT,
            "updated_at": ex.UPDATED_AT,
        },
        from_attributes=True,
    )
    id: uuid.UUID
    task_name: str
    status: str
    done: int
    total: int | None
    message: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


@router.get("/{job_id}", response_model=JobRunOut)
async def get_job(
    job_id: uuid.UUID,
    session: TenantSession,
    _: Annotated[Principal, Depends(require_permission("jobs", "read"))],
) -> JobRun:
    """Status and progress of one job (poll it while an import or export runs)."""
    run = await session.get(JobRun, job_id)
    if run is None:
        raise NotFound("no such job")
    return run
