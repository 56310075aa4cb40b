"""Lead bodies. E-mail and phone are plain here and encrypted at rest; score fields are read-only
(written by the AI service), so a body naming them is refused like any unknown field."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm.kit import examples as ex
from crm.kit.bulk import BulkDelete, BulkResponse, BulkResult
from crm.kit.examples import declared_examples, example

LeadStatus = Literal["new", "contacted", "qualified", "converted", "lost"]
LEAD_STATUSES = frozenset(LeadStatus.__args__)  # type: ignore[attr-defined]
WritableStatus = Literal["new", "contacted", "qualified", "lost"]


class LeadFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    company_name: str | None = Field(default=None, max_length=200)
    job_title: str | None = Field(default=None, max_length=150)
    email: str | None = Field(default=None, max_length=320, examples=["grace.hopper@navy.example"])
    phone: str | None = Field(default=None, max_length=40, examples=["+44 20 7946 0958"])
    source: str | None = Field(default=None, max_length=50, examples=["web form"])
    status: WritableStatus | None = Field(
        default=None,
        description="new -> contacted -> qualified; lost (with lost_reason); converted via /convert",
    )
    lost_reason: str | None = Field(default=None, max_length=200)
    owner_id: uuid.UUID | None = None
    tags: list[str] | None = Field(default=None, max_length=50)
    custom_fields: dict[str, Any] | None = Field(default=None, max_length=200)


class LeadCreate(LeadFields):
    model_config = example(
        {
            "first_name": "Lucía",
            "last_name": "Fernández",
            "company_name": ex.COMPANY_NAME,
            "job_title": "Practice Manager",
            "email": ex.CONTACT_EMAIL,
            "phone": "+34 612 345 678",
            "source": "web form",
            "owner_id": ex.USER_ID,
            "tags": ["dental"],
        }
    )
    pass


class LeadPatch(LeadFields):
    model_config = example({"status": "contacted", "version": 2})
    version: int | None = Field(default=None, ge=1, description="the version you edited (or send If-Match)")


class LeadOut(BaseModel):
    model_config = example(
        {
            "id": ex.LEAD_ID,
            "first_name": "Lucía",
            "last_name": "Fernández",
            "company_name": ex.COMPANY_NAME,
            "job_title": "Practice Manager",
            "email": ex.CONTACT_EMAIL,
            "phone": "+34 612 345 678",
            "source": "web form",
            "status": "qualified",
            "lost_reason": None,
            "score": 0.81,
            "score_reasons": [{"feature": "source", "value": "web form", "weight": 0.34}],
            "score_model_version": "lead-lr-2026-03-01",
            "scored_at": ex.UPDATED_AT,
            "converted_at": None,
            "converted_contact_id": None,
            "converted_company_id": None,
            "converted_deal_id": None,
            "owner_id": ex.USER_ID,
            "tags": ["dental"],
            "custom_fields": {},
            "version": 2,
            "created_at": ex.CREATED_AT,
            "updated_at": ex.UPDATED_AT,
            "deleted_at": None,
        }
    )
    id: uuid.UUID
    first_name: str
    last_name: str
    company_name: str | None
    job_title: str | None
    email: str | None
    phone: str | None
    source: str | None
    status: LeadStatus
    lost_reason: str | None
    score: float | None
    score_reasons: list[dict[str, Any]] | None
    score_model_version: str | None
    scored_at: dt.datetime | None
    converted_at: dt.datetime | None
    converted_contact_id: uuid.UUID | None
    converted_company_id: uuid.UUID | None
    converted_deal_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    tags: list[str]
    custom_fields: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


class LeadConvert(BaseModel):
    model_config = example(
        {
            "create_deal": True,
            "pipeline_id": ex.PIPELINE_ID,
            "deal_name": "Clear aligners — Clínica Dental Sonrisa",
            "amount": "3200.00",
            "currency": "EUR",
            "expected_close_date": ex.DATE,
        },
        extra="forbid",
    )
    create_deal: bool = False
    pipeline_id: uuid.UUID | None = Field(default=None, description="default: the default pipeline")
    stage_id: uuid.UUID | None = None
    deal_name: str | None = Field(default=None, min_length=1, max_length=200)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    expected_close_date: dt.date | None = None


class ConversionOut(BaseModel):
    model_config = example(
        {
            "lead": {
                **declared_examples(LeadOut)[0],
                "status": "converted",
                "converted_at": ex.UPDATED_AT,
                "converted_contact_id": ex.CONTACT_ID,
                "converted_company_id": ex.COMPANY_ID,
                "converted_deal_id": ex.DEAL_ID,
            },
            "contact_id": ex.CONTACT_ID,
            "contact_created": True,
            "company_id": ex.COMPANY_ID,
            "company_created": False,
            "deal_id": ex.DEAL_ID,
        }
    )
    lead: LeadOut
    contact_id: uuid.UUID
    contact_created: bool = Field(
        description="false: an existing contact with the same e-mail/phone was linked"
    )
    company_id: uuid.UUID | None
    company_created: bool
    deal_id: uuid.UUID | None


class LeadBulkUpdate(BaseModel):
    model_config = example(
        {"ids": [ex.LEAD_ID], "status": "contacted", "owner_id": ex.USER_ID},
        extra="forbid",
    )
    ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    owner_id: uuid.UUID | None = None
    status: WritableStatus | None = None
    lost_reason: str | None = Field(default=None, max_length=200)
    add_tags: list[str] | None = Field(default=None, max_length=20)
    remove_tags: list[str] | None = Field(default=None, max_length=20)


__all__ = [
    "LEAD_STATUSES",
    "BulkDelete",
    "BulkResponse",
    "BulkResult",
    "ConversionOut",
    "LeadBulkUpdate",
    "LeadConvert",
    "LeadCreate",
    "LeadOut",
    "LeadPatch",
]
