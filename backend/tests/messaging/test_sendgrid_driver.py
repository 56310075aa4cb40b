"""The SendGrid driver through the official SDK against a fake of the v3 Mail Send API."""

from __future__ import annotations

import logging
import uuid

import pytest

from crm.core.config import ConfigError, load_settings
from crm.messaging.email_drivers import DeliveryError, PermanentDeliveryError, make_email_driver
from crm.messaging.schemas import EmailStatus, OutgoingEmail
from crm.messaging.sendgrid_driver import SendGridEmailDriver, vendor_errors
from tests.fixtures.redis import free_port
from tests.messaging.conftest import SENDGRID_KEY, SendGridServer

SENDER = "CliniGlobal CRM <no-reply@cliniglobal.example>"


def email(
    to: str = "ada@example.com", subject: str = "Welcome — ünïcode", html: str | None = "<p>Hi <b>Ada</b></p>"
) -> OutgoingEmail:
    return OutgoingEmail(uuid.uuid4(), SENDER, to, subject, "Hi Ada", html)


def driver(server: SendGridServer, key: str = SENDGRID_KEY) -> SendGridEmailDriver:
    return SendGridEmailDriver(key, base_url=server.base_url, timeout=5)


async def test_sends_the_v3_body_and_returns_sendgrids_message_id(sendgrid_server: SendGridServer) -> None:
    outgoing = email()

    result = await driver(sendgrid_server).send(outgoing)

    [accepted] = sendgrid_server.api.accepted
    assert result == type(result)(EmailStatus.sent, accepted.message_id)
    body = accepted.body
    assert body["from"] == {"email": "no-reply@cliniglobal.example", "name": "CliniGlobal CRM"}
    assert body["personalizations"] == [{"to": [{"email": "ada@example.com"}]}]
    assert body["subject"] == "Welcome — ünïcode"
    assert body["content"] == [
        {"type": "text/plain", "value": "Hi Ada"},
        {"type": "text/html", "value": "<p>Hi <b>Ada</b></p>"},
    ]
    # SendGrid's event webhook echoes custom_args: the way back to the outbox row.
    assert body["custom_args"] == {"outbox_id": str(outgoing.id)}
    assert accepted.headers["user-agent"].startswith("sendgrid/")


async def test_text_only(sendgrid_server: SendGridServer) -> None:
    await driver(sendgrid_server).send(email(html=None))
    assert sendgrid_server.api.accepted[0].body["content"] == [{"type": "text/plain", "value": "Hi Ada"}]


async def test_a_refused_message_fails_for_good_with_sendgrids_words(sendgrid_server: SendGridServer) -> None:
    with pytest.raises(PermanentDeliveryError) as raised:
        await driver(sendgrid_server).send(email(subject=""))
    assert str(raised.value).startswith("SendGrid 400: subject: The subject is required.")
    assert sendgrid_server.api.accepted == []


async def test_a_bad_api_key_is_retried_and_never_shown(
    sendgrid_server: SendGridServer, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "SG.wrong-key.secret-part-that-must-not-leak"
    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as raised:
        await driver(sendgrid_server, key=wrong).send(email())
    assert not raised.value.permanent  # an admin can fix the key while the job backs off
    assert "401" in str(raised.value) and "authorization grant is invalid" in str(raised.value)
    assert "secret-part" not in str(raised.value) + repr(driver(sendgrid_server, key=wrong))
    assert all("secret-part" not in record.getMessage() for record in caplog.records)
    assert sendgrid_server.api.accepted == []


async def test_the_api_key_stays_out_of_debug_logs_on_success(
    sendgrid_server: SendGridServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await driver(sendgrid_server).send(email())
    assert all(SENDGRID_KEY not in record.getMessage() for record in caplog.records)


async def test_rate_limit_is_retried_then_goes_through(sendgrid_server: SendGridServer) -> None:
    sendgrid_server.api.rate_limited = 1
    with pytest.raises(DeliveryError) as raised:
        await driver(sendgrid_server).send(email())
    assert not raised.value.permanent
    assert str(raised.value) == "SendGrid 429: too many requests"
    assert (await driver(sendgrid_server).send(email())).status is EmailStatus.sent


@pytest.mark.parametrize("status", [500, 503])
async def test_outage_is_retried(sendgrid_server: SendGridServer, status: int) -> None:
    sendgrid_server.api.fail_with = status
    with pytest.raises(DeliveryError) as raised:
        await driver(sendgrid_server).send(email())
    assert not raised.value.permanent and f"SendGrid {status}" in str(raised.value)


async def test_unreachable_api_is_retried() -> None:
    down = SendGridEmailDriver(SENDGRID_KEY, base_url=f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(DeliveryError) as raised:
        await down.send(email())
    assert not raised.value.permanent and "unreachable" in str(raised.value)


def test_vendor_errors_reads_sendgrids_shape_or_keeps_the_text() -> None:
    body = (
        b'{"errors":[{"message":"Does not contain a valid address.","field":"from.email"},{"message":"x"}]}'
    )
    assert vendor_errors(body) == "from.email: Does not contain a valid address.; x"
    assert vendor_errors(b"<html>bad gateway</html>") == "<html>bad gateway</html>"
    assert vendor_errors(b"") == "no details"


def test_settings_choose_sendgrid_with_its_base_url(sendgrid_server: SendGridServer) -> None:
    settings = load_settings(
        email_driver="sendgrid", sendgrid_api_key=SENDGRID_KEY, sendgrid_base_url=sendgrid_server.base_url
    )
    chosen = make_email_driver(settings)
    assert isinstance(chosen, SendGridEmailDriver)
    assert chosen.base_url == sendgrid_server.base_url
    assert load_settings(email_driver="sendgrid", sendgrid_api_key="k").sendgrid_base_url.host == (
        "api.sendgrid.com"
    )


def test_sendgrid_without_a_key_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="CRM_EMAIL_DRIVER=sendgrid needs CRM_SENDGRID_API_KEY"):
        load_settings(email_driver="sendgrid")
