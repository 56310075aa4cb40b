"""Deal bodies. ``amount`` is null in answers to roles without ``deal_amounts:read``."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm.kit import examples as ex
from crm.kit.bulk import BulkDelete, BulkResponse, BulkResult
from crm.kit.examples import example

DealStatus = Literal["open", "won", "lost"]
DEAL_STATUSES = frozenset(DealStatus.__args__)  # type: ignore[attr-defined]
CURRENCY = r"^[A-Z]{3}$"


class DealFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2, examples=["4500.00"])
    currency: str | None = Field(default=None, pattern=CURRENCY, examples=["EUR"])
    pipeline_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = Field(default=None, description="must belong to the pipeline")
    probability: int | None = Field(default=None, ge=0, le=100, description="defaults to the stage's")
    expected_close_date: dt.date | None = None
    owner_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None
    contact_ids: list[uuid.UUID] | None = Field(default=None, max_length=50)
    status: DealStatus | None = Field(
        default=None, description="won/lost moves the deal to its pipeline's won/lost stage"
    )
    lost_reason: str | None = Field(default=None, max_length=200, description="required to lose a deal")
    tags: list[str] | None = Field(default=None, max_length=50)
    custom_fields: dict[str, Any] | None = Field(default=None, max_length=200)


class DealCreate(DealFields):
    model_config = example(
        {
            "name": "Implant treatment — Lucía Fernández",
            "amount": "4500.00",
            "currency": "EUR",
            "pipeline_id": ex.PIPELINE_ID,
            "stage_id": ex.STAGE_ID,
            "expected_close_date": ex.DATE,
            "owner_id": ex.USER_ID,
            "company_id": ex.COMPANY_ID,
            "contact_ids": [ex.CONTACT_ID],
            "tags": ["implants"],
        }
    )
    name: str = Field(min_length=1, max_length=200, examples=["Implant treatment — Ada Lovelace"])


class DealPatch(DealFields):
    model_config = example({"amount": "5200.00", "probability": 60, "version": 4})
    version: int | None = Field(default=None, ge=1, description="the version you edited (or send If-Match)")


class DealOut(BaseModel):
    model_config = example(
        {
            "id": ex.DEAL_ID,
            "name": "Implant treatment — Lucía Fernández",
            "amount": "4500.00",
            "currency": "EUR",
            "pipeline_id": ex.PIPELINE_ID,
            "stage_id": ex.STAGE_ID,
            "probability": 40,
            "expected_close_date": ex.DATE,
            "owner_id": ex.USER_ID,
            "company_id": ex.COMPANY_ID,
            "contact_ids": [ex.CONTACT_ID],
            "status": "open",
            "lost_reason": None,
            "closed_at": None,
            "stage_entered_at": ex.UPDATED_AT,
            "board_rank": "0|hzzzzz:",
            "tags": ["implants"],
            "custom_fields": {},
            "version": 4,
            "created_at": ex.CREATED_AT,
            "updated_at": ex.UPDATED_AT,
            "deleted_at": None,
        }
    )
    id: uuid.UUID
    name: str
    amount: Decimal | None
    currency: str
    pipeline_id: uuid.UUID
    stage_id: uuid.UUID
    probability: int | None
    expected_close_date: dt.date | None
    owner_id: uuid.UUID | None
    company_id: uuid.UUID | None
    contact_ids: list[uuid.UUID]
    status: DealStatus
    lost_reason: str | None
    closed_at: dt.datetime | None
    stage_entered_at: dt.datetime
    board_rank: str
    tags: list[str]
    custom_fields: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


class DealMove(BaseModel):
    model_config = example(
        {"stage_id": ex.NEXT_STAGE_ID, "after_id": None},
        extra="forbid",
    )
    stage_id: uuid.UUID = Field(description="a stage of the deal's pipeline (or its current stage)")
    after_id: uuid.UUID | None = Field(default=None, description="the card that ends up right above")
    before_id: uuid.UUID | None = Field(
        default=None, description="the card that ends up right below (used when after_id is absent)"
    )
    lost_reason: str | None = Field(default=None, max_length=200, description="required for a lost stage")


class StageChangeOut(BaseModel):
    model_config = example(
        {
            "id": ex.JOB_ID,
            "from_stage_id": ex.STAGE_ID,
            "to_stage_id": ex.NEXT_STAGE_ID,
            "changed_at": ex.UPDATED_AT,
            "changed_by": ex.USER_ID,
        }
    )
    id: uuid.UUID
    from_stage_id: uuid.UUID | None
    to_stage_id: uuid.UUID
    changed_at: dt.datetime
    changed_by: uuid.UUID | None


class DealBulkUpdate(BaseModel):
    model_config = example(
        {"ids": [ex.DEAL_ID], "stage_id": ex.NEXT_STAGE_ID, "add_tags": ["q2"]},
        extra="forbid",
    )
    ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    owner_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    lost_reason: str | None = Field(default=None, max_length=200)
    add_tags: list[str] | None = Field(default=None, max_length=20)
    remove_tags: list[str] | None = Field(default=None, max_length=20)


__all__ = [
    "DEAL_STATUSES",
    "BulkDelete",
    "BulkResponse",
    "BulkResult",
    "DealBulkUpdate",
    "DealCreate",
    "DealMove",
    "DealOut",
    "DealPatch",
    "StageChangeOut",
]
