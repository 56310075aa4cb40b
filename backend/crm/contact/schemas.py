"""Contact bodies. PII (e-mails, phones, date of birth, address) is plain here and encrypted at rest."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm.kit import examples as ex
from crm.kit.bulk import BulkDelete as BulkDelete  # the shared bulk shapes, named here for contacts
from crm.kit.bulk import BulkResponse as BulkResponse
from crm.kit.examples import example

LifecycleStage = Literal[
    "subscriber", "lead", "qualified", "opportunity", "patient", "customer", "referrer", "other"
]
LIFECYCLE_STAGES = frozenset(LifecycleStage.__args__)  # type: ignore[attr-defined]


class Address(BaseModel):
    model_config = example(
        {
            "street": "Calle de Alcalá 42",
            "city": "Madrid",
            "postal_code": "28014",
            "region": "Comunidad de Madrid",
            "country": "Spain",
        },
        extra="forbid",
    )
    street: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    region: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, max_length=100)


ADDRESS_PARTS = tuple(Address.model_fields)  # read once: model_fields is a property (~0.5 us a read)


def address_shape(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored address (only the parts given) in the API's shape: every part, None when absent."""
    return {key: stored.get(key) for key in ADDRESS_PARTS} if stored else None


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
    model_config = example(
        {
            "first_name": "Lucía",
            "last_name": "Fernández",
            "job_title": "Practice Manager",
            "company_id": ex.COMPANY_ID,
            "lifecycle_stage": "qualified",
            "emails": [ex.CONTACT_EMAIL],
            "phones": ["+34 612 345 678"],
            "consent_email": True,
            "tags": ["dental", "madrid"],
        }
    )
    pass


class ContactPatch(ContactFields):
    model_config = example({"job_title": "Clinic Director", "lifecycle_stage": "customer", "version": 3})
    version: int | None = Field(default=None, ge=1, description="the version you edited (or send If-Match)")


class ContactOut(BaseModel):
    model_config = example(
        {
            "id": ex.CONTACT_ID,
            "first_name": "Lucía",
            "last_name": "Fernández",
            "job_title": "Practice Manager",
            "company_id": ex.COMPANY_ID,
            "company_name": ex.COMPANY_NAME,
            "lifecycle_stage": "qualified",
            "owner_id": ex.USER_ID,
            "emails": [ex.CONTACT_EMAIL],
            "phones": ["+34 612 345 678"],
            "date_of_birth": "1984-06-21",
            "address": {
                "street": "Calle de Alcalá 42",
                "city": "Madrid",
                "postal_code": "28014",
                "region": None,
                "country": "Spain",
            },
            "consent_email": True,
            "consent_sms": False,
            "consent_whatsapp": True,
            "tags": ["dental", "madrid"],
            "custom_fields": {"preferred_language": "es"},
            "version": 3,
            "created_at": ex.CREATED_AT,
            "updated_at": ex.UPDATED_AT,
            "deleted_at": None,
            "sentiment_label": "positive",
            "sentiment_score": 0.62,
            "sentiment_count": 4,
            "sentiment_at": ex.UPDATED_AT,
        }
    )
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
    model_config = example(
        {
            "error": "duplicate",
            "detail": "a contact with this e-mail already exists",
            "duplicate_ids": [ex.CONTACT_ID],
        }
    )
    error: Literal["duplicate"] = "duplicate"
    detail: str
    duplicate_ids: list[uuid.UUID]


class BulkUpdate(BaseModel):
    model_config = example(
        {"ids": [ex.CONTACT_ID], "owner_id": ex.USER_ID, "add_tags": ["vip"], "lifecycle_stage": "customer"},
        extra="forbid",
    )
    ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    owner_id: uuid.UUID | None = None
    add_tags: list[str] | None = Field(default=None, max_length=20)
    remove_tags: list[str] | None = Field(default=None, max_length=20)
    lifecycle_stage: LifecycleStage | None = None
