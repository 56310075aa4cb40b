"""Email drivers against a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import uuid

import pytest

from crm.core.config import load_settings
from crm.messaging.email_drivers import (
    DeliveryError,
    OutboxEmailDriver,
    PermanentDeliveryError,
    SmtpEmailDriver,
    make_email_driver,
)
from crm.messaging.schemas import EmailStatus, OutgoingEmail
from tests.fixtures.redis import free_port
from tests.fixtures.smtp import SMTP_PASSWORD, SMTP_USER, SmtpServer

SENDER = "CliniGlobal CRM <no-reply@cliniglobal.example>"


def email(to: str = "ada@example.com", html: str | None = "<p>Hello <b>Ada</b></p>") -> OutgoingEmail:
    return OutgoingEmail(uuid.uuid4(), SENDER, to, "Welcome to CliniGlobal — ünïcode", "Hello Ada", html)


async def test_smtp_delivers(smtp_server: SmtpServer) -> None:
    outgoing = email()
    driver = SmtpEmailDriver(smtp_server.host, smtp_server.port)

    result = await driver.send(outgoing)

    assert result.status is EmailStatus.sent
    assert result.provider_message_id == f"<{outgoing.id}@cliniglobal.example>"
    [received] = smtp_server.received
    assert received.mail_from == "no-reply@cliniglobal.example"
    assert received.rcpt_tos == ["ada@example.com"]
    message = received.message
    assert message["Subject"] == "Welcome to CliniGlobal — ünïcode"
    assert message["From"] == SENDER
    assert message["To"] == "ada@example.com"
    assert message["Message-ID"] == result.provider_message_id
    assert message["Date"]
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and text.get_content().strip() == "Hello Ada"
    assert html is not None and html.get_content().strip() == "<p>Hello <b>Ada</b></p>"


async def test_smtp_text_only(smtp_server: SmtpServer) -> None:
    await SmtpEmailDriver(smtp_server.host, smtp_server.port).send(email(html=None))
    message = smtp_server.received[0].message
    assert message.get_content_type() == "text/plain"


async def test_smtp_starttls_and_auth(smtp_tls_server: SmtpServer) -> None:
    driver = SmtpEmailDriver(
        smtp_tls_server.host,
        smtp_tls_server.port,
        username=SMTP_USER,
        password=SMTP_PASSWORD,
        starttls=True,
        tls_context=smtp_tls_server.client_tls_context,
    )
    result = await driver.send(email())
    assert result.status is EmailStatus.sent
    [received] = smtp_tls_server.received
    assert received.login == SMTP_USER


@pytest.mark.parametrize(
    ("username", "password", "starttls"),
    [(SMTP_USER, "wrong", True), (None, None, True), (SMTP_USER, SMTP_PASSWORD, False)],
    ids=["bad-password", "no-auth", "no-starttls"],
)
async def test_smtp_relay_problems_are_retried(
    smtp_tls_server: SmtpServer, username: str | None, password: str | None, starttls: bool
) -> None:
    driver = SmtpEmailDriver(
        smtp_tls_server.host,
        smtp_tls_server.port,
        username=username,
        password=password,
        starttls=starttls,
        tls_context=smtp_tls_server.client_tls_context,
    )
    with pytest.raises(DeliveryError) as raised:
        await driver.send(email())
    assert not raised.value.permanent  # settings can be fixed while the job backs off
    assert SMTP_PASSWORD not in str(raised.value)
    assert smtp_tls_server.received == []


async def test_refused_recipient_is_permanent(smtp_server: SmtpServer) -> None:
    smtp_server.handler.refuse["ghost@example.com"] = "550 5.1.1 no such user"
    with pytest.raises(PermanentDeliveryError, match="550"):
        await SmtpEmailDriver(smtp_server.host, smtp_server.port).send(email("ghost@example.com"))


async def test_temporarily_refused_recipient_is_retried(smtp_server: SmtpServer) -> None:
    smtp_server.handler.refuse["busy@example.com"] = "451 4.3.0 try again later"
    with pytest.raises(DeliveryError) as raised:
        await SmtpEmailDriver(smtp_server.host, smtp_server.port).send(email("busy@example.com"))
    assert not raised.value.permanent


async def test_unreachable_server_is_retried() -> None:
    driver = SmtpEmailDriver("127.0.0.1", free_port(), timeout=2)
    with pytest.raises(DeliveryError) as raised:
        await driver.send(email())
    assert not raised.value.permanent


async def test_outbox_driver_stores() -> None:
    assert (await OutboxEmailDriver().send(email())).status is EmailStatus.stored


def test_driver_from_settings() -> None:
    assert isinstance(make_email_driver(load_settings()), OutboxEmailDriver)
    smtp = make_email_driver(
        load_settings(email_driver="smtp", smtp_host="mail.example", smtp_port=587, smtp_starttls=True)
    )
    assert isinstance(smtp, SmtpEmailDriver)
    assert (smtp.host, smtp.port, smtp.starttls) == ("mail.example", 587, True)
    # SendGrid: tests/messaging/test_sendgrid_driver.py
