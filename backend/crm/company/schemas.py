"""Company (account) bodies. A company's address is business data, kept in clear."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm.contact.schemas import Address
from crm.kit.bulk import BulkDelete, BulkResponse, BulkResult

CURRENCY = r"^[A-Z]{3}$"


class CompanyFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    domain: str | None = Field(default=None, max_length=253, examples=["harley-street-clinic.example"])
    industry: str | None = Field(default=None, max_length=100)
    employee_count: int | None = Field(default=None, ge=0, le=10_000_000)
    annual_revenue: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    currency: str | None = Field(default=None, pattern=CURRENCY, examples=["EUR"])
    address: Address | None = None
    owner_id: uuid.UUID | None = None
    tags: list[str] | None = Field(default=None, max_length=50)
    custom_fields: dict[str, Any] | None = Field(default=None, max_length=200)


class CompanyCreate(CompanyFields):
    name: str = Field(min_length=1, max_length=200, examples=["Harley Street Clinic"])


class CompanyPatch(CompanyFields):
    version: int | None = Field(default=None, ge=1, description="the version you edited (or send If-Match)")


class CompanyOut(BaseModel):
    id: uuid.UUID
    name: str
    domain: str | None
    industry: str | None
    employee_count: int | None
    annual_revenue: Decimal | None
    currency: str | None
    address: Address | None
    owner_id: uuid.UUID | None
    tags: list[str]
    custom_fields: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None
    # Rollup of the sentiment of its activities (see crm.ai.sentiment_rollup for the rule).
    sentiment_label: Literal["negative", "neutral", "positive"] | None = None
    sentiment_score: float | None = None
    sentiment_count: int = 0
    sentiment_at: dt.datetime | None = None


class CompanyBulkUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    owner_id: uuid.UUID | None = None
    add_tags: list[str] | None = Field(default=None, max_length=20)
    remove_tags: list[str] | None = Field(default=None, max_length=20)
    industry: str | None = Field(default=None, max_length=100)


__all__ = [
    "BulkDelete",
    "BulkResponse",
    "BulkResult",
    "CompanyBulkUpdate",
    "CompanyCreate",
    "CompanyOut",
    "CompanyPatch",
]
