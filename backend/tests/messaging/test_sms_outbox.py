"""The SMS outbox: encrypted numbers, row and job in one transaction, delivery through Twilio's fake."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from pydantic import AnyHttpUrl, SecretStr
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm.core.config import Settings, SmsDriver
from crm.core.db import DatabaseUrls, set_tenant, unit_of_work
from crm.core.runtime import Runtime, build_runtime, install_runtime
from crm.core.security.crypto import KeyStore, OrgCipher, keystore_for, org_cipher
from crm.messaging import service
from crm.messaging.email_drivers import DeliveryError
from crm.messaging.schemas import EmailStatus
from crm.messaging.sms_drivers import OutboxSmsDriver
from crm.messaging.tasks import deliver_text
from crm.messaging.twilio_driver import TwilioSmsDriver
from crm.models import Organization, SmsMessage
from tests.conftest import make_org
from tests.fixtures.worker import drain
from tests.messaging.conftest import TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN, TwilioServer

TO = "+447700900123"


@pytest.fixture
def keystore(settings: Settings) -> KeyStore:
    return keystore_for(settings)


@pytest.fixture
async def cipher(db: AsyncSession, org: uuid.UUID, keystore: KeyStore) -> OrgCipher:
    return await org_cipher(db, keystore, org)


def twilio(server: TwilioServer) -> TwilioSmsDriver:
    return TwilioSmsDriver(TWILIO_SID, TWILIO_TOKEN, TWILIO_FROM, base_url=server.base_url, timeout=5)


async def reload(session: AsyncSession, sms_id: uuid.UUID) -> SmsMessage:
    row = await session.scalar(
        select(SmsMessage).where(SmsMessage.id == sms_id).execution_options(populate_existing=True)
    )
    assert row is not None
    return row


async def test_queue_sms_encrypts_the_number_and_enqueues_its_job(
    db: AsyncSession, org: uuid.UUID, cipher: OrgCipher
) -> None:
    row = await service.queue_sms(db, cipher, "0044 7700 900123", "See you at 10:00")

    assert (row.organization_id, row.status, row.body) == (org, "queued", "See you at 10:00")
    raw = await db.scalar(text("SELECT to_number FROM sms_messages WHERE id = :id"), {"id": row.id})
    assert TO.encode() not in raw and b"7700900123" not in raw
    assert cipher.decrypt(raw, "sms_messages", "to_number", row.id) == TO  # normalised to E.164
    assert row.to_number_bidx == cipher.blind_index("+44 7700 900 123", "phone")
    job = (
        await db.execute(
            text("SELECT task_name, queue_name, args FROM procrastinate_jobs WHERE args->>'sms_id' = :id"),
            {"id": str(row.id)},
        )
    ).one()
    assert tuple(job) == (
        "messaging.deliver_sms",
        "sms",
        {"sms_id": str(row.id), "organization_id": str(org)},
    )


@pytest.mark.parametrize(
    ("to", "body"),
    [
        ("not a number", "hi"),
        ("07700 900123", "hi"),  # no country code: no gateway can route it
        ("+44 7700 900123", ""),
        ("+44 7700 900123", "   "),
        ("+44 7700 900123", "x" * 1601),
    ],
)
async def test_bad_input_is_a_400_and_stores_nothing(
    db: AsyncSession, org: uuid.UUID, cipher: OrgCipher, to: str, body: str
) -> None:
    with pytest.raises(service.InvalidSms) as raised:
        await service.queue_sms(db, cipher, to, body)
    assert raised.value.status_code == 400
    assert (await db.scalars(select(SmsMessage))).all() == []


async def test_twilio_delivery_sends_once_and_keeps_the_sid(
    db: AsyncSession,
    org: uuid.UUID,
    cipher: OrgCipher,
    keystore: KeyStore,
    sessions: async_sessionmaker[AsyncSession],
    twilio_server: TwilioServer,
) -> None:
    row = await service.queue_sms(db, cipher, TO, "Your results are ready")

    assert (
        await deliver_text(sessions, twilio(twilio_server), row.id, org, keystore=keystore)
        is EmailStatus.sent
    )
    assert (
        await deliver_text(sessions, twilio(twilio_server), row.id, org, keystore=keystore)
        is EmailStatus.sent
    )

    [sent] = twilio_server.api.sent
    assert twilio_server.api.requests == 1
    assert (sent.to, sent.body) == (TO, "Your results are ready")
    stored = await reload(db, row.id)
    assert (stored.status, stored.driver, stored.provider_message_id) == ("sent", "twilio", sent.sid)
    assert stored.sent_at is not None and stored.error is None


async def test_refused_recipient_fails_at_once_with_twilios_code(
    db: AsyncSession,
    org: uuid.UUID,
    cipher: OrgCipher,
    keystore: KeyStore,
    sessions: async_sessionmaker[AsyncSession],
    twilio_server: TwilioServer,
) -> None:
    twilio_server.api.unsubscribed.add(TO)
    row = await service.queue_sms(db, cipher, TO, "Offer")

    assert (
        await deliver_text(sessions, twilio(twilio_server), row.id, org, keystore=keystore)
        is EmailStatus.failed
    )
    failed = await reload(db, row.id)
    assert (failed.status, failed.error) == (
        "failed",
        "Twilio 400 21610: Attempt to send to unsubscribed recipient",
    )


async def test_rate_limit_is_recorded_then_retried_and_last_attempt_fails(
    db: AsyncSession,
    org: uuid.UUID,
    cipher: OrgCipher,
    keystore: KeyStore,
    sessions: async_sessionmaker[AsyncSession],
    twilio_server: TwilioServer,
) -> None:
    twilio_server.api.rate_limited = 1
    row = await service.queue_sms(db, cipher, TO, "Hi")
    with pytest.raises(DeliveryError):
        await deliver_text(sessions, twilio(twilio_server), row.id, org, keystore=keystore)
    retrying = await reload(db, row.id)
    assert (retrying.status, retrying.error) == ("retrying", "Twilio 429 20429: Too Many Requests")
    assert (
        await deliver_text(sessions, twilio(twilio_server), row.id, org, keystore=keystore)
        is EmailStatus.sent
    )

    twilio_server.api.fail_with = 503
    second = await service.queue_sms(db, cipher, TO, "Hi again")
    with pytest.raises(DeliveryError):
        await deliver_text(
            sessions, twilio(twilio_server), second.id, org, keystore=keystore, final_attempt=True
        )
    assert (await reload(db, second.id)).status == "failed"


async def test_outbox_driver_stores_and_other_tenants_see_nothing(
    db: AsyncSession,
    org: uuid.UUID,
    cipher: OrgCipher,
    keystore: KeyStore,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    row = await service.queue_sms(db, cipher, TO, "Hi")
    other = await make_org(db, "Other Clinic")
    # A job naming the wrong organisation finds no such row (RLS) and sends nothing.
    assert await deliver_text(sessions, OutboxSmsDriver(), row.id, other, keystore=keystore) is None
    assert (await db.scalars(select(SmsMessage))).all() == []
    await set_tenant(db, org)
    assert (await reload(db, row.id)).status == "queued"
    assert (
        await deliver_text(sessions, OutboxSmsDriver(), row.id, org, keystore=keystore) is EmailStatus.stored
    )
    assert (await reload(db, row.id)).driver == "outbox"


# The real worker with CRM_SMS_DRIVER=twilio: committed rows, so this test commits.


@pytest.fixture
async def twilio_runtime(
    settings: Settings, database_urls: DatabaseUrls, twilio_server: TwilioServer
) -> AsyncIterator[Runtime]:
    configured = settings.model_copy(
        update={
            "sms_driver": SmsDriver.twilio,
            "twilio_account_sid": TWILIO_SID,
            "twilio_auth_token": SecretStr(TWILIO_TOKEN),
            "twilio_from_number": TWILIO_FROM,
            "twilio_base_url": AnyHttpUrl(twilio_server.base_url),
        }
    )
    runtime = build_runtime(configured, database_urls)
    install_runtime(runtime)
    yield runtime
    install_runtime(None)
    await runtime.close()


async def test_worker_sends_a_committed_sms_through_twilio(
    twilio_runtime: Runtime, owner_engine: AsyncEngine, twilio_server: TwilioServer
) -> None:
    org_id = uuid.uuid4()
    keystore = keystore_for(twilio_runtime.settings)
    async with unit_of_work(twilio_runtime.sessions, org_id) as session:
        session.add(Organization(id=org_id, name="SMS Clinic", slug=f"sms-{org_id.hex[:12]}"))
    async with unit_of_work(twilio_runtime.sessions, org_id) as session:
        cipher = await org_cipher(session, keystore, org_id)
        body = f"Reminder {org_id.hex[:8]}"
        sms_id = (await service.queue_sms(session, cipher, TO, body)).id

    await drain(twilio_runtime, ["sms"])

    [sent] = [s for s in twilio_server.api.sent if s.body == body]
    assert sent.to == TO
    async with unit_of_work(twilio_runtime.sessions, org_id) as session:
        row = await reload(session, sms_id)
        assert (row.status, row.driver, row.provider_message_id) == ("sent", "twilio", sent.sid)
    async with owner_engine.connect() as conn:
        status = await conn.scalar(
            text("SELECT status FROM procrastinate_jobs WHERE args->>'sms_id' = :id"), {"id": str(sms_id)}
        )
    assert status == "succeeded"
