"""/api/v1/search: one search box over contacts, companies, deals and activities."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.search import service, tasks
from crm.search.schemas import ReindexResponse, SearchResponse

router = APIRouter(prefix="/search", tags=["search"])


@router.get("", response_model=SearchResponse)
async def search(
    session: TenantSession,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_permission("search", "read"))],
    q: Annotated[str, Query(min_length=1, max_length=300, description="Words or a question.")],
    types: Annotated[
        str | None, Query(max_length=60, description="Comma-separated: contact,company,deal,activity.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SearchResponse:
    """Search by meaning and by words at once.

    Two rankers: PostgreSQL full-text search (the same index as the lists' `q=`) and nearest
    neighbours of the query's all-MiniLM-L6-v2 embedding in the organisation's vector index; their
    lists are fused by reciprocal rank (k = 60). Only records the caller may read take part, so
    `limit` results come back whenever that many match. Each hit says which ranker found it and at
    which rank. When the AI service is down (or semantic search is switched off) the answer holds
    the full-text results with `semantic: false` and the reason.
    """
    return await service.search(
        session, runtime, principal, q=q, types=service.parse_types(types), limit=limit
    )


@router.post("/reindex", response_model=ReindexResponse, status_code=202)
async def reindex(
    session: TenantSession,
    principal: Annotated[Principal, Depends(require_permission("ai", "manage"))],
) -> ReindexResponse:
    """Rebuild the organisation's search vectors in the background (only changed texts are
    re-embedded). Progress is readable at `/api/v1/jobs/{job_run_id}`."""
    run = await tasks.start_reindex(session, principal)
    return ReindexResponse(job_run_id=run)
