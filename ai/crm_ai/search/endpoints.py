from __future__ import annotations

from fastapi import APIRouter

from crm_ai.core.deps import Caller
from crm_ai.search.fusion import RankedList, rrf
from crm_ai.search.schemas import RankedOut, RankRequest, RankResponse

router = APIRouter(tags=["search"])


@router.post("/rank", response_model=RankResponse)
async def rank(body: RankRequest, caller: Caller) -> RankResponse:
    """Fuse candidate lists (e.g. pgvector hits and PostgreSQL full-text hits) by reciprocal rank.

    Stateless: the backend has already filtered each list to what the caller may see, and the
    fused list contains only ids it sent.
    """
    del caller
    fused = rrf([RankedList(x.name, x.ids, x.weight) for x in body.lists], k=body.k, limit=body.limit)
    return RankResponse(
        k=body.k, results=[RankedOut(id=f.id, score=round(f.score, 6), ranks=f.ranks) for f in fused]
    )
