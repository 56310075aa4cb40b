from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

HitType = Literal["contact", "company", "deal", "activity", "lead", "transcript"]
Ranker = Literal["vector", "fulltext"]


class SearchHit(BaseModel):
    type: HitType
    id: uuid.UUID
    title: str
    snippet: str
    score: float = Field(description="Reciprocal-rank-fusion score (higher is better).")
    ranks: dict[Ranker, int] = Field(description="1-based rank in each ranker that found the record.")
    found_by: list[Ranker] = Field(description="The rankers that found it: vector, fulltext or both.")


class SearchResponse(BaseModel):
    query: str
    items: list[SearchHit]
    semantic: bool = Field(description="Whether vector (meaning) search took part.")
    reason: str | None = Field(default=None, description="Why semantic search did not take part.")
    model: str | None = Field(default=None, description="Embedding model of the query vector.")


class ReindexResponse(BaseModel):
    job_run_id: uuid.UUID | None = Field(description="None when a reindex is already waiting to run.")
