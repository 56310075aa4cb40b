from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crm_ai.search.fusion import DEFAULT_K

Id = Annotated[str, Field(min_length=1, max_length=128)]


class CandidateList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=32)] = Field(description="e.g. vector, fulltext")
    ids: list[Id] = Field(max_length=1000, description="Hits, best first.")
    weight: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] = 1.0


class RankRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lists: list[CandidateList] = Field(min_length=1, max_length=10)
    k: Annotated[int, Field(ge=1, le=1000)] = Field(default=DEFAULT_K, description="RRF constant.")
    limit: Annotated[int, Field(ge=1, le=1000)] = 20

    @model_validator(mode="after")
    def _unique_names(self) -> RankRequest:
        names = [x.name for x in self.lists]
        if len(set(names)) != len(names):
            raise ValueError("lists: names must be unique")
        return self


class RankedOut(BaseModel):
    id: str
    score: float
    ranks: dict[str, int] = Field(description="1-based rank in each list that returned it.")


class RankResponse(BaseModel):
    method: str = "reciprocal_rank_fusion"
    k: int
    results: list[RankedOut]
