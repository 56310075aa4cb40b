"""The Twilio SMS driver through the official SDK's async client against a fake Messages API."""

from __future__ import annotations

import logging
import uuid

import pytest

from crm.core.config import ConfigError, load_settings
from crm.messaging.email_drivers import DeliveryError, PermanentDeliveryError
from crm.messaging.schemas import EmailStatus, OutgoingSms
from crm.messaging.sms_drivers import OutboxSmsDriver, make_sms_driver
from crm.messaging.twilio_driver import TwilioSmsDriver, redact_number
from tests.fixtures.redis import free_port
from tests.messaging.conftest import TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN, TwilioServer

TO = "+447700900123"


def sms(to: str = TO, body: str = "Your appointment is tomorrow at 10:00 — ünïcode ok") -> OutgoingSms:
    return OutgoingSms(uuid.uuid4(), to, body)


def driver(
    server: TwilioServer, token: str = TWILIO_TOKEN, from_number: str = TWILIO_FROM
) -> TwilioSmsDriver:
    return TwilioSmsDriver(TWILIO_SID, token, from_number, base_url=server.base_url, timeout=5)


async def test_sends_to_the_messages_resource_and_keeps_the_sid(twilio_server: TwilioServer) -> None:
    outgoing = sms()

    result = await driver(twilio_server).send(outgoing)

    [sent] = twilio_server.api.sent
    assert result.status is EmailStatus.sent and result.provider_message_id == sent.sid
    assert sent.sid.startswith("SM") and len(sent.sid) == 34
    assert (sent.to, sent.from_, sent.body) == (TO, TWILIO_FROM, outgoing.body)
    assert sent.headers["user-agent"].startswith("twilio-python/")


async def test_refused_recipient_fails_for_good_without_a_plain_number(twilio_server: TwilioServer) -> None:
    twilio_server.api.unsubscribed.add(TO)
    with pytest.raises(PermanentDeliveryError) as raised:
        await driver(twilio_server).send(sms())
    assert str(raised.value) == "Twilio 400 21610: Attempt to send to unsubscribed recipient"


async def test_invalid_number_message_is_redacted(twilio_server: TwilioServer) -> None:
    with pytest.raises(PermanentDeliveryError) as raised:
        await driver(twilio_server).send(sms(to="+0123"))
    assert str(raised.value) == "Twilio 400 21211: Invalid 'To' Phone Number: [recipient]"


async def test_a_from_number_of_another_account_is_refused(twilio_server: TwilioServer) -> None:
    with pytest.raises(PermanentDeliveryError, match="21606"):
        await driver(twilio_server, from_number="+15551234567").send(sms())


async def test_wrong_credentials_are_retried_and_never_shown(
    twilio_server: TwilioServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as raised:
        await driver(twilio_server, token="wrong-token-secret").send(sms())
    assert not raised.value.permanent
    assert str(raised.value) == "Twilio 401 20003: Authenticate"
    text = " ".join(r.getMessage() for r in caplog.records) + repr(driver(twilio_server))
    assert "wrong-token-secret" not in text and TWILIO_TOKEN not in text and TO not in text
    assert twilio_server.api.sent == []


async def test_rate_limit_and_outage_are_retried(twilio_server: TwilioServer) -> None:
    twilio_server.api.rate_limited = 1
    with pytest.raises(DeliveryError) as limited:
        await driver(twilio_server).send(sms())
    assert not limited.value.permanent and "429 20429" in str(limited.value)
    twilio_server.api.fail_with = 503
    with pytest.raises(DeliveryError) as down:
        await driver(twilio_server).send(sms())
    assert not down.value.permanent and "Twilio 503" in str(down.value)
    twilio_server.api.fail_with = None
    assert (await driver(twilio_server).send(sms())).status is EmailStatus.sent


async def test_unreachable_api_is_retried() -> None:
    down = TwilioSmsDriver(TWILIO_SID, TWILIO_TOKEN, TWILIO_FROM, base_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(DeliveryError) as raised:
        await down.send(sms())
    assert not raised.value.permanent and "unreachable" in str(raised.value)


def test_redact_number_in_any_spacing() -> None:
    assert redact_number("The 'To' number +44 7700 900123 is bad", TO) == "The 'To' number [recipient] is bad"
    assert redact_number("To 447700900123 x", TO) == "To [recipient] x"
    assert redact_number("nothing here", TO) == "nothing here"


async def test_outbox_driver_stores() -> None:
    assert (await OutboxSmsDriver().send(sms())).status is EmailStatus.stored


def test_settings_choose_the_driver(twilio_server: TwilioServer) -> None:
    assert isinstance(make_sms_driver(load_settings()), OutboxSmsDriver)
    chosen = make_sms_driver(
        load_settings(
            sms_driver="twilio",
            twilio_account_sid=TWILIO_SID,
            twilio_auth_token=TWILIO_TOKEN,
            twilio_from_number=TWILIO_FROM,
            twilio_base_url=twilio_server.base_url,
        )
    )
    assert isinstance(chosen, TwilioSmsDriver)
    assert (chosen.account_sid, chosen.from_number, chosen.base_url) == (
        TWILIO_SID,
        TWILIO_FROM,
        twilio_server.base_url,
    )


def test_twilio_without_its_settings_is_a_config_error_naming_them() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(sms_driver="twilio", twilio_account_sid=TWILIO_SID)
    assert "CRM_TWILIO_AUTH_TOKEN" in str(raised.value) and "CRM_TWILIO_FROM_NUMBER" in str(raised.value)
