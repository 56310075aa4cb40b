"""Pipelines, their stages, and the board of deals."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from pydantic import BaseModel, Field

from crm.kit import examples as ex
from crm.kit.examples import declared_examples, example, list_example


class StageIn(BaseModel):
    model_config = example(
        {"name": "Consultation booked", "probability": 30},
        extra="forbid",
    )
    name: str = Field(min_length=1, max_length=120, examples=["Consultation booked"])
    probability: int | None = Field(
        default=None, ge=0, le=100, description="default win probability of deals here (won: 100, else 0)"
    )
    is_won: bool = False
    is_lost: bool = False


class StagePatch(BaseModel):
    model_config = example(
        {"name": "Treatment plan sent", "probability": 50},
        extra="forbid",
    )
    name: str | None = Field(default=None, min_length=1, max_length=120)
    probability: int | None = Field(default=None, ge=0, le=100)
    is_won: bool | None = None
    is_lost: bool | None = None


class StageOrder(BaseModel):
    model_config = example(
        {"stage_ids": [ex.STAGE_ID, ex.NEXT_STAGE_ID]},
        extra="forbid",
    )
    stage_ids: list[uuid.UUID] = Field(
        min_length=1, max_length=50, description="every stage, in the new order"
    )


class PipelineCreate(BaseModel):
    model_config = example(
        {
            "name": "Implants",
            "stages": [
                {"name": "Consultation booked", "probability": 30},
                {"name": "Treatment plan sent", "probability": 60},
                {"name": "Won", "is_won": True},
                {"name": "Lost", "is_lost": True},
            ],
            "is_default": False,
        },
        extra="forbid",
    )
    name: str = Field(min_length=1, max_length=120, examples=["Implants"])
    stages: list[StageIn] = Field(min_length=1, max_length=50)
    is_default: bool = False


class PipelinePatch(BaseModel):
    model_config = example(
        {"name": "Implants and bridges", "is_default": True},
        extra="forbid",
    )
    name: str | None = Field(default=None, min_length=1, max_length=120)
    is_default: bool | None = Field(default=None, description="true makes this the organisation's default")
    position: int | None = Field(default=None, ge=0, le=1000)
    archived: bool | None = Field(default=None, description="archived pipelines take no new deals")


class StageOut(BaseModel):
    model_config = example(
        {
            "id": ex.STAGE_ID,
            "pipeline_id": ex.PIPELINE_ID,
            "name": "Consultation booked",
            "position": 0,
            "probability": 30,
            "is_won": False,
            "is_lost": False,
        }
    )
    id: uuid.UUID
    pipeline_id: uuid.UUID
    name: str
    position: int
    probability: int
    is_won: bool
    is_lost: bool


class PipelineOut(BaseModel):
    model_config = example(
        {
            "id": ex.PIPELINE_ID,
            "name": "Implants",
            "position": 0,
            "is_default": True,
            "archived_at": None,
            "stages": [
                {
                    "id": ex.STAGE_ID,
                    "pipeline_id": ex.PIPELINE_ID,
                    "name": "Consultation booked",
                    "position": 0,
                    "probability": 30,
                    "is_won": False,
                    "is_lost": False,
                },
                {
                    "id": ex.NEXT_STAGE_ID,
                    "pipeline_id": ex.PIPELINE_ID,
                    "name": "Treatment plan sent",
                    "position": 1,
                    "probability": 60,
                    "is_won": False,
                    "is_lost": False,
                },
            ],
        }
    )
    id: uuid.UUID
    name: str
    position: int
    is_default: bool
    archived_at: dt.datetime | None
    stages: list[StageOut]


class PipelineList(BaseModel):
    model_config = example(list_example(PipelineOut, next_cursor=None))
    items: list[PipelineOut]
    next_cursor: str | None = None


class DealCard(BaseModel):
    """A deal as the board shows it. ``amount`` is null for roles that may not see amounts."""

    model_config = example(
        {
            "id": ex.DEAL_ID,
            "name": "Implant treatment — Lucía Fernández",
            "stage_id": ex.STAGE_ID,
            "board_rank": "0|hzzzzz:",
            "status": "open",
            "amount": "4500.00",
            "currency": "EUR",
            "probability": 30,
            "expected_close_date": ex.DATE,
            "owner_id": ex.USER_ID,
            "company_id": ex.COMPANY_ID,
            "company_name": ex.COMPANY_NAME,
            "tags": ["implants"],
            "version": 4,
            "stage_entered_at": ex.UPDATED_AT,
            "updated_at": ex.UPDATED_AT,
        }
    )

    id: uuid.UUID
    name: str
    stage_id: uuid.UUID
    board_rank: str
    status: str
    amount: Decimal | None
    currency: str
    probability: int | None
    expected_close_date: dt.date | None
    owner_id: uuid.UUID | None
    company_id: uuid.UUID | None
    company_name: str | None
    tags: list[str]
    version: int
    stage_entered_at: dt.datetime
    updated_at: dt.datetime


class CurrencyTotal(BaseModel):
    model_config = example(
        {"currency": "EUR", "count": 12, "amount": "54000.00", "weighted_amount": "16200.00"}
    )
    currency: str
    count: int
    amount: Decimal | None
    weighted_amount: Decimal | None


class BoardColumn(BaseModel):
    model_config = example(
        {
            "stage": declared_examples(StageOut)[0],
            "count": 1,
            "total_amount": "4500.00",
            "totals": [{"currency": "EUR", "count": 1, "amount": "4500.00", "weighted_amount": "1350.00"}],
            "cards": declared_examples(DealCard),
            "next_cursor": None,
        }
    )
    stage: StageOut
    count: int
    total_amount: Decimal | None = Field(
        description="sum of amounts when every deal here shares one currency (else see `totals`)"
    )
    totals: list[CurrencyTotal]
    cards: list[DealCard]
    next_cursor: str | None = Field(description="for GET /pipelines/{id}/stages/{stage_id}/deals")


class Board(BaseModel):
    model_config = example(
        {"pipeline": declared_examples(PipelineOut)[0], "columns": declared_examples(BoardColumn)}
    )
    pipeline: PipelineOut
    columns: list[BoardColumn]


class CardPage(BaseModel):
    model_config = example(list_example(DealCard, next_cursor=ex.CURSOR))
    items: list[DealCard]
    next_cursor: str | None
