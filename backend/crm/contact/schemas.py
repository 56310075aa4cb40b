"""Contact bodies. PII (e-mails, phones, date of birth, address) is plain here and encrypted at rest."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm.kit.bulk import BulkDelete as BulkDelete  # the shared bulk shapes, named here for contacts
from crm.kit.bulk import BulkResponse as BulkResponse

LifecycleStage = Literal[
    "subscriber", "lead", "qualified", "opportunity", "patient", "customer", "referrer", "other"
]
LIFECYCLE_STAGES = frozenset(LifecycleStage.__args__)  # type: ignore[attr-defined]


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")
    street: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    region: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, max_length=100)


class ContactFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    job_title: str | None = Field(default=None, max_length=150)
    company_id: uuid.UUID | None = None
    lifecycle_stage: LifecycleStage | None = None
    owner_id: uuid.UUID | None = None
    emails: list[str] | None = Field(default=None, max_length=10)
    phones: list[str] | None = Field(default=None, max_length=10)
    date_of_birth: dt.date | None = None
    address: Address | None = None
    consent_email: bool | None = None
    consent_sms: bool | None = None
    consent_whatsapp: bool | None = None
    tags: list[str] | None = Field(default=None, max_length=50)
    custom_fields: dict[str, Any] | None = Field(default=None, max_length=200)


class ContactCreate(ContactFields):
    pass


class ContactPatch(ContactFields):
    version: int | None = Field(default=None, ge=1, description="the version you edited (or send If-Match)")


class ContactOut(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    job_title: str | None
    company_id: uuid.UUID | None
    company_name: str | None
    lifecycle_stage: str
    owner_id: uuid.UUID | None
    emails: list[str]
    phones: list[str]
    date_of_birth: dt.date | None
    address: Address | None
    consent_email: bool
    consent_sms: bool
    consent_whatsapp: bool
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


class DuplicateOut(BaseModel):
    error: Literal["duplicate"] = "duplicate"
    detail: str
    duplicate_ids: list[uuid.UUID]


class BulkUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    owner_id: uuid.UUID | None = None
    add_tags: list[str] | None = Field(default=None, max_length=20)
    remove_tags: list[str] | None = Field(default=None, max_length=20)
    lifecycle_stage: LifecycleStage | None = None
