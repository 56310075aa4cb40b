"""E-mail through the outbox, the delivery job and SendGrid (the fake v3 API, the official SDK)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from pydantic import AnyHttpUrl, SecretStr
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm.core.config import EmailDriver, Settings
from crm.core.db import DatabaseUrls, unit_of_work
from crm.core.runtime import Runtime, build_runtime, install_runtime
from crm.messaging import service
from crm.messaging.email_drivers import DeliveryError
from crm.messaging.schemas import EmailStatus
from crm.messaging.sendgrid_driver import SendGridEmailDriver
from crm.messaging.tasks import deliver
from crm.models import EmailMessage, Organization
from tests.fixtures.worker import drain
from tests.messaging.conftest import SENDGRID_KEY, SendGridServer

SENDER = "CliniGlobal CRM <no-reply@cliniglobal.example>"


async def reload(session: AsyncSession, email_id: uuid.UUID) -> EmailMessage:
    row = await session.scalar(
        select(EmailMessage).where(EmailMessage.id == email_id).execution_options(populate_existing=True)
    )
    assert row is not None
    return row


async def test_delivered_row_keeps_sendgrids_message_id(
    db: AsyncSession,
    org: uuid.UUID,
    sessions: async_sessionmaker[AsyncSession],
    sendgrid_server: SendGridServer,
) -> None:
    row = await service.queue_email(db, "ada@example.com", "Your invoice", "Total: 10 EUR", "<p>10 EUR</p>")
    driver = SendGridEmailDriver(SENDGRID_KEY, base_url=sendgrid_server.base_url)

    assert await deliver(sessions, driver, row.id, org, sender=SENDER) is EmailStatus.sent
    # A late duplicate of the job finds the row sent and calls SendGrid no more.
    assert await deliver(sessions, driver, row.id, org, sender=SENDER) is EmailStatus.sent

    [accepted] = sendgrid_server.api.accepted
    assert sendgrid_server.api.requests == 1
    assert accepted.body["custom_args"] == {"outbox_id": str(row.id)}
    stored = await reload(db, row.id)
    assert (stored.status, stored.driver, stored.error) == ("sent", "sendgrid", None)
    assert stored.provider_message_id == accepted.message_id and stored.sent_at is not None


async def test_refused_by_sendgrid_fails_at_once_with_its_message(
    db: AsyncSession,
    org: uuid.UUID,
    sessions: async_sessionmaker[AsyncSession],
    sendgrid_server: SendGridServer,
) -> None:
    row = await service.queue_email(db, "ada@example.com", "", "no subject")
    driver = SendGridEmailDriver(SENDGRID_KEY, base_url=sendgrid_server.base_url)

    # No exception: a permanent refusal ends the job instead of scheduling a retry.
    assert await deliver(sessions, driver, row.id, org, sender=SENDER) is EmailStatus.failed

    failed = await reload(db, row.id)
    assert failed.status == "failed" and failed.sent_at is None
    assert failed.error is not None and failed.error.startswith(
        "SendGrid 400: subject: The subject is required"
    )
    assert SENDGRID_KEY not in failed.error


async def test_rate_limited_send_is_recorded_then_retried(
    db: AsyncSession,
    org: uuid.UUID,
    sessions: async_sessionmaker[AsyncSession],
    sendgrid_server: SendGridServer,
) -> None:
    sendgrid_server.api.rate_limited = 1
    row = await service.queue_email(db, "ada@example.com", "Hi", "Hello")
    driver = SendGridEmailDriver(SENDGRID_KEY, base_url=sendgrid_server.base_url)

    with pytest.raises(DeliveryError):
        await deliver(sessions, driver, row.id, org, sender=SENDER)
    retrying = await reload(db, row.id)
    assert (retrying.status, retrying.error) == ("retrying", "SendGrid 429: too many requests")

    assert await deliver(sessions, driver, row.id, org, sender=SENDER) is EmailStatus.sent
    assert (await reload(db, row.id)).error is None
    assert len(sendgrid_server.api.accepted) == 1


async def test_outage_on_the_last_attempt_fails_the_row(
    db: AsyncSession,
    org: uuid.UUID,
    sessions: async_sessionmaker[AsyncSession],
    sendgrid_server: SendGridServer,
) -> None:
    sendgrid_server.api.fail_with = 503
    row = await service.queue_email(db, "ada@example.com", "Hi", "Hello")
    driver = SendGridEmailDriver(SENDGRID_KEY, base_url=sendgrid_server.base_url)
    with pytest.raises(DeliveryError):
        await deliver(sessions, driver, row.id, org, sender=SENDER, final_attempt=True)
    failed = await reload(db, row.id)
    assert failed.status == "failed" and "SendGrid 503" in (failed.error or "")


# The real worker with CRM_EMAIL_DRIVER=sendgrid: committed rows, so this test commits.


@pytest.fixture
async def sendgrid_runtime(
    settings: Settings, database_urls: DatabaseUrls, sendgrid_server: SendGridServer
) -> AsyncIterator[Runtime]:
    configured = settings.model_copy(
        update={
            "email_driver": EmailDriver.sendgrid,
            "sendgrid_api_key": SecretStr(SENDGRID_KEY),
            "sendgrid_base_url": AnyHttpUrl(sendgrid_server.base_url),
        }
    )
    runtime = build_runtime(configured, database_urls)
    install_runtime(runtime)
    yield runtime
    install_runtime(None)
    await runtime.close()


async def test_worker_sends_through_sendgrid(
    sendgrid_runtime: Runtime, owner_engine: AsyncEngine, sendgrid_server: SendGridServer
) -> None:
    org_id = uuid.uuid4()
    async with unit_of_work(sendgrid_runtime.sessions, org_id) as session:
        session.add(Organization(id=org_id, name="SendGrid Clinic", slug=f"sg-{org_id.hex[:12]}"))
    async with unit_of_work(sendgrid_runtime.sessions, org_id) as session:
        email_id = (await service.queue_email(session, "ada@example.com", "Hi", "Hello")).id

    await drain(sendgrid_runtime, ["email"])

    [accepted] = [
        a for a in sendgrid_server.api.accepted if a.body["custom_args"]["outbox_id"] == str(email_id)
    ]
    assert accepted.body["from"]["email"] == sendgrid_runtime.settings.email_from.split("<")[1].rstrip(">")
    async with unit_of_work(sendgrid_runtime.sessions, org_id) as session:
        row = await reload(session, email_id)
        assert (row.status, row.driver, row.provider_message_id) == ("sent", "sendgrid", accepted.message_id)
    async with owner_engine.connect() as conn:
        status = await conn.scalar(
            text("SELECT status FROM procrastinate_jobs WHERE args->>'email_id' = :id"), {"id": str(email_id)}
        )
    assert status == "succeeded"
