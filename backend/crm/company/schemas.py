"""Company (account) bodies. A company's address is business data, kept in clear."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm.contact.schemas import Address
from crm.kit import examples as ex
from crm.kit.bulk import BulkDelete, BulkResponse, BulkResult
from crm.kit.examples import example

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
    model_config = example(
        {
            "name": ex.COMPANY_NAME,
            "domain": "sonrisa-dental.example",
            "industry": "Dental care",
            "employee_count": 24,
            "annual_revenue": "1850000.00",
            "currency": "EUR",
            "owner_id": ex.USER_ID,
            "tags": ["dental", "madrid"],
        }
    )
    name: str = Field(min_length=1, max_length=200, examples=["Harley Street Clinic"])


class CompanyPatch(CompanyFields):
    model_config = example({"employee_count": 31, "version": 2})
    version: int | None = Field(default=None, ge=1, description="the version you edited (or send If-Match)")


class CompanyOut(BaseModel):
    model_config = example(
        {
            "id": ex.COMPANY_ID,
            "name": ex.COMPANY_NAME,
            "domain": "sonrisa-dental.example",
            "industry": "Dental care",
            "employee_count": 24,
            "annual_revenue": "1850000.00",
            "currency": "EUR",
            "address": {
                "street": "Calle de Alcalá 42",
                "city": "Madrid",
                "postal_code": "28014",
                "country": "Spain",
            },
            "owner_id": ex.USER_ID,
            "tags": ["dental", "madrid"],
            "custom_fields": {},
            "version": 2,
            "created_at": ex.CREATED_AT,
            "updated_at": ex.UPDATED_AT,
            "deleted_at": None,
            "sentiment_label": "neutral",
            "sentiment_score": 0.08,
            "sentiment_count": 7,
            "sentiment_at": ex.UPDATED_AT,
        }
    )
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
    model_config = example(
        {"ids": [ex.COMPANY_ID], "industry": "Orthodontics", "add_tags": ["key-account"]},
        extra="forbid",
    )
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
