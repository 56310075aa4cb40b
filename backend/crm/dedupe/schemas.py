"""Duplicate suggestions, running the matching job, and merge bodies."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm.contact.schemas import ContactOut
from crm.kit import examples as ex
from crm.kit.examples import declared_examples, example

ObjectType = Literal["contact", "company"]
SuggestionStatus = Literal["open", "dismissed", "merged"]
Choice = Literal["primary", "duplicate", "both"]


class RecordSummary(BaseModel):
    model_config = example(
        {
            "id": ex.CONTACT_ID,
            "name": ex.CONTACT_NAME,
            "detail": "Clínica Dental Sonrisa · Practice Manager",
            "deleted": False,
        }
    )
    id: uuid.UUID
    name: str = Field(description="the person's full name, or the company's name")
    detail: str | None = Field(description="a contact's company and job title, or a company's domain")
    deleted: bool


class SuggestionOut(BaseModel):
    model_config = example(
        {
            "id": ex.JOB_ID,
            "object_type": "contact",
            "score": 0.97,
            "reason": "names 0.97 (accents), same company, same date of birth",
            "status": "open",
            "created_at": ex.CREATED_AT,
            "record_a": {
                "id": ex.CONTACT_ID,
                "name": ex.CONTACT_NAME,
                "detail": "Clínica Dental Sonrisa · Practice Manager",
                "deleted": False,
            },
            "record_b": {
                "id": ex.LEAD_ID,
                "name": "Lucia Fernandez",
                "detail": "Clínica Dental Sonrisa",
                "deleted": False,
            },
        }
    )
    id: uuid.UUID
    object_type: ObjectType
    score: float = Field(ge=0, le=1)
    reason: str = Field(examples=["names 0.97 (nickname), same company, same date of birth"])
    status: SuggestionStatus
    created_at: dt.datetime
    record_a: RecordSummary = Field(description="for a merged suggestion: the record kept")
    record_b: RecordSummary = Field(description="for a merged suggestion: the record folded into it")


class RunRequest(BaseModel):
    model_config = example(
        {"object_types": ["contact"]},
        extra="forbid",
    )
    object_types: list[ObjectType] = Field(default=["contact", "company"], min_length=1, max_length=2)


class RunOut(BaseModel):
    model_config = example({"job_run_id": ex.JOB_ID, "object_types": ["contact", "company"]})
    job_run_id: uuid.UUID = Field(description="poll GET /api/v1/jobs/{job_run_id} for progress")
    object_types: list[ObjectType]


_MERGE_EXAMPLE: dict[str, Any] = {
    "primary_id": "0b7f4c1e-6a57-4a1e-9d43-3f0c2d7f6a01",
    "duplicate_id": "5d2e9a70-1c3b-4f0e-8f6a-2b9c4d1e7a02",
    "fields": {
        "job_title": "duplicate",
        "emails": "both",
        "date_of_birth": "duplicate",
        "cf.preferred_language": "primary",
    },
    "primary_version": 3,
}


class MergeRequest(BaseModel):
    """Fold ``duplicate_id`` into ``primary_id``.

    ``fields`` chooses, field by field, whose value the merged record keeps: ``primary`` or
    ``duplicate``, or ``both`` for lists (e-mails, phones, tags, multi-select custom fields).
    Custom fields are named ``cf.<key>``. A field left out keeps the primary's value, or the
    duplicate's when the primary has none; lists default to ``both``; consent flags to the primary's.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_MERGE_EXAMPLE]})
    primary_id: uuid.UUID
    duplicate_id: uuid.UUID
    fields: dict[str, Choice] = Field(default_factory=dict, max_length=200)
    primary_version: int | None = Field(default=None, ge=1, description="412 if the primary changed since")
    duplicate_version: int | None = Field(
        default=None, ge=1, description="412 if the duplicate changed since"
    )


class Moved(BaseModel):
    model_config = example(
        {
            "activities": 14,
            "deals": 1,
            "leads": 0,
            "attachments": 2,
            "contacts": 0,
            "identifiers": 3,
            "custom_fields": 1,
        }
    )
    activities: int = 0
    deals: int = 0
    leads: int = 0
    attachments: int = 0
    contacts: int = 0
    identifiers: int = 0
    custom_fields: int = 0


class ContactMergeOut(BaseModel):
    model_config = example(
        {
            "contact": declared_examples(ContactOut)[0],
            "duplicate_id": "5d2e9a70-1c3b-4f0e-8f6a-2b9c4d1e7a02",
            "choices": {"job_title": "duplicate", "emails": "both", "cf.preferred_language": "primary"},
            "moved": declared_examples(Moved)[0],
        }
    )
    contact: ContactOut
    duplicate_id: uuid.UUID
    choices: dict[str, str]
    moved: Moved


class MergedCompany(BaseModel):
    model_config = example(
        {
            "id": ex.COMPANY_ID,
            "name": ex.COMPANY_NAME,
            "domain": "sonrisa-dental.example",
            "industry": "Dental care",
            "employee_count": 24,
            "annual_revenue": "1850000.00",
            "currency": "EUR",
            "address": {"city": "Madrid", "country": "Spain"},
            "owner_id": ex.USER_ID,
            "tags": ["dental"],
            "custom_fields": {},
            "version": 5,
            "updated_at": ex.UPDATED_AT,
        }
    )
    id: uuid.UUID
    name: str
    domain: str | None
    industry: str | None
    employee_count: int | None
    annual_revenue: Decimal | None
    currency: str | None
    address: dict[str, Any] | None
    owner_id: uuid.UUID | None
    tags: list[str]
    custom_fields: dict[str, Any]
    version: int
    updated_at: dt.datetime


class CompanyMergeOut(BaseModel):
    model_config = example(
        {
            "company": declared_examples(MergedCompany)[0],
            "duplicate_id": "5d2e9a70-1c3b-4f0e-8f6a-2b9c4d1e7a02",
            "choices": {"domain": "primary", "tags": "both"},
            "moved": {"contacts": 6, "deals": 2, "activities": 9},
        }
    )
    company: MergedCompany
    duplicate_id: uuid.UUID
    choices: dict[str, str]
    moved: Moved
