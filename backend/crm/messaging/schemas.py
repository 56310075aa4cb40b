"""Shapes of outgoing email and SMS: what a driver sends, and what the admin outbox endpoint returns."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass

from pydantic import BaseModel

from crm.kit import examples as ex
from crm.kit.examples import example, list_example


class EmailStatus(enum.StrEnum):
    queued = "queued"  # stored, delivery job enqueued
    retrying = "retrying"  # a delivery attempt failed for a reason that may pass; the job retries
    sent = "sent"  # handed to the mail server (SMTP, SendGrid)
    stored = "stored"  # outbox driver: delivery ends at the stored row, read in the app
    failed = "failed"  # given up: refused for good, or out of attempts


DELIVERED = frozenset({EmailStatus.sent, EmailStatus.stored})


@dataclass(frozen=True)
class OutgoingEmail:
    """One email as a driver sees it; ``id`` makes the Message-ID stable across retries."""

    id: uuid.UUID
    sender: str
    to: str
    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True)
class OutgoingSms:
    """One text message as a driver sees it: ``to`` in E.164 (``+<country><number>``)."""

    id: uuid.UUID
    to: str
    body: str

    def __repr__(self) -> str:
        # The number is PII: keep it out of tracebacks and log lines that print the object.
        return f"OutgoingSms(id={self.id}, to='…{self.to[-2:]}', body=<{len(self.body)} chars>)"


@dataclass(frozen=True)
class DeliveryResult:
    status: EmailStatus
    provider_message_id: str | None = None


class EmailMessageRead(BaseModel):
    model_config = example(
        {
            "id": ex.JOB_ID,
            "to_address": ex.CONTACT_EMAIL,
            "subject": "Your implant consultation on 15 April",
            "text_body": "Hola Lucía, we look forward to seeing you at 10:00.",
            "html_body": None,
            "status": "stored",
            "driver": "outbox",
            "provider_message_id": None,
            "error": None,
            "sent_at": ex.UPDATED_AT,
            "created_at": ex.UPDATED_AT,
        },
        from_attributes=True,
    )

    id: uuid.UUID
    to_address: str
    subject: str
    text_body: str
    html_body: str | None
    status: EmailStatus
    driver: str | None
    provider_message_id: str | None
    error: str | None
    sent_at: dt.datetime | None
    created_at: dt.datetime


class EmailMessagePage(BaseModel):
    model_config = example(list_example(EmailMessageRead, next_cursor=None))
    items: list[EmailMessageRead]
    next_cursor: str | None
