"""Saved views: a named list configuration (columns, filters, sort) of one object type."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field

from crm.kit import examples as ex
from crm.kit.examples import example

ObjectType = Literal["contact", "company", "lead", "deal"]
Visibility = Literal["private", "team", "organization"]
FilterValue = str | list[str]

FILTERS_DOC = (
    'the list endpoint\'s query parameters, e.g. `{"lifecycle_stage": "patient", "cf.visits__gte": "3"}`;'
    " a list repeats the parameter. Filters on encrypted fields (e-mail, phone, PII custom fields)"
    " are refused: a view must not keep personal data in clear"
)


class SavedViewCreate(BaseModel):
    model_config = example(
        {
            "object_type": "contact",
            "name": "My patients in Madrid",
            "visibility": "team",
            "team_id": ex.TEAM_ID,
            "columns": ["name", "emails", "company_name"],
            "filters": {"lifecycle_stage": "patient", "tags": ["madrid"]},
            "sort": "-updated_at",
        },
        extra="forbid",
    )
    object_type: ObjectType
    name: str = Field(min_length=1, max_length=120, examples=["My patients in London"])
    visibility: Visibility = "private"
    team_id: uuid.UUID | None = Field(default=None, description="required when visibility is `team`")
    columns: list[str] = Field(
        default_factory=list, max_length=60, examples=[["name", "emails", "company_name"]]
    )
    filters: dict[str, FilterValue] = Field(
        default_factory=dict,
        max_length=30,
        description=FILTERS_DOC,
        examples=[{"lifecycle_stage": "patient"}],
    )
    sort: str | None = Field(default=None, max_length=80, examples=["-updated_at"])


class SavedViewPatch(BaseModel):
    model_config = example(
        {"name": "Madrid patients, newest first", "sort": "-created_at"},
        extra="forbid",
    )
    name: str | None = Field(default=None, min_length=1, max_length=120)
    visibility: Visibility | None = None
    team_id: uuid.UUID | None = None
    columns: list[str] | None = Field(default=None, max_length=60)
    filters: dict[str, FilterValue] | None = Field(default=None, max_length=30, description=FILTERS_DOC)
    sort: str | None = Field(default=None, max_length=80)


class SavedViewOut(BaseModel):
    model_config = example(
        {
            "id": ex.JOB_ID,
            "object_type": "contact",
            "name": "My patients in Madrid",
            "owner_id": ex.USER_ID,
            "visibility": "team",
            "team_id": ex.TEAM_ID,
            "columns": ["name", "emails", "company_name"],
            "filters": {"lifecycle_stage": "patient", "tags": ["madrid"]},
            "sort": "-updated_at",
            "query": "lifecycle_stage=patient&tags=madrid&sort=-updated_at",
            "editable": True,
            "created_at": ex.CREATED_AT,
            "updated_at": ex.UPDATED_AT,
        }
    )
    id: uuid.UUID
    object_type: str
    name: str
    owner_id: uuid.UUID
    visibility: str
    team_id: uuid.UUID | None
    columns: list[str]
    filters: dict[str, FilterValue]
    sort: str | None
    query: str = Field(description="filters and sort as a query string for the object's list endpoint")
    editable: bool = Field(description="whether you may change or delete it")
    created_at: dt.datetime
    updated_at: dt.datetime
