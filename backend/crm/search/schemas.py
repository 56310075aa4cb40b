from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from crm.kit import examples as ex
from crm.kit.examples import example

HitType = Literal["contact", "company", "deal", "activity", "lead", "transcript"]
Ranker = Literal["vector", "fulltext"]


class SearchHit(BaseModel):
    model_config = example(
        {
            "type": "contact",
            "id": ex.CONTACT_ID,
            "title": ex.CONTACT_NAME,
            "snippet": "Practice Manager at Clínica Dental Sonrisa, asked about implant financing",
            "score": 0.0328,
            "ranks": {"vector": 1, "fulltext": 1},
            "found_by": ["vector", "fulltext"],
        }
    )
    type: HitType
    id: uuid.UUID
    title: str
    snippet: str
    score: float = Field(description="Reciprocal-rank-fusion score (higher is better).")
    ranks: dict[Ranker, int] = Field(description="1-based rank in each ranker that found the record.")
    found_by: list[Ranker] = Field(description="The rankers that found it: vector, fulltext or both.")


class SearchResponse(BaseModel):
    model_config = example(
        {
            "query": "implant financing",
            "items": [
                {
                    "type": "contact",
                    "id": ex.CONTACT_ID,
                    "title": ex.CONTACT_NAME,
                    "snippet": "Practice Manager at Clínica Dental Sonrisa, asked about implant financing",
                    "score": 0.0328,
                    "ranks": {"vector": 1, "fulltext": 1},
                    "found_by": ["vector", "fulltext"],
                }
            ],
            "semantic": True,
            "reason": None,
            "model": "all-MiniLM-L6-v2",
        }
    )
    query: str
    items: list[SearchHit]
    semantic: bool = Field(description="Whether vector (meaning) search took part.")
    reason: str | None = Field(default=None, description="Why semantic search did not take part.")
    model: str | None = Field(default=None, description="Embedding model of the query vector.")


class ReindexResponse(BaseModel):
    model_config = example({"job_run_id": ex.JOB_ID})
    job_run_id: uuid.UUID | None = Field(description="None when a reindex is already waiting to run.")
