"""Activity bodies, and the entries of a record's timeline."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm.kit import examples as ex
from crm.kit.bulk import BulkDelete, BulkResponse, BulkResult
from crm.kit.examples import example, list_example

ActivityKind = Literal["note", "call", "meeting", "email", "task"]
ACTIVITY_KINDS = frozenset(ActivityKind.__args__)  # type: ignore[attr-defined]
LINKS = ("contact_id", "company_id", "lead_id", "deal_id")


class ActivityFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str | None = Field(
        default=None, max_length=300, examples=["Follow-up call about the implant plan"]
    )
    body: str | None = Field(default=None, max_length=20_000)
    occurred_at: dt.datetime | None = Field(default=None, description="when it happened (default: now)")
    due_at: dt.datetime | None = None
    reminder_at: dt.datetime | None = Field(default=None, description="at or before due_at")
    duration_minutes: int | None = Field(default=None, ge=0, le=10_080)
    owner_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    deal_id: uuid.UUID | None = None


class ActivityCreate(ActivityFields):
    model_config = example(
        {
            "kind": "call",
            "subject": "Follow-up call about the implant plan",
            "body": "Lucía asked for the financing options; sending the quote tomorrow.",
            "occurred_at": ex.UPDATED_AT,
            "duration_minutes": 15,
            "contact_id": ex.CONTACT_ID,
            "deal_id": ex.DEAL_ID,
            "completed": True,
        }
    )
    kind: ActivityKind
    completed: bool = Field(default=False, description="a call or note logged after the fact is done")


class ActivityPatch(ActivityFields):
    model_config = example(
        {"due_at": "2026-03-10T10:00:00Z", "reminder_at": "2026-03-10T09:30:00Z", "version": 2}
    )
    kind: ActivityKind | None = None
    completed: bool | None = None
    version: int | None = Field(default=None, description="the version you edited (or send If-Match)")


class ActivityOut(BaseModel):
    model_config = example(
        {
            "id": ex.ACTIVITY_ID,
            "kind": "call",
            "subject": "Follow-up call about the implant plan",
            "body": "Lucía asked for the financing options; sending the quote tomorrow.",
            "occurred_at": ex.UPDATED_AT,
            "due_at": None,
            "reminder_at": None,
            "completed_at": ex.UPDATED_AT,
            "overdue": False,
            "duration_minutes": 15,
            "owner_id": ex.USER_ID,
            "contact_id": ex.CONTACT_ID,
            "company_id": ex.COMPANY_ID,
            "lead_id": None,
            "deal_id": ex.DEAL_ID,
            "sentiment_label": "positive",
            "sentiment_score": 0.64,
            "version": 2,
            "created_at": ex.UPDATED_AT,
            "updated_at": ex.UPDATED_AT,
            "deleted_at": None,
        }
    )
    id: uuid.UUID
    kind: ActivityKind
    subject: str | None
    body: str | None
    occurred_at: dt.datetime
    due_at: dt.datetime | None
    reminder_at: dt.datetime | None
    completed_at: dt.datetime | None
    overdue: bool
    duration_minutes: int | None
    owner_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    company_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    deal_id: uuid.UUID | None
    sentiment_label: Literal["negative", "neutral", "positive"] | None = Field(
        default=None, description="null until the AI service has read the text (tasks are not read)"
    )
    sentiment_score: float | None = Field(default=None, description="-1 (negative) .. 1 (positive)")
    version: int = Field(description="changes on every write; send it back as If-Match")
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


class ActivityBulkUpdate(BaseModel):
    model_config = example(
        {"ids": [ex.ACTIVITY_ID], "completed": True},
        extra="forbid",
    )
    ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    owner_id: uuid.UUID | None = None
    completed: bool | None = None


class TimelineStageChange(BaseModel):
    model_config = example(
        {
            "deal_id": ex.DEAL_ID,
            "deal_name": "Implant treatment — Lucía Fernández",
            "from_stage_id": ex.STAGE_ID,
            "from_stage": "Consultation booked",
            "to_stage_id": ex.NEXT_STAGE_ID,
            "to_stage": "Treatment plan sent",
            "changed_by": ex.USER_ID,
        }
    )
    deal_id: uuid.UUID
    deal_name: str
    from_stage_id: uuid.UUID | None
    from_stage: str | None
    to_stage_id: uuid.UUID
    to_stage: str | None
    changed_by: uuid.UUID | None


class TimelineEvent(BaseModel):
    model_config = example(
        {
            "action": "contact.update",
            "actor_type": "user",
            "actor_id": ex.USER_ID,
            "changes": {"lifecycle_stage": {"before": "qualified", "after": "customer"}},
            "redacted_fields": [],
        }
    )
    action: str
    actor_type: str | None
    actor_id: uuid.UUID | None
    changes: dict[str, Any]
    redacted_fields: list[str]


class TimelineEntry(BaseModel):
    model_config = example(
        {
            "type": "stage_change",
            "at": ex.UPDATED_AT,
            "id": ex.JOB_ID,
            "stage_change": {
                "deal_id": ex.DEAL_ID,
                "deal_name": "Implant treatment — Lucía Fernández",
                "from_stage_id": ex.STAGE_ID,
                "from_stage": "Consultation booked",
                "to_stage_id": ex.NEXT_STAGE_ID,
                "to_stage": "Treatment plan sent",
                "changed_by": ex.USER_ID,
            },
        }
    )
    type: Literal["activity", "stage_change", "field_change"]
    at: dt.datetime
    id: str
    activity: ActivityOut | None = None
    stage_change: TimelineStageChange | None = None
    event: TimelineEvent | None = None


class TimelinePage(BaseModel):
    model_config = example(list_example(TimelineEntry, next_cursor=ex.CURSOR))
    items: list[TimelineEntry]
    next_cursor: str | None


__all__ = [
    "ACTIVITY_KINDS",
    "LINKS",
    "ActivityBulkUpdate",
    "ActivityCreate",
    "ActivityOut",
    "ActivityPatch",
    "BulkDelete",
    "BulkResponse",
    "BulkResult",
    "TimelineEntry",
    "TimelineEvent",
    "TimelinePage",
    "TimelineStageChange",
]
