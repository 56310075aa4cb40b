"""Notifications as the signed-in user reads them."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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
    items: list[NotificationOut]
    next_cursor: str | None
    unread_count: int = Field(description="all of your unread notifications, not only this page's")


class ReadAllOut(BaseModel):
    marked: int = Field(description="how many notifications were unread and are now read")
    unread_count: int
