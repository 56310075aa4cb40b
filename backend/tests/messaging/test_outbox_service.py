"""Queueing and delivering email: row and job in one transaction, delivery per tenant, the outbox list."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm.core.config import Settings
from crm.core.db import DatabaseUrls, set_tenant, unit_of_work
from crm.core.runtime import Runtime, build_runtime, install_runtime
from crm.messaging import service
from crm.messaging.email_drivers import DeliveryError, OutboxEmailDriver, SmtpEmailDriver
from crm.messaging.schemas import EmailStatus
from crm.messaging.tasks import deliver
from crm.models import EmailMessage, Organization
from tests.conftest import make_org
from tests.fixtures.redis import free_port
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.worker import drain

SENDER = "CliniGlobal CRM <no-reply@cliniglobal.example>"


async def job_of(session: AsyncSession, email_id: uuid.UUID) -> tuple[str, str, dict[str, str]] | None:
    row = (
        await session.execute(
            text(
                "SELECT task_name, queue_name, args FROM procrastinate_jobs"
                " WHERE args->>'email_id' = :email_id"
            ),
            {"email_id": str(email_id)},
        )
    ).first()
    return (row.task_name, row.queue_name, row.args) if row else None


async def test_queue_email_stores_the_row_and_enqueues_its_job(db: AsyncSession, org: uuid.UUID) -> None:
    row = await service.queue_email(db, "ada@example.com", "Welcome", "Hello Ada", "<p>Hello</p>")

    assert (row.organization_id, row.status, row.to_address) == (org, "queued", "ada@example.com")
    assert row.id is not None and row.created_at is not None
    job = await job_of(db, row.id)
    assert job == (
        "messaging.deliver_email",
        "email",
        {"email_id": str(row.id), "organization_id": str(org)},
    )


@pytest.mark.parametrize(
    ("to", "subject"),
    [
        ("not-an-address", "Hi"),
        ("a@example.com, b@example.com", "Hi"),
        ("Ada <ada@example.com>\r\nBcc: eve@example.com", "Hi"),
        ("ada@example.com", "Hi\r\nBcc: eve@example.com"),
        ("ada@example.com", "x" * 999),
    ],
)
async def test_bad_input_is_refused_and_stores_nothing(
    db: AsyncSession, org: uuid.UUID, to: str, subject: str
) -> None:
    with pytest.raises(service.InvalidEmail) as raised:
        await service.queue_email(db, to, subject, "body")
    assert raised.value.status_code == 400
    assert (await db.scalars(select(EmailMessage))).all() == []


async def test_outbox_delivery_marks_the_row_stored(
    db: AsyncSession, org: uuid.UUID, sessions: async_sessionmaker[AsyncSession]
) -> None:
    row = await service.queue_email(db, "ada@example.com", "Welcome", "Hello")

    status = await deliver(sessions, OutboxEmailDriver(), row.id, org, sender=SENDER)

    assert status is EmailStatus.stored
    stored = await reload(db, row.id)
    assert (stored.status, stored.driver, stored.error, stored.sent_at) == ("stored", "outbox", None, None)


async def test_smtp_delivery_sends_once(
    db: AsyncSession,
    org: uuid.UUID,
    sessions: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,
) -> None:
    row = await service.queue_email(db, "ada@example.com", "Your invoice", "Total: 10 EUR")
    driver = SmtpEmailDriver(smtp_server.host, smtp_server.port)

    assert await deliver(sessions, driver, row.id, org, sender=SENDER) is EmailStatus.sent
    # A duplicate or late run of the same job finds the row delivered and sends nothing.
    assert await deliver(sessions, driver, row.id, org, sender=SENDER) is EmailStatus.sent

    [received] = smtp_server.received
    assert received.message["Subject"] == "Your invoice"
    assert received.rcpt_tos == ["ada@example.com"]
    stored = await reload(db, row.id)
    assert stored.status == "sent" and stored.sent_at is not None
    assert stored.provider_message_id == received.message["Message-ID"]


async def test_failure_that_may_pass_is_recorded_then_retried(
    db: AsyncSession, org: uuid.UUID, sessions: async_sessionmaker[AsyncSession]
) -> None:
    row = await service.queue_email(db, "ada@example.com", "Hi", "Hello")
    down = SmtpEmailDriver("127.0.0.1", free_port(), timeout=2)

    with pytest.raises(DeliveryError):
        await deliver(sessions, down, row.id, org, sender=SENDER)
    retrying = await reload(db, row.id)
    assert retrying.status == "retrying" and retrying.error

    with pytest.raises(DeliveryError):
        await deliver(sessions, down, row.id, org, sender=SENDER, final_attempt=True)
    assert (await reload(db, row.id)).status == "failed"


async def test_refused_recipient_fails_without_retry(
    db: AsyncSession,
    org: uuid.UUID,
    sessions: async_sessionmaker[AsyncSession],
    smtp_server: SmtpServer,
) -> None:
    smtp_server.handler.refuse["ghost@example.com"] = "550 5.1.1 no such user"
    row = await service.queue_email(db, "ghost@example.com", "Hi", "Hello")
    driver = SmtpEmailDriver(smtp_server.host, smtp_server.port)

    assert await deliver(sessions, driver, row.id, org, sender=SENDER) is EmailStatus.failed
    failed = await reload(db, row.id)
    assert failed.status == "failed" and "550" in (failed.error or "")


async def test_delivery_runs_only_in_the_emails_organisation(
    db: AsyncSession, org: uuid.UUID, sessions: async_sessionmaker[AsyncSession]
) -> None:
    row = await service.queue_email(db, "ada@example.com", "Hi", "Hello")
    other = await make_org(db, "Other Clinic")
    # A job naming the wrong organisation sees no such row (RLS), so it sends nothing.
    assert await deliver(sessions, OutboxEmailDriver(), row.id, other, sender=SENDER) is None
    await set_tenant(db, org)
    assert (await reload(db, row.id)).status == "queued"


async def test_list_pages_newest_first_and_stays_in_the_tenant(db: AsyncSession, org: uuid.UUID) -> None:
    ids = [(await service.queue_email(db, f"u{n}@example.com", f"n{n}", "x")).id for n in range(5)]
    await make_org(db, "Other Clinic")
    await service.queue_email(db, "other@example.com", "theirs", "x")
    await set_tenant(db, org)

    seen: list[uuid.UUID] = []
    cursor: str | None = None
    sizes = []
    while True:
        page = await service.list_emails(db, limit=2, cursor=cursor)
        sizes.append(len(page.items))
        seen += [item.id for item in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sizes == [2, 2, 1]
    assert sorted(seen) == sorted(ids)  # all five, each once, none of the other tenant's
    created = [item.created_at for item in (await service.list_emails(db, limit=10, cursor=None)).items]
    assert created == sorted(created, reverse=True)


async def test_bad_cursor_is_a_400(db: AsyncSession, org: uuid.UUID) -> None:
    for cursor in ("garbage", "W10", "eyJhIjoxfQ"):
        with pytest.raises(service.InvalidCursor) as raised:
            await service.list_emails(db, limit=10, cursor=cursor)
        assert raised.value.status_code == 400


async def reload(session: AsyncSession, email_id: uuid.UUID) -> EmailMessage:
    row = await session.scalar(
        select(EmailMessage).where(EmailMessage.id == email_id).execution_options(populate_existing=True)
    )
    assert row is not None
    return row


# The whole path with a real worker: it needs committed rows, so this test commits.


@pytest.fixture
async def live_runtime(settings: Settings, database_urls: DatabaseUrls) -> AsyncIterator[Runtime]:
    runtime = build_runtime(settings, database_urls)
    install_runtime(runtime)
    yield runtime
    install_runtime(None)
    await runtime.close()


async def test_worker_delivers_a_committed_email(live_runtime: Runtime, owner_engine: AsyncEngine) -> None:
    org_id = uuid.uuid4()
    async with unit_of_work(live_runtime.sessions, org_id) as session:
        session.add(Organization(id=org_id, name="Mail Clinic", slug=f"mail-{org_id.hex[:12]}"))
    async with unit_of_work(live_runtime.sessions, org_id) as session:
        email_id = (await service.queue_email(session, "ada@example.com", "Hi", "Hello")).id
    rolled_back: list[uuid.UUID] = []
    with pytest.raises(RuntimeError):
        async with unit_of_work(live_runtime.sessions, org_id) as session:
            rolled_back.append((await service.queue_email(session, "bob@example.com", "Hi", "x")).id)
            raise RuntimeError("the request failed after queueing")

    await drain(live_runtime, ["email"])

    async with unit_of_work(live_runtime.sessions, org_id) as session:
        row = await reload(session, email_id)
        assert (row.status, row.driver) == ("stored", "outbox")
        assert await session.get(EmailMessage, rolled_back[0]) is None
    async with owner_engine.connect() as conn:
        statuses = (
            await conn.execute(
                text("SELECT args->>'email_id', status FROM procrastinate_jobs WHERE task_name = :t"),
                {"t": "messaging.deliver_email"},
            )
        ).all()
    assert (str(email_id), "succeeded") in [tuple(r) for r in statuses]
    assert str(rolled_back[0]) not in [r[0] for r in statuses]
