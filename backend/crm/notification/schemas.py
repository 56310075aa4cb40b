"""Notifications as the signed-in user reads them."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from crm.kit import examples as ex
from crm.kit.examples import example, list_example


class NotificationOut(BaseModel):
    model_config = example(
        {
            "id": ex.JOB_ID,
            "kind": "assigned",
            "title": "You were assigned the deal Implant treatment — Lucía Fernández",
            "body": None,
            "entity": "deal",
            "entity_id": ex.DEAL_ID,
            "created_at": ex.UPDATED_AT,
            "read_at": None,
        },
        from_attributes=True,
    )

    id: uuid.UUID
    kind: str = Field(description="assigned | reminder")
    title: str
    body: str | None
    entity: str | None = Field(
        description="type of the record it is about: contact, company, lead, deal, activity"
    )
    entity_id: uuid.UUID | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(BaseModel):
    model_config = example(list_example(NotificationOut, next_cursor=None, unread_count=1))
    items: list[NotificationOut]
    next_cursor: str | None
    unread_count: int = Field(description="all of your unread notifications, not only this page's")


class ReadAllOut(BaseModel):
    model_config = example({"marked": 5, "unread_count": 0})
    marked: int = Field(description="how many notifications were unread and are now read")
    unread_count: int
