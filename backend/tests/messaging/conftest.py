"""Fakes of the e-mail and SMS vendors on loopback ports, driven by the vendors' own SDKs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.fakes.http import serve
from tests.fakes.sendgrid import FakeSendGrid
from tests.fakes.twilio import FakeTwilio

SENDGRID_KEY = "SG.test-key.0123456789abcdefghijklmnopqrstuvwxyz"
TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "twilio-auth-token-must-not-leak"
TWILIO_FROM = "+15005550006"


@dataclass
class SendGridServer:
    api: FakeSendGrid
    base_url: str


@pytest.fixture
def sendgrid_server() -> Iterator[SendGridServer]:
    api = FakeSendGrid(SENDGRID_KEY)
    with serve(api) as base_url:
        yield SendGridServer(api, base_url)


@dataclass
class TwilioServer:
    api: FakeTwilio
    base_url: str


@pytest.fixture
def twilio_server() -> Iterator[TwilioServer]:
    api = FakeTwilio(TWILIO_SID, TWILIO_TOKEN, {TWILIO_FROM})
    with serve(api) as base_url:
        yield TwilioServer(api, base_url)
