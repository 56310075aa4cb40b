"""The delivery jobs (e-mail, SMS): one unit of work per attempt, for the message's organisation.

The row stays locked while the driver sends, so two runs of the same job cannot both send;
a crash after sending but before the commit sends again on retry (at least once, never lost).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import procrastinate
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.core import jobs
from crm.core.db import unit_of_work
from crm.core.runtime import get_runtime
from crm.core.security.crypto import KeyStore, keystore_for, org_cipher
from crm.messaging import repository
from crm.messaging.email_drivers import DeliveryError, EmailDriver, make_email_driver
from crm.messaging.schemas import DELIVERED, EmailStatus, OutgoingEmail, OutgoingSms
from crm.messaging.sms_drivers import SmsDriver, make_sms_driver

log = logging.getLogger(__name__)

MAX_ATTEMPTS = jobs.DEFAULT_RETRY.max_attempts or 1
MAX_ERROR_LENGTH = 2000
SMS_TABLE = "sms_messages"


async def deliver(
    sessions: async_sessionmaker[AsyncSession],
    driver: EmailDriver,
    email_id: uuid.UUID,
    organization_id: uuid.UUID,
    *,
    sender: str,
    final_attempt: bool = False,
) -> EmailStatus | None:
    """Send one stored email and record the outcome; re-raise a failure that may pass, to retry.

    Returns the row's status, or None when there is nothing to do (row gone, or being sent).
    """
    retry: DeliveryError | None = None
    async with unit_of_work(sessions, organization_id) as session:
        row = await repository.lock_for_delivery(session, email_id)
        if row is None:
            return None
        status = EmailStatus(row.status)
        if status in DELIVERED or status is EmailStatus.failed:
            return status  # a duplicate or late job: never send twice
        email = OutgoingEmail(row.id, sender, row.to_address, row.subject, row.text_body, row.html_body)
        values: dict[str, object] = {"driver": driver.name}
        try:
            result = await driver.send(email)
        except DeliveryError as exc:
            give_up = exc.permanent or final_attempt
            status = EmailStatus.failed if give_up else EmailStatus.retrying
            values.update(status=status.value, error=str(exc)[:MAX_ERROR_LENGTH])
            retry = None if exc.permanent else exc
            log.warning("email delivery failed", extra={"email_id": str(email_id), "status": status.value})
        else:
            status = result.status
            values.update(status=status.value, error=None, provider_message_id=result.provider_message_id)
            if status is EmailStatus.sent:
                values["sent_at"] = dt.datetime.now(dt.UTC)
        await repository.record_delivery(session, email_id, **values)
    # Raised after the commit, so the recorded error survives and Procrastinate schedules the retry.
    if retry is not None:
        raise retry
    return status


@jobs.app.task(name="messaging.deliver_email", queue="email", retry=jobs.DEFAULT_RETRY, pass_context=True)
async def deliver_email(context: procrastinate.JobContext, email_id: str, organization_id: str) -> None:
    runtime = get_runtime()
    settings = runtime.settings
    attempts = context.job.attempts if context.job else 0
    await deliver(
        runtime.sessions,
        make_email_driver(settings),
        uuid.UUID(email_id),
        uuid.UUID(organization_id),
        sender=settings.email_from,
        final_attempt=attempts + 1 >= MAX_ATTEMPTS,
    )


async def deliver_text(
    sessions: async_sessionmaker[AsyncSession],
    driver: SmsDriver,
    sms_id: uuid.UUID,
    organization_id: uuid.UUID,
    *,
    keystore: KeyStore,
    final_attempt: bool = False,
) -> EmailStatus | None:
    """Send one stored SMS and record the outcome, as ``deliver`` does for e-mail."""
    retry: DeliveryError | None = None
    async with unit_of_work(sessions, organization_id) as session:
        row = await repository.lock_sms_for_delivery(session, sms_id)
        if row is None:
            return None
        status = EmailStatus(row.status)
        if status in DELIVERED or status is EmailStatus.failed:
            return status
        cipher = await org_cipher(session, keystore, organization_id)
        sms = OutgoingSms(row.id, cipher.decrypt(row.to_number, SMS_TABLE, "to_number", row.id), row.body)
        values: dict[str, object] = {"driver": driver.name}
        try:
            result = await driver.send(sms)
        except DeliveryError as exc:
            give_up = exc.permanent or final_attempt
            status = EmailStatus.failed if give_up else EmailStatus.retrying
            values.update(status=status.value, error=str(exc)[:MAX_ERROR_LENGTH])
            retry = None if exc.permanent else exc
            log.warning("sms delivery failed", extra={"sms_id": str(sms_id), "status": status.value})
        else:
            status = result.status
            values.update(status=status.value, error=None, provider_message_id=result.provider_message_id)
            if status is EmailStatus.sent:
                values["sent_at"] = dt.datetime.now(dt.UTC)
        await repository.record_sms_delivery(session, sms_id, **values)
    if retry is not None:
        raise retry
    return status


@jobs.app.task(name="messaging.deliver_sms", queue="sms", retry=jobs.DEFAULT_RETRY, pass_context=True)
async def deliver_sms(context: procrastinate.JobContext, sms_id: str, organization_id: str) -> None:
    runtime = get_runtime()
    attempts = context.job.attempts if context.job else 0
    await deliver_text(
        runtime.sessions,
        make_sms_driver(runtime.settings),
        uuid.UUID(sms_id),
        uuid.UUID(organization_id),
        keystore=keystore_for(runtime.settings),
        final_attempt=attempts + 1 >= MAX_ATTEMPTS,
    )
