"""Outgoing messages kept in the database: the e-mail and SMS outboxes and their delivery log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.core.security.crypto_registry import register_encrypted_column
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


class SmsMessage(IdMixin, TimestampMixin, TenantMixin, Base):
    """One text message: queued by a service, delivered by a job through the SMS driver.

    The recipient's number is PII: encrypted with the organisation's data key (bound to this row),
    with a blind index so a GDPR erase can find every message sent to a person's number.
    """

    __tablename__ = "sms_messages"
    __table_args__ = (Index("ix_sms_messages_to_number_bidx", "organization_id", "to_number_bidx"),)

    to_number: Mapped[bytes] = mapped_column(LargeBinary)
    to_number_bidx: Mapped[bytes] = mapped_column(LargeBinary(32))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="queued", server_default="queued")
    driver: Mapped[str | None] = mapped_column(String(20))
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


register_encrypted_column("sms_messages", "to_number", "to_number_bidx", blind_index_purpose="phone")
