"""In-app notifications: one row per recipient, read or not."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, IdMixin, TenantMixin

NOTIFICATION_KINDS = ("assigned", "reminder")


class Notification(IdMixin, TenantMixin, Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # The bell: a user's newest first (keyset on created_at, id) ...
        Index(
            "ix_notifications_recipient",
            "organization_id",
            "user_id",
            text("created_at DESC"),
            text("id DESC"),
        ),
        # ... and the unread badge, counted from the unread rows only.
        Index(
            "ix_notifications_unread",
            "organization_id",
            "user_id",
            postgresql_where=text("read_at IS NULL"),
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    # The record it is about (entity type + id); no foreign key since it may name any record type.
    entity: Mapped[str | None] = mapped_column(String(30))
    entity_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


__all__ = ["NOTIFICATION_KINDS", "Notification"]
