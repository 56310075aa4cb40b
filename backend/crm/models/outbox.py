"""Outgoing messages kept in the database: the email outbox driver and the delivery log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, IdMixin, TenantMixin, TimestampMixin


class EmailMessage(IdMixin, TimestampMixin, TenantMixin, Base):
    """One email: queued by a service, delivered by a job through the configured driver.

    With the ``outbox`` driver delivery stops here and admins read it in the app.
    """

    __tablename__ = "email_messages"

    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(998))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="queued", server_default="queued")
    driver: Mapped[str | None] = mapped_column(String(20))
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
