"""Queueing email and SMS: the row and its delivery job land in the caller's transaction, or neither does."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from crm.core import jobs
from crm.core.errors import BadRequest
from crm.core.security.crypto import OrgCipher, normalize_phone
from crm.messaging import repository
from crm.messaging.email_drivers import valid_address
from crm.messaging.schemas import EmailMessagePage, EmailMessageRead, EmailStatus
from crm.messaging.sms_drivers import MAX_SMS_BODY
from crm.messaging.tasks import SMS_TABLE, deliver_email, deliver_sms
from crm.models import EmailMessage, SmsMessage

MAX_SUBJECT = 998  # RFC 5322 line limit, and the column's length


class InvalidEmail(BadRequest):
    code = "invalid_email"


class InvalidSms(BadRequest):
    code = "invalid_sms"


class InvalidCursor(BadRequest):
    code = "invalid_cursor"


async def queue_email(
    session: AsyncSession, to: str, subject: str, text: str, html: str | None = None
) -> EmailMessage:
    """Store an email for the current tenant and enqueue its delivery, in the same transaction.

    A rollback of the caller's transaction drops both, so no email goes out for work that
    never happened, and a commit makes delivery certain (the job retries).
    """
    try:
        address = valid_address(to)
    except ValueError:
        raise InvalidEmail(f"not a valid recipient address: {to[:320]!r}") from None
    # A line break in a header would let the caller add headers of its own (Bcc: …).
    if "\r" in subject or "\n" in subject or len(subject) > MAX_SUBJECT:
        raise InvalidEmail("the subject must be one line of at most 998 characters")
    row = await repository.insert_email(
        session,
        to_address=address,
        subject=subject,
        text_body=text,
        html_body=html,
        status=EmailStatus.queued.value,
    )
    await jobs.enqueue(session, deliver_email, email_id=str(row.id), organization_id=str(row.organization_id))
    return row


async def queue_sms(session: AsyncSession, cipher: OrgCipher, to: str, body: str) -> SmsMessage:
    """Store a text message for the current tenant and enqueue its delivery, in the same transaction.

    ``to`` must be international (``+44 20 7946 0958``, ``0044…``): a number without its country
    cannot be routed by an SMS gateway. ``cipher`` is the tenant's (the number is stored encrypted).
    """
    try:
        number = normalize_phone(to)
    except ValueError:
        raise InvalidSms("not a valid phone number") from None
    if not number.startswith("+"):
        raise InvalidSms("the phone number needs its country code (+<country><number>)")
    if not body.strip() or len(body) > MAX_SMS_BODY:
        raise InvalidSms(f"the message must have 1 to {MAX_SMS_BODY} characters")
    # The id is chosen here because the ciphertext is bound to it.
    sms_id = uuid.uuid4()
    row = await repository.insert_sms(
        session,
        id=sms_id,
        to_number=cipher.encrypt(number, SMS_TABLE, "to_number", sms_id),
        to_number_bidx=cipher.blind_index(number, "phone"),
        body=body,
        status=EmailStatus.queued.value,
    )
    await jobs.enqueue(session, deliver_sms, sms_id=str(row.id), organization_id=str(row.organization_id))
    return row


def encode_cursor(row: EmailMessage) -> str:
    raw = json.dumps([row.created_at.isoformat(), str(row.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, row_id = json.loads(raw)
        return dt.datetime.fromisoformat(created_at), uuid.UUID(row_id)
    except (binascii.Error, ValueError, TypeError):
        raise InvalidCursor("the cursor is not one this endpoint returned") from None


async def list_emails(session: AsyncSession, *, limit: int, cursor: str | None) -> EmailMessagePage:
    rows = await repository.page(session, limit=limit, after=decode_cursor(cursor) if cursor else None)
    items = rows[:limit]
    return EmailMessagePage(
        items=[EmailMessageRead.model_validate(row) for row in items],
        next_cursor=encode_cursor(items[-1]) if len(rows) > limit else None,
    )
